/**
 * Putting a chunked file back together (`nncp-reass`): `NAME.nncp.meta`
 * lists the size and the MTH of every `NAME.nncp.chunkN` next to it.
 *
 * One pass over the chunks (`nncp-reass` reads every chunk twice: to check
 * it, then to copy it). Where WebAssembly SIMD is available (everywhere
 * ferry runs) and the file goes to disk, {@linkcode ./pipeline.ts} reads
 * each piece straight into a leaf hasher's memory, hashes it there and
 * writes it from there, reading the next piece and writing the last ones
 * on pool threads meanwhile; the file is written around the page cache
 * ({@linkcode ./direct_output.ts}, `O_DIRECT`) where the file system and
 * the FFI permission allow, else the ordinary way. Otherwise (`--stdout`,
 * no SIMD) chunks are read in batches of {@linkcode reassReadBytes} into
 * one `HashPipe` (`digestAndRestart` per chunk) and written in turn; with
 * {@linkcode reassWorkerCoresMin} cores or more a worker shares its leaves.
 * Memory stays at a few fixed buffers whatever the file size.
 * A chunk whose size or hash differs from the meta stops the writing (the
 * other chunks are still checked, so every bad one is named) and the
 * temporary file is removed: nothing partial ever appears.
 *
 * Crash safety, in order: write `.ferry-reass-<tag>.tmp` (the tag comes from
 * the meta, so a rerun finds it), fsync it, hard-link it to `NAME` (or
 * `NAME.0`, `NAME.1`, ... as NNCP names collisions), fsync the folder, then
 * remove the chunks, the meta and the temporary link. A rerun after a kill
 * that finds the temporary file with a second link knows the file was
 * delivered and only finishes the removals, so the file appears exactly
 * once. An flock on the meta keeps two processes off the same file.
 * @module
 */

import { blake2b256 } from "../crypto/blake2b.ts";
import { encodeBase32 } from "../encoding/base32.ts";
import {
  basename,
  dirname,
  freeBytes,
  fsyncDir,
  isBlockingIo,
  isNotFound,
  openFile,
  readSome,
  syncFile,
  writeAll,
} from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import {
  type ChunkedMeta,
  decodeChunkedMeta,
  HASH_WORKER_THRESHOLD_BYTES,
  HashPipe,
  PacketError,
} from "../packet/mod.ts";
import { linkFreeName as linkFree } from "../fsutil/free_name.ts";
import { DirectOutput, DirectWriteRefused } from "./direct_output.ts";
import { allWritten, releaseHashers, runPipeline, takeHashers } from "./pipeline.ts";

/** Suffix of a meta file. */
export const META_SUFFIX = ".nncp.meta";
/** Suffix of a chunk, followed by its number. */
export const CHUNK_SUFFIX = ".nncp.chunk";
/** Largest meta file read (8 MiB: about 262 000 chunks). */
export const metaBytesMax = 8 * 1024 * 1024;
/** Bytes read, hashed and written at a time. */
export const reassReadBytes = 512 * 1024;
/** Cores needed before the hashing of a big file gets a worker of its own. */
export const reassWorkerCoresMin = 3;
/** Collision suffixes (`NAME.0` ... ) tried before giving up. */
export const reassCollisionsMax = 10_000;

/** Why a reassembly cannot be done; `problems` names each file. */
export class ReassError extends Error {
  override name = "ReassError";
  /** `bad-meta`, `missing` (chunks not there yet), `bad-chunk`, `busy`, `no-space`. */
  readonly code: "bad-meta" | "missing" | "bad-chunk" | "busy" | "no-space";
  readonly problems: string[];
  constructor(code: ReassError["code"], message: string, problems: string[] = [message]) {
    super(message);
    this.code = code;
    this.problems = problems;
  }
}

/** Points of the work, reported to {@linkcode ReassOptions.onStep} (tests kill there). */
export type ReassStep =
  | "checked"
  | `chunk-written:${number}`
  | "synced"
  | "linked"
  | `chunk-removed:${number}`
  | "meta-removed"
  | "done";

/** What to do. */
export interface ReassOptions {
  /** Check the chunks only. */
  dryRun?: boolean;
  /** Leave the chunks and the meta. */
  keep?: boolean;
  /** Write the file here instead of next to the meta (`--stdout`). */
  output?: (chunk: Uint8Array) => Promise<void>;
  /** Called after each step. */
  onStep?: (step: ReassStep) => void | Promise<void>;
}

/** What a reassembly did. */
export interface ReassResult {
  /** The file made (absent for a dry run or `output`). */
  path?: string;
  fileBytes: number;
  chunks: number;
  /** True when an earlier, interrupted run had already made the file. */
  resumed: boolean;
  /** Bytes of the file written around the page cache (`O_DIRECT`); the rest went the ordinary way. */
  directBytes: number;
}

/** A meta file read and checked, with the paths of its chunks. */
export interface MetaFile {
  path: string;
  dir: string;
  /** The reassembled file's name (the meta's name without `.nncp.meta`). */
  name: string;
  meta: ChunkedMeta;
  raw: Uint8Array;
  chunkPaths: string[];
  /** The hidden temporary file of this meta. */
  tempPath: string;
}

/** The size chunk `i` of `meta` must have. */
export function chunkBytes(meta: ChunkedMeta, i: number): number {
  const last = meta.checksums.length - 1;
  return i < last ? meta.chunkSize : meta.fileSize - meta.chunkSize * last;
}

/** Reads and checks `path` (a `NAME.nncp.meta`). */
export async function readMetaFile(path: string): Promise<MetaFile> {
  const name = basename(path);
  if (!name.endsWith(META_SUFFIX) || name === META_SUFFIX) {
    throw new ReassError(
      "bad-meta",
      `${path} is not a chunked file's meta: its name must end in ${META_SUFFIX}`,
    );
  }
  const info = await Deno.lstat(path);
  if (!info.isFile) throw new ReassError("bad-meta", `${path} is not a regular file`);
  if (info.size > metaBytesMax) {
    throw new ReassError(
      "bad-meta",
      `${path} has ${info.size} bytes, more than a meta may have (${metaBytesMax}): it is not a meta file`,
    );
  }
  const raw = await Deno.readFile(path);
  let meta: ChunkedMeta;
  try {
    meta = decodeChunkedMeta(raw);
  } catch (err) {
    if (err instanceof PacketError) {
      throw new ReassError("bad-meta", `${path}: ${err.message}; remove it or ask for it again`);
    }
    throw err;
  }
  const dir = dirname(path);
  const base = name.slice(0, -META_SUFFIX.length);
  const chunkPaths = meta.checksums.map((_, i) => `${dir}/${base}${CHUNK_SUFFIX}${i}`);
  const nameBytes = new TextEncoder().encode(name);
  const tagInput = new Uint8Array(nameBytes.length + 1 + raw.length);
  tagInput.set(nameBytes);
  tagInput.set(raw, nameBytes.length + 1);
  const tag = encodeBase32(blake2b256(tagInput)).slice(0, 26);
  return {
    path,
    dir,
    name: base,
    meta,
    raw,
    chunkPaths,
    tempPath: `${dir}/.ferry-reass-${tag}.tmp`,
  };
}

/**
 * Which chunks are absent or of the wrong size (the meta lying about sizes
 * shows here). Empty when all are in.
 */
export async function chunkProblems(
  m: MetaFile,
): Promise<{ missing: number[]; problems: string[] }> {
  const missing: number[] = [];
  const problems: string[] = [];
  for (let i = 0; i < m.chunkPaths.length; i++) {
    const p = m.chunkPaths[i]!;
    const info = await lstatIfThere(p);
    if (info === null) {
      missing.push(i);
      problems.push(`chunk ${i} (${p}) is missing`);
    } else if (!info.isFile) {
      problems.push(`chunk ${i} (${p}) is not a regular file`);
    } else if (info.size !== chunkBytes(m.meta, i)) {
      problems.push(
        `chunk ${i} (${p}) has ${info.size} bytes, the meta says ${chunkBytes(m.meta, i)}`,
      );
    }
  }
  return { missing, problems };
}

/** Hard-links `from` to `to`, or `to.0`, `to.1`, ... whichever is free first. */
function linkFreeName(from: string, to: string): string {
  const name = linkFree(from, to, reassCollisionsMax);
  if (name !== null) return name;
  throw new ReassError(
    "bad-meta",
    `more than ${reassCollisionsMax} files are already called ${to}.N`,
  );
}

/** Removes `path` if it is there (right here when the command runs blocking I/O, see `setBlockingIo`). */
async function removeIfThere(path: string): Promise<void> {
  try {
    if (isBlockingIo()) Deno.removeSync(path);
    else await Deno.remove(path);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** `lstat` of `path`, null when it is missing (right here under blocking I/O). */
async function lstatIfThere(path: string): Promise<Deno.FileInfo | null> {
  try {
    return isBlockingIo() ? Deno.lstatSync(path) : await Deno.lstat(path);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Number of links of `path`, 0 when it is missing. */
function links(path: string): number {
  try {
    const info = Deno.lstatSync(path);
    return info.isFile ? info.nlink ?? 1 : 0;
  } catch (err) {
    if (isNotFound(err)) return 0;
    throw err;
  }
}

/**
 * Reassembles the file of the meta at `path`.
 * @throws {ReassError} when it cannot be done; nothing is changed then
 * (a `busy` meta is being reassembled by another process).
 */
export async function reassemble(path: string, options: ReassOptions = {}): Promise<ReassResult> {
  const step = options.onStep ?? (() => {});
  const lockFd = await Deno.open(path, { read: true });
  try {
    if (!(await lockFd.tryLock(true))) {
      throw new ReassError("busy", `${path} is being reassembled by another process`);
    }
    // Another process may have finished (and removed the meta) while we opened it.
    const now = await Deno.lstat(path).catch(() => null);
    const held = await lockFd.stat();
    if (now === null || now.ino !== held.ino) {
      throw new ReassError("busy", `${path} was reassembled by another process`);
    }
    const m = await readMetaFile(path);
    const result: ReassResult = {
      fileBytes: m.meta.fileSize,
      chunks: m.chunkPaths.length,
      resumed: false,
      directBytes: 0,
    };
    const toFile = options.output === undefined && !options.dryRun;
    if (toFile && links(m.tempPath) >= 2) {
      // An interrupted run made the file: finish its clean-up only.
      result.resumed = true;
      if (!options.keep) await removeSources(m, step);
      await removeIfThere(m.tempPath);
      await fsyncDir(m.dir);
      await step("done");
      return result;
    }
    const { missing, problems } = await chunkProblems(m);
    if (problems.length > 0) {
      const missingOnly = missing.length === problems.length;
      throw new ReassError(
        missingOnly ? "missing" : "bad-chunk",
        `Cannot reassemble ${m.dir}/${m.name}: ${problems.join("; ")}`,
        problems,
      );
    }
    if (toFile) {
      const free = await freeBytes(m.dir);
      if (free < m.meta.fileSize) {
        throw new ReassError(
          "no-space",
          `Cannot reassemble ${m.dir}/${m.name}: it needs ${humanBytes(m.meta.fileSize)}, ` +
            `${humanBytes(free)} is free there; make room and run ferry reass again`,
        );
      }
    }
    await step("checked");
    let out: Output | null = null;
    if (toFile) {
      await removeIfThere(m.tempPath); // an interrupted write
      out = await Output.create(m.tempPath);
    }
    try {
      const hashers = options.output === undefined ? takeHashers() : null;
      if (hashers !== null) {
        let bad: string[];
        try {
          bad = await runPipeline({
            chunkPaths: m.chunkPaths,
            chunkBytes: (i) => chunkBytes(m.meta, i),
            checksum: (i) => m.meta.checksums[i]!,
            write: out === null ? null : (data, at) => out!.write(data, at),
            written: (i) => step(`chunk-written:${i}`),
          }, hashers);
        } finally {
          releaseHashers(hashers);
        }
        if (bad.length > 0) throw badChunks(m, bad);
      } else {
        await copyChunks(
          m,
          options.dryRun ? null : options.output ?? ((b) => out!.write(b, out!.size)),
          step,
        );
      }
      if (out !== null) {
        await out.sync();
        result.directBytes = out.directBytes;
        out.close();
        out = null;
        await step("synced");
        result.path = linkFreeName(m.tempPath, `${m.dir}/${m.name}`);
        await fsyncDir(m.dir);
        await step("linked");
      }
    } catch (err) {
      out?.close();
      if (toFile && links(m.tempPath) < 2) await removeIfThere(m.tempPath);
      throw err;
    }
    if (!options.dryRun && !options.keep) await removeSources(m, step);
    if (toFile) {
      await removeIfThere(m.tempPath);
      await fsyncDir(m.dir);
    }
    await step("done");
    return result;
  } finally {
    lockFd.close();
  }
}

/** Streams every chunk through its MTH into `write` (null: check only). */
async function copyChunks(
  m: MetaFile,
  write: ((chunk: Uint8Array) => Promise<void>) | null,
  step: (s: ReassStep) => void | Promise<void>,
): Promise<void> {
  const buf = new Uint8Array(reassReadBytes);
  const bad: string[] = [];
  // Big files on 3+ cores: a worker hashes while this thread reads and writes.
  const mode = m.meta.fileSize >= HASH_WORKER_THRESHOLD_BYTES &&
      navigator.hardwareConcurrency >= reassWorkerCoresMin
    ? "worker"
    : "inline";
  const mth = new HashPipe({ mode });
  try {
    for (let i = 0; i < m.chunkPaths.length; i++) {
      const p = m.chunkPaths[i]!;
      const want = chunkBytes(m.meta, i);
      const file = await openFile(p, { read: true });
      let got = 0;
      try {
        for (;;) {
          const n = await readSome(file, buf.subarray(0, Math.min(buf.length, want - got + 1)));
          if (n === null) break;
          got += n;
          if (got > want) break;
          const piece = buf.subarray(0, n);
          await mth.update(piece);
          if (write !== null && bad.length === 0) await write(piece);
        }
      } finally {
        file.close();
      }
      const sum = await mth.digestAndRestart();
      if (got !== want) {
        bad.push(
          `chunk ${i} (${p}) changed size while it was read (${got} bytes, the meta says ${want})`,
        );
      } else if (!bytesSame(sum, m.meta.checksums[i]!)) {
        bad.push(`chunk ${i} (${p}) does not match its checksum in the meta`);
      }
      if (bad.length === 0 && write !== null) await step(`chunk-written:${i}`);
    }
  } finally {
    mth.close();
  }
  if (bad.length > 0) throw badChunks(m, bad);
}

function badChunks(m: MetaFile, bad: string[]): ReassError {
  return new ReassError(
    "bad-chunk",
    `Cannot reassemble ${m.dir}/${m.name}: ${
      bad.join("; ")
    }; remove the bad chunks and ask for them again`,
    bad,
  );
}

/**
 * The temporary file being written: directly ({@linkcode DirectOutput})
 * where the file system allows, each piece that does not fit a direct
 * write (and every piece elsewhere) the ordinary way.
 */
class Output {
  #direct: DirectOutput | null;
  #plain: Deno.FsFile | null;
  #path: string;
  /** The last ordinary write queued (null: none yet). */
  #plainTail: Promise<void> | null = null;
  /** Bytes written so far: the end of the highest piece. */
  size = 0;
  /** Bytes written directly. */
  directBytes = 0;

  private constructor(path: string, direct: DirectOutput | null, plain: Deno.FsFile | null) {
    this.#path = path;
    this.#direct = direct;
    this.#plain = plain;
  }

  static async create(path: string): Promise<Output> {
    const direct = DirectOutput.create(path, 0o644);
    if (direct !== null) return new Output(path, direct, null);
    return new Output(
      path,
      null,
      await openFile(path, { write: true, createNew: true, mode: 0o644 }),
    );
  }

  /**
   * Writes `data` at `offset`. Direct writes may run side by side; once a
   * piece had to be written the ordinary way, every later one is too, one
   * at a time.
   */
  write(data: Uint8Array, offset: number): Promise<void> {
    if (this.#plainTail === null && this.#direct !== null) {
      // A piece that ends off the alignment (the file's tail): its whole pages directly.
      const head = data.length - data.length % this.#direct.alignment;
      if (head > 0 && head < data.length && this.#direct.fits(data.subarray(0, head), offset)) {
        const first = this.write(data.subarray(0, head), offset);
        const rest = this.#writePlain(data.subarray(head), offset + head);
        return allWritten([first, rest]);
      }
    }
    if (this.#plainTail === null && this.#direct?.fits(data, offset)) {
      return this.#direct.write(data, offset).then(
        () => {
          this.directBytes += data.length;
          this.#grown(offset + data.length);
        },
        (err) => {
          if (!(err instanceof DirectWriteRefused)) throw err;
          return this.#writePlain(data, offset);
        },
      );
    }
    return this.#writePlain(data, offset);
  }

  #writePlain(data: Uint8Array, offset: number): Promise<void> {
    const after = this.#plainTail ?? Promise.resolve();
    const done = after.then(async () => {
      this.#plain ??= await openFile(this.#path, { write: true });
      await this.#plain.seek(offset, Deno.SeekMode.Start);
      await writeAll(this.#plain, data);
      this.#grown(offset + data.length);
    });
    this.#plainTail = done.catch(() => {}); // the error goes to this write's caller
    return done;
  }

  #grown(end: number): void {
    this.size = Math.max(this.size, end);
  }

  /** Everything written to disk (one fsync covers both descriptors: they are one file). */
  async sync(): Promise<void> {
    if (this.#direct !== null) await this.#direct.sync();
    else await syncFile(this.#plain!);
  }

  close(): void {
    this.#direct?.close();
    this.#plain?.close();
    this.#direct = null;
    this.#plain = null;
  }
}

async function removeSources(
  m: MetaFile,
  step: (s: ReassStep) => void | Promise<void>,
): Promise<void> {
  for (let i = 0; i < m.chunkPaths.length; i++) {
    await removeIfThere(m.chunkPaths[i]!);
    await step(`chunk-removed:${i}`);
  }
  await removeIfThere(m.path);
  await step("meta-removed");
}

function bytesSame(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
