/**
 * What a media session needs around a mounted medium: flush it
 * ({@linkcode syncFs}), know if it can be written ({@linkcode isReadOnly})
 * and how much fits ({@linkcode freeSpace}), and unmount it
 * ({@linkcode unmount}) before telling a person it is safe to remove.
 *
 * `umount(8)` and `sync -f` run as child processes with a timeout, so a
 * wedged device cannot hang the agent.
 *
 * @example
 * ```ts ignore
 * import { freeSpace, syncFs, unmount } from "./mount.ts";
 * console.log((await freeSpace("/media/ferry-sda1")).bytesAvailable);
 * await syncFs("/media/ferry-sda1");
 * await unmount("/media/ferry-sda1");
 * ```
 * @module
 */

import { statfs } from "node:fs/promises";
import { type MountinfoSource, procMountinfo, readMountinfo } from "./mountinfo_reader.ts";

/** How long `umount` may take (it flushes dirty data first), in milliseconds. */
export const unmountTimeoutMs = 120_000;
/** How long `sync -f` may take on a slow stick, in milliseconds. */
export const syncTimeoutMs = 120_000;
/** Most bytes of a command's error output kept in an error message. */
const stderrBytesMax = 2048;

/** A mount helper program failed or timed out. */
export class MountCommandError extends Error {
  /** Exit code, or `null` when it was killed (timeout). */
  readonly code: number | null;
  constructor(message: string, code: number | null) {
    super(message);
    this.name = "MountCommandError";
    this.code = code;
  }
}

async function runTool(
  program: string,
  args: string[],
  timeoutMs: number,
  what: string,
  hint: string,
): Promise<void> {
  const out = await new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  if (out.success) return;
  if (out.signal !== null) {
    throw new MountCommandError(
      `Cannot ${what}: ${program} took over ${timeoutMs} ms. ${hint}`,
      null,
    );
  }
  const stderr = new TextDecoder().decode(out.stderr.subarray(0, stderrBytesMax)).trim();
  throw new MountCommandError(
    `Cannot ${what}: ${program} exited ${out.code}: ${stderr || "no message"}. ${hint}`,
    out.code,
  );
}

/** Options for {@linkcode unmount}. */
export interface UnmountOptions {
  /** Detach now and clean up when no longer busy (`umount -l`). Default false. */
  lazy?: boolean;
  /** Default {@linkcode unmountTimeoutMs}. */
  timeoutMs?: number;
}

/** Unmounts the filesystem at `mountPoint` with `umount(8)`. Throws {@linkcode MountCommandError}. */
export async function unmount(mountPoint: string, options: UnmountOptions = {}): Promise<void> {
  const args = options.lazy ? ["-l", "--", mountPoint] : ["--", mountPoint];
  await runTool(
    "umount",
    args,
    options.timeoutMs ?? unmountTimeoutMs,
    `unmount ${JSON.stringify(mountPoint)}`,
    "Close files open on the medium (fuser -m), or unmount lazily",
  );
}

/** Flushes every dirty page of the filesystem holding `path` (`sync -f`, i.e. syncfs(2)). */
export async function syncFs(path: string, options: { timeoutMs?: number } = {}): Promise<void> {
  await runTool(
    "sync",
    ["-f", "--", path],
    options.timeoutMs ?? syncTimeoutMs,
    `flush the filesystem of ${JSON.stringify(path)}`,
    "The medium may be failing: do not remove it yet, check dmesg",
  );
}

/**
 * True when the mount holding `path` (or its filesystem) is read-only, as
 * the mount table says. The mount is the deepest one whose mount point
 * contains the real path; of several at the same point, the last mounted.
 */
export async function isReadOnly(
  path: string,
  options: { source?: MountinfoSource } = {},
): Promise<boolean> {
  const real = await Deno.realPath(path);
  const snap = await readMountinfo(options.source ?? procMountinfo());
  let best: { depth: number; ro: boolean } | undefined;
  for (const m of snap.mounts) {
    const mp = m.mountPoint;
    const inside = mp === "/" || real === mp || real.startsWith(mp + "/");
    if (!inside || (best && mp.length < best.depth)) continue;
    best = { depth: mp.length, ro: m.options.includes("ro") || m.superOptions.includes("ro") };
  }
  if (!best) {
    throw new Error(`No mount holds ${JSON.stringify(real)}: the mount table is unreadable`);
  }
  return best.ro;
}

/** Space on the filesystem holding a path, in bytes. */
export interface FreeSpace {
  /** Free to an unprivileged writer (what ferry may use). */
  bytesAvailable: number;
  /** Free in all, including blocks reserved for root. */
  bytesFree: number;
  /** Size of the filesystem. */
  bytesTotal: number;
}

/** Free and total space of the filesystem holding `path` (statfs). */
export async function freeSpace(path: string): Promise<FreeSpace> {
  const s = await statfs(path, { bigint: true });
  // Block counts are in fragment-size units (f_frsize); Deno reports it, Node only f_bsize.
  const unit = (s as { frsize?: bigint }).frsize ?? s.bsize;
  const bytes = (blocks: bigint) => Number(blocks * unit);
  return {
    bytesAvailable: bytes(s.bavail),
    bytesFree: bytes(s.bfree),
    bytesTotal: bytes(s.blocks),
  };
}
