/**
 * Copying a packet while computing its id, and reading a copy back to check
 * it: the two steps that make a medium trustworthy in both directions.
 * @module
 */

import { encodeBase32 } from "../encoding/base32.ts";
import { Mth } from "../packet/mod.ts";
import type { Progress } from "../progress/progress.ts";

/** Bytes moved per read. */
export const copyChunkBytes = 1024 * 1024;

/** Copies `src` to a new file `dst` (created, not replaced), fsyncs it, and returns the MTH id of the bytes. */
export async function copyWithId(
  src: string,
  dst: string,
  options: { expectBytes?: number; progress?: Progress; signal?: AbortSignal } = {},
): Promise<{ id: string; bytes: number }> {
  const input = await Deno.open(src, { read: true });
  let output: Deno.FsFile | undefined;
  try {
    output = await Deno.open(dst, { write: true, createNew: true, mode: 0o644 });
    const mth = await Mth.create();
    const buf = new Uint8Array(copyChunkBytes);
    let bytes = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const n = await input.read(buf);
      if (n === null) break;
      const chunk = buf.subarray(0, n);
      mth.update(chunk);
      let off = 0;
      while (off < n) off += await output.write(chunk.subarray(off));
      bytes += n;
      options.progress?.add(n);
      if (options.expectBytes !== undefined && bytes > options.expectBytes) {
        throw new RangeError(
          `${src} grew while being copied (now over ${options.expectBytes} bytes)`,
        );
      }
    }
    await output.sync();
    return { id: encodeBase32(mth.digest()), bytes };
  } catch (err) {
    output?.close();
    output = undefined;
    await Deno.remove(dst).catch(() => {});
    throw err;
  } finally {
    input.close();
    output?.close();
  }
}

/**
 * Copies `src` to a new file `dst` (created, not replaced) and fsyncs it,
 * without hashing: for copies that are read back and checked afterwards.
 */
export async function copyPlain(
  src: string,
  dst: string,
  options: { expectBytes?: number; progress?: Progress; signal?: AbortSignal } = {},
): Promise<number> {
  const input = await Deno.open(src, { read: true });
  let output: Deno.FsFile | undefined;
  try {
    output = await Deno.open(dst, { write: true, createNew: true, mode: 0o644 });
    const buf = new Uint8Array(copyChunkBytes);
    let bytes = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const n = await input.read(buf);
      if (n === null) break;
      let off = 0;
      while (off < n) off += await output.write(buf.subarray(off, n));
      bytes += n;
      options.progress?.add(n);
      if (options.expectBytes !== undefined && bytes > options.expectBytes) {
        throw new RangeError(
          `${src} grew while being copied (now over ${options.expectBytes} bytes)`,
        );
      }
    }
    await output.sync();
    return bytes;
  } catch (err) {
    output?.close();
    output = undefined;
    await Deno.remove(dst).catch(() => {});
    throw err;
  } finally {
    input.close();
    output?.close();
  }
}

/** What reading a file back gave: its id, its length, and the device it is on. */
export interface ReadBack {
  id: string;
  bytes: number;
  /** `st_dev` of the file that was read (the file itself, not its path now). */
  dev: number | null;
}

/** Reads a file and returns its MTH id, length and device. */
export async function readBack(path: string, signal?: AbortSignal): Promise<ReadBack> {
  const file = await Deno.open(path, { read: true });
  try {
    const dev = (await file.stat()).dev;
    const mth = await Mth.create();
    const buf = new Uint8Array(copyChunkBytes);
    let bytes = 0;
    for (;;) {
      signal?.throwIfAborted();
      const n = await file.read(buf);
      if (n === null) break;
      mth.update(buf.subarray(0, n));
      bytes += n;
    }
    return { id: encodeBase32(mth.digest()), bytes, dev };
  } finally {
    file.close();
  }
}

/** Reads a file and returns its MTH id. */
export async function idOfFile(path: string, signal?: AbortSignal): Promise<string> {
  return (await readBack(path, signal)).id;
}
