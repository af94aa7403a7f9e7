/**
 * Copying a packet while computing its id, and reading a copy back to check
 * it: the two steps that make a medium trustworthy in both directions.
 *
 * Reads, writes and hashing overlap: the next chunk is read while the
 * current one is written and hashed, and the hashing itself is shared with
 * a worker thread for big packets (the packet module's `HashPipe`), so a
 * copy runs at about the speed of its slowest part instead of their sum.
 * Memory is two chunks plus the hasher's bounded queue, whatever the size.
 *
 * @example
 * ```ts
 * import { copyWithId, filesEqual, idOfFile } from "./copy.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/a`, new Uint8Array(1000).fill(7));
 * const { id } = await copyWithId(`${dir}/a`, `${dir}/b`);
 * console.assert(id === await idOfFile(`${dir}/b`));
 * console.assert(await filesEqual(`${dir}/a`, `${dir}/b`));
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */

import { Buffer } from "node:buffer";
import { encodeBase32 } from "../encoding/base32.ts";
import { HashPipe } from "../packet/mod.ts";
import type { Progress } from "../progress/progress.ts";

/** Bytes moved per read (two such buffers are in use during a copy). */
export const copyChunkBytes = 2 * 1024 * 1024;

async function readFull(file: Deno.FsFile, into: Uint8Array): Promise<number> {
  let off = 0;
  while (off < into.length) {
    const n = await file.read(into.subarray(off));
    if (n === null) break;
    off += n;
  }
  return off;
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length;) off += await file.write(data.subarray(off));
}

/**
 * Calls `each` with successive chunks of `file`, reading the next chunk
 * while `each` works on the current one. A chunk may be reused once `each`
 * has resolved.
 */
async function eachChunk(
  file: Deno.FsFile,
  signal: AbortSignal | undefined,
  each: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  const buffers = [new Uint8Array(copyChunkBytes), new Uint8Array(copyChunkBytes)];
  let current = 0;
  let pending = readFull(file, buffers[0]!);
  try {
    for (;;) {
      signal?.throwIfAborted();
      const n = await pending;
      if (n === 0) return;
      const chunk = buffers[current]!.subarray(0, n);
      current ^= 1;
      pending = n < copyChunkBytes ? Promise.resolve(0) : readFull(file, buffers[current]!);
      await each(chunk);
    }
  } finally {
    await pending.catch(() => 0); // never close the file under a read in flight
  }
}

/** Copies `src` to a new file `dst` (created, not replaced), fsyncs it, and returns the MTH id of the bytes. */
export async function copyWithId(
  src: string,
  dst: string,
  options: { expectBytes?: number; progress?: Progress; signal?: AbortSignal } = {},
): Promise<{ id: string; bytes: number }> {
  const input = await Deno.open(src, { read: true });
  let output: Deno.FsFile | undefined;
  const hash = new HashPipe();
  try {
    const out = output = await Deno.open(dst, { write: true, createNew: true, mode: 0o644 });
    let bytes = 0;
    await eachChunk(input, options.signal, async (chunk) => {
      bytes += chunk.length;
      if (options.expectBytes !== undefined && bytes > options.expectBytes) {
        throw new RangeError(
          `${src} grew while being copied (now over ${options.expectBytes} bytes)`,
        );
      }
      await Promise.all([writeAll(out, chunk), hash.update(chunk)]);
      options.progress?.add(chunk.length);
    });
    await out.sync();
    return { id: encodeBase32(await hash.digest()), bytes };
  } catch (err) {
    output?.close();
    output = undefined;
    await Deno.remove(dst).catch(() => {});
    throw err;
  } finally {
    hash.close();
    input.close();
    output?.close();
  }
}

/** Reads a file and returns its MTH id. */
export async function idOfFile(path: string, signal?: AbortSignal): Promise<string> {
  const file = await Deno.open(path, { read: true });
  const hash = new HashPipe();
  try {
    await eachChunk(file, signal, (chunk) => hash.update(chunk));
    return encodeBase32(await hash.digest());
  } finally {
    hash.close();
    file.close();
  }
}

/**
 * True when the files at `a` and `b` hold the same bytes. Used to read a
 * copy back against its verified original, at the speed of reading both.
 */
export async function filesEqual(a: string, b: string, signal?: AbortSignal): Promise<boolean> {
  const fa = await Deno.open(a, { read: true });
  try {
    const fb = await Deno.open(b, { read: true });
    try {
      if ((await fa.stat()).size !== (await fb.stat()).size) return false;
      const other = new Uint8Array(copyChunkBytes);
      const differ = new Error("the files differ");
      try {
        await eachChunk(fa, signal, async (chunk) => {
          const n = await readFull(fb, other.subarray(0, chunk.length));
          const x = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
          if (n !== chunk.length || !x.equals(other.subarray(0, n))) throw differ;
        });
      } catch (err) {
        if (err === differ) return false;
        throw err;
      }
      return (await fb.read(other)) === null;
    } finally {
      fb.close();
    }
  } finally {
    fa.close();
  }
}
