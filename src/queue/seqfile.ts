/**
 * Sequence files, as fspl keeps them: one line with the next number in
 * decimal (`N\n`), updated by writing `FILE.temp`, fsyncing and renaming it
 * over `FILE`; ferry also fsyncs the folder, so the new number survives a
 * power cut before anything that depends on it happens. `FILE.lock` is the
 * lock: `flock(LOCK_EX|LOCK_NB)`, the call fspl and `flock(1)` use (Deno's
 * `FsFile.tryLockSync` makes exactly that call), so ferry, fspl and shell
 * scripts exclude each other.
 *
 * @example
 * ```ts
 * import { lockSeqfile, readSeqfile, writeSeqfile } from "./seqfile.ts";
 * const dir = Deno.makeTempDirSync();
 * const lock = lockSeqfile(`${dir}/seq`, { create: true });
 * writeSeqfile(`${dir}/seq`, 5n);
 * console.assert(readSeqfile(`${dir}/seq`) === 5n);
 * lock.release();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 * @module
 */

import { QueueBusyError, QueueLayoutError } from "./errors.ts";
import { seqfileBytesMax } from "./limits.ts";

const U64_MAX = (1n << 64n) - 1n;

/** Parses a sequence number given by a person or a file (decimal u64). */
export function parseSeq(text: string, what: string): bigint {
  const t = text.trim();
  if (!/^[0-9]{1,20}$/.test(t) || BigInt(t) > U64_MAX) {
    throw new RangeError(
      `${what}: ${JSON.stringify(text)} is not a sequence number (0 to ${U64_MAX})`,
    );
  }
  return BigInt(t);
}

/**
 * Reads the number in a queue's `nextseq`; a missing file counts as 1, as
 * fspl counts it (a queue made by hand, or whose file was removed, starts
 * at job 1). The number is written on the next commit.
 */
export function readNextSeq(path: string): bigint {
  try {
    return readSeqfile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return 1n;
    throw err;
  }
}

/** Reads the number in a sequence file (its first line, trimmed). */
export function readSeqfile(path: string): bigint {
  let file: Deno.FsFile;
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) {
      throw new QueueLayoutError(
        `${path} is not a regular file; remove it and set the next job with set-next`,
      );
    }
    file = Deno.openSync(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new QueueLayoutError(`cannot read ${path}: permission denied`);
    }
    throw err;
  }
  try {
    const buf = new Uint8Array(seqfileBytesMax);
    let got = 0;
    while (got < buf.length) {
      const n = file.readSync(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    const line = new TextDecoder().decode(buf.subarray(0, got)).split("\n")[0] ?? "";
    try {
      return parseSeq(line, path);
    } catch {
      throw new QueueLayoutError(
        `${path} does not hold a sequence number (found ${JSON.stringify(line.slice(0, 40))}); ` +
          `set it with set-next`,
      );
    }
  } finally {
    file.close();
  }
}

/** The folder part of `path` (`.` when there is none). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  if (i < 0) return ".";
  return i === 0 ? "/" : path.slice(0, i);
}

/** fsyncs a folder, so renames and new names in it are durable. */
export function syncDir(path: string): void {
  const dir = Deno.openSync(path, { read: true });
  try {
    dir.syncSync();
  } finally {
    dir.close();
  }
}

/** Stores `value` in a sequence file: temp file, fsync, rename, fsync of the folder. */
export function writeSeqfile(path: string, value: bigint): void {
  if (value < 0n || value > U64_MAX) throw new RangeError(`${value} is not a sequence number`);
  const temp = `${path}.temp`;
  const file = Deno.openSync(temp, { write: true, create: true, truncate: true });
  try {
    const bytes = new TextEncoder().encode(`${value}\n`);
    let off = 0;
    while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
    file.syncSync();
  } catch (err) {
    file.close();
    Deno.removeSync(temp);
    throw err;
  }
  file.close();
  Deno.renameSync(temp, path);
  syncDir(dirOf(path));
}

/** A held lock; release it when done (closing the process releases it too). */
export interface SeqLock {
  release(): void;
}

/**
 * Takes `PATH.lock` with `flock(LOCK_EX|LOCK_NB)`. Throws
 * {@linkcode QueueBusyError} at once if someone else holds it. With
 * `create`, a missing lock file is made (sender side); without, it must
 * exist (queue side: a missing one means an append-only queue).
 */
export function lockSeqfile(path: string, options: { create: boolean; label?: string }): SeqLock {
  const lockPath = `${path}.lock`;
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(lockPath, { read: true, write: true, create: options.create });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound && !options.create) {
      throw new QueueLayoutError(
        `${lockPath} is missing: this is an append-only queue (made with init --append-only) ` +
          `or not a queue; process it where it was made without --append-only`,
      );
    }
    throw err;
  }
  if (!file.tryLockSync(true)) {
    file.close();
    throw new QueueBusyError(
      `${options.label ?? path} is busy: another process (ferry or fspl) holds ${lockPath}; ` +
        `try again when it has finished`,
    );
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      file.close();
    },
  };
}
