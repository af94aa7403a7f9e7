/**
 * Reads a whole mount table with hard limits: at most
 * {@linkcode mountsMax} lines, {@linkcode mountinfoLineBytesMax} bytes per
 * line and {@linkcode mountinfoBytesMax} bytes in all, so a machine with a
 * runaway number of mounts cannot make the watcher grow or stall. Malformed
 * lines are collected as errors (bounded too), never thrown.
 *
 * The source is injected: {@linkcode procMountinfo} reads the real file,
 * {@linkcode textMountinfo} serves a string for tests.
 *
 * @example
 * ```ts
 * import { readMountinfo, textMountinfo } from "./mountinfo_reader.ts";
 * const snap = await readMountinfo(textMountinfo("1 0 8:1 / / rw - ext4 /dev/sda1 rw\nbad\n"));
 * console.assert(snap.mounts.length === 1 && snap.errors[0]?.line === 2);
 * ```
 * @module
 */

import {
  type MountEntry,
  mountinfoLineBytesMax,
  MountinfoSyntaxError,
  parseMountinfoLine,
} from "./mountinfo.ts";

/** Most mount table lines read per scan; later lines are ignored (`truncated`). */
export const mountsMax = 4096;
/** Most bytes read from the mount table per scan (4 MiB). */
export const mountinfoBytesMax = 4 * 1024 * 1024;
/** Most malformed lines kept per scan (the rest are only counted). */
export const mountinfoErrorsMax = 64;
/** Size of one read from the mount table, in bytes. */
const readChunkBytes = 64 * 1024;

/**
 * Where mount table bytes come from: a fresh read of the whole table per
 * call. A chunk may be reused by the source once the next one is asked for.
 */
export type MountinfoSource = () => AsyncIterable<Uint8Array>;

/** Limits for {@linkcode readMountinfo}; each defaults to the module constant. */
export interface MountinfoLimits {
  mountsMax?: number;
  lineBytesMax?: number;
  bytesMax?: number;
}

/** One read of the mount table. */
export interface MountinfoSnapshot {
  /** Well-formed lines, in table order. */
  mounts: MountEntry[];
  /** Malformed lines (at most {@linkcode mountinfoErrorsMax}). */
  errors: MountinfoSyntaxError[];
  /** Number of malformed lines, including those not kept in `errors`. */
  errorCount: number;
  /** True when a limit stopped the read before the end of the table. */
  truncated: boolean;
}

/**
 * The kernel's mount table for this process (default `/proc/self/mountinfo`).
 * Reads are synchronous: procfs is generated in memory and never waits on a
 * disk, and this is about five times cheaper than going through the async
 * thread pool (see `deno task bench media`).
 */
export function procMountinfo(path = "/proc/self/mountinfo"): MountinfoSource {
  return async function* () {
    const buf = new Uint8Array(readChunkBytes);
    const file = Deno.openSync(path, { read: true });
    try {
      while (true) {
        const n = file.readSync(buf);
        if (n === null) return;
        yield buf.subarray(0, n);
      }
    } finally {
      file.close();
    }
  };
}

/** A mount table held in memory; `text` may be a function, read on every scan. */
export function textMountinfo(text: string | (() => string)): MountinfoSource {
  const encoder = new TextEncoder();
  return async function* () {
    const bytes = encoder.encode(typeof text === "string" ? text : text());
    for (let i = 0; i < bytes.length; i += readChunkBytes) {
      yield bytes.subarray(i, i + readChunkBytes);
    }
  };
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Remembers the lines of the previous scan, so a line that did not change
 * is not parsed again (most of a large table stays the same between polls).
 * Holds at most two scans' worth of lines.
 */
export class MountinfoParseCache {
  #previous = new Map<string, MountEntry>();
  #next = new Map<string, MountEntry>();

  /** Parses `text` (line number `line`), reusing the previous scan's result. */
  parse(text: string, line: number): MountEntry {
    const entry = this.#previous.get(text) ?? parseMountinfoLine(text, line);
    this.#next.set(text, entry);
    return entry;
  }

  /** Ends a scan: only the lines seen in it are kept. */
  rotate(): void {
    this.#previous = this.#next;
    this.#next = new Map();
  }
}

/**
 * Reads and parses one snapshot of the mount table from `source`, within
 * `limits`. Entries may be shared with earlier snapshots through `cache`:
 * treat them as read-only.
 */
export async function readMountinfo(
  source: MountinfoSource,
  limits: MountinfoLimits = {},
  cache?: MountinfoParseCache,
): Promise<MountinfoSnapshot> {
  try {
    return await readInto(source, limits, cache);
  } finally {
    cache?.rotate();
  }
}

async function readInto(
  source: MountinfoSource,
  limits: MountinfoLimits,
  cache: MountinfoParseCache | undefined,
): Promise<MountinfoSnapshot> {
  const linesMax = limits.mountsMax ?? mountsMax;
  const lineMax = limits.lineBytesMax ?? mountinfoLineBytesMax;
  const bytesMax = limits.bytesMax ?? mountinfoBytesMax;
  const snap: MountinfoSnapshot = { mounts: [], errors: [], errorCount: 0, truncated: false };
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let overlong = false;
  let lineNo = 0;
  let total = 0;

  const fail = (err: MountinfoSyntaxError) => {
    snap.errorCount++;
    if (snap.errors.length < mountinfoErrorsMax) snap.errors.push(err);
  };
  const finish = () => {
    lineNo++;
    if (overlong) fail(new MountinfoSyntaxError(lineNo, `longer than ${lineMax} bytes`));
    else {
      try {
        const text = decoder.decode(concat(parts, partBytes));
        snap.mounts.push(cache ? cache.parse(text, lineNo) : parseMountinfoLine(text, lineNo));
      } catch (err) {
        if (err instanceof MountinfoSyntaxError) fail(err);
        else fail(new MountinfoSyntaxError(lineNo, "is not UTF-8"));
      }
    }
    parts = [];
    partBytes = 0;
    overlong = false;
  };
  const take = (bytes: Uint8Array) => {
    if (overlong) return;
    if (partBytes + bytes.length > lineMax) {
      overlong = true;
      parts = [];
      partBytes = 0;
      return;
    }
    parts.push(bytes.slice());
    partBytes += bytes.length;
  };

  for await (const whole of source()) {
    if (whole.length === 0) continue;
    if (lineNo >= linesMax || total >= bytesMax) {
      snap.truncated = true;
      return snap;
    }
    const chunk = whole.subarray(0, bytesMax - total);
    total += chunk.length;
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) {
        take(chunk.subarray(start));
        break;
      }
      take(chunk.subarray(start, nl));
      finish();
      start = nl + 1;
      if (lineNo >= linesMax) {
        if (start < chunk.length) {
          snap.truncated = true;
          return snap;
        }
        break; // the next chunk, if any, marks the read as truncated
      }
    }
    if (chunk.length < whole.length) {
      snap.truncated = true; // the cut line is dropped
      return snap;
    }
  }
  if (partBytes > 0 || overlong) finish();
  return snap;
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
