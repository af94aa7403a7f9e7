/**
 * Copying a packet and computing its id, and reading a copy back to check
 * it: the two steps that make a medium trustworthy in both directions.
 *
 * Copies are made inside the kernel where it can ({@linkcode kernelCopy}):
 * an import then hashes the copy it made (from memory, while the copy is
 * fsynced, with the hashing workers), an export compares its read-back with
 * the spool copy ({@linkcode compareWithSource}). Elsewhere each loop keeps
 * the next read in flight while the current chunk is written and hashed:
 * reading, writing and hashing overlap. On three cores or more the hashing
 * is shared with worker threads once a file passes a few MiB
 * ({@linkcode HashPipe}); on fewer the calling thread hashes
 * ({@linkcode copyHashMode}). Memory is a few chunk buffers plus the hash
 * pipe's bounded queue, whatever the file size.
 *
 * @example
 * ```ts
 * import { copyWithId, readBack } from "./copy.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/a`, new Uint8Array(1000));
 * const copied = await copyWithId(`${dir}/a`, `${dir}/b`);
 * console.assert(copied.id === (await readBack(`${dir}/b`)).id && copied.bytes === 1000);
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */

import { encodeBase32 } from "../encoding/base32.ts";
import { type CacheDrop, dropCachedPages, writeAll } from "../fsutil/mod.ts";
import { kernelCopy } from "../fsutil/kernel_copy.ts";
import { openComparator } from "../fsutil/memcmp.ts";
import { type HashMode, HashPipe } from "../packet/hash_pipe.ts";
import { readFull } from "../packet/io.ts";
import type { Progress } from "../progress/progress.ts";

/**
 * Bytes moved per read (each loop holds two such buffers). 1 MiB reads keep
 * the disk streaming (the kernel reads ahead) while a 1 GiB export stays
 * under 96 MiB peak RSS; 4 MiB buffers cost 10 MiB more and no speed.
 */
export const copyChunkBytes = 1024 * 1024;
/** Smallest read buffer: small files get buffers of about their size, not `copyChunkBytes`. */
export const copyChunkBytesMin = 64 * 1024;

/**
 * Files from this size are copied inside the kernel. Below it the few
 * system calls of reading and writing cost less than a kernel copy's
 * (two more opens and a thread-pool round trip), and an import hashes the
 * bytes on their way through.
 */
export const kernelCopyBytesMin = 8 * 1024 * 1024;

/** Whether `src` (of `expectBytes`, when known) is big enough for a kernel copy. */
async function wantsKernelCopy(src: string, expectBytes: number | undefined): Promise<boolean> {
  const size = expectBytes ?? (await Deno.stat(src)).size;
  return size >= kernelCopyBytesMin;
}

/** Read buffer size for a file of `sizeHint` bytes (one read takes it whole, the next sees its end). */
function chunkBytesFor(sizeHint: number | undefined): number {
  if (sizeHint === undefined) return copyChunkBytes;
  const rounded = Math.ceil((sizeHint + 1) / copyChunkBytesMin) * copyChunkBytesMin;
  return Math.min(copyChunkBytes, rounded);
}

/** Cores from which the copies share the hashing with worker threads. */
export const copyHashWorkerCoresMin = 3;

/**
 * Where a copy through {@linkcode copyLoop} or a read-back from a medium
 * hashes: it waits on the disk most of the time, so on one or two cores the
 * calling thread hashes between reads (a hashing worker measured no faster
 * there and costs 12–14 MiB of peak RSS); with more cores the workers share
 * it. A kernel copy's id is hashed with the workers at any core count.
 */
export function copyHashMode(cores: number = navigator.hardwareConcurrency || 1): HashMode {
  return cores >= copyHashWorkerCoresMin ? "auto" : "inline";
}

/** Options of the copy functions. */
export interface CopyOptions {
  /** Fail (and remove the copy) when the source grows past this many bytes. */
  expectBytes?: number;
  progress?: Progress;
  signal?: AbortSignal;
}

/**
 * Reads `file` chunk by chunk with the next read already in flight. A chunk
 * may be used until the consumer asks for the next one. With `sizeHint`
 * (the file's expected size) a small file gets small buffers: a run over
 * thousands of small packets does not churn through 8 MiB per packet.
 */
async function* chunksOf(
  file: Deno.FsFile,
  signal?: AbortSignal,
  sizeHint?: number,
): AsyncGenerator<Uint8Array> {
  const bytes = chunkBytesFor(sizeHint);
  const buffers = [new Uint8Array(bytes), new Uint8Array(bytes)];
  let turn = 0;
  // A read that fails while the chunk before it is in use is reported when awaited.
  const start = (buffer: Uint8Array) => {
    const read = file.read(buffer);
    read.catch(() => {});
    return read;
  };
  let pending = start(buffers[0]!);
  try {
    for (;;) {
      const n = await pending;
      signal?.throwIfAborted();
      if (n === null) return;
      const chunk = buffers[turn]!.subarray(0, n);
      turn ^= 1;
      pending = start(buffers[turn]!);
      // Deno starts a file read only once the caller yields: one microtask
      // turn sets it going before the consumer works on `chunk`.
      await Promise.resolve();
      yield chunk;
    }
  } finally {
    // Leaving early (an error, an abort): let the read in flight finish before the file closes.
    await pending.catch(() => {});
  }
}

/** Copies `src` to a new `dst`, handing each chunk to `each` as it is written; fsyncs `dst`. */
async function copyLoop(
  src: string,
  dst: string,
  options: CopyOptions,
  each: (chunk: Uint8Array) => Promise<void>,
): Promise<number> {
  const input = await Deno.open(src, { read: true });
  let output: Deno.FsFile | undefined;
  const chunks = chunksOf(input, options.signal, options.expectBytes);
  try {
    output = await Deno.open(dst, { write: true, createNew: true, mode: 0o644 });
    let bytes = 0;
    for await (const chunk of chunks) {
      bytes += chunk.length;
      if (options.expectBytes !== undefined && bytes > options.expectBytes) {
        throw new RangeError(
          `${src} grew while being copied (now over ${options.expectBytes} bytes)`,
        );
      }
      await Promise.all([writeAll(output, chunk), each(chunk)]);
      options.progress?.add(chunk.length);
    }
    await output.sync();
    return bytes;
  } catch (err) {
    await chunks.return(undefined).catch(() => {});
    if (output) {
      // Only a file this copy created is removed, never one that was there before.
      output.close();
      output = undefined;
      await Deno.remove(dst).catch(() => {});
    }
    throw err;
  } finally {
    input.close();
    output?.close();
  }
}

/**
 * Copies `src` to a new file `dst` (created, not replaced) inside the kernel
 * when `src` is big enough and the kernel can ({@linkcode kernelCopy}), then
 * runs `finish` with the still open copy (opened before any write, so its
 * fsync hears of every writeback error). Returns null, with nothing left
 * behind, when the copy is to be made by reading and writing instead; a
 * failure removes the copy.
 */
async function copyInKernel<T>(
  src: string,
  dst: string,
  options: CopyOptions,
  finish: (output: Deno.FsFile, copied: number) => Promise<T>,
): Promise<T | null> {
  if (!(await wantsKernelCopy(src, options.expectBytes))) return null;
  let output: Deno.FsFile | undefined = await Deno.open(dst, {
    write: true,
    createNew: true,
    mode: 0o644,
  });
  try {
    const copied = await kernelCopy(src, dst, {
      ...(options.expectBytes === undefined ? {} : { expectBytes: options.expectBytes }),
      ...(options.signal ? { signal: options.signal } : {}),
      onChunk: (bytes) => options.progress?.add(bytes),
    });
    if (copied !== null) return await finish(output, copied);
  } catch (err) {
    output.close();
    output = undefined;
    await Deno.remove(dst).catch(() => {});
    throw err;
  } finally {
    output?.close();
  }
  // No kernel copy here (nothing was written).
  await Deno.remove(dst);
  return null;
}

/**
 * Copies `src` to a new file `dst` (created, not replaced), fsyncs it, and
 * returns the MTH id of the bytes `dst` holds. A kernel copy is hashed from
 * memory while its fsync runs; otherwise the bytes are hashed as they pass
 * through {@linkcode copyLoop}.
 */
export async function copyWithId(
  src: string,
  dst: string,
  options: CopyOptions = {},
): Promise<{ id: string; bytes: number }> {
  const inKernel = await copyInKernel(src, dst, options, async (output, copied) => {
    const synced = output.sync();
    let back: ReadBack;
    try {
      // The bytes come from memory and the disk is busy with the fsync, not
      // with reads: the hashing workers share the work from two cores on.
      back = await readBack(dst, options.signal, "auto");
    } finally {
      // The file closes only once its fsync is done; a failed fsync is thrown below.
      await synced.catch(() => {});
    }
    await synced;
    if (back.bytes !== copied) {
      throw new Error(
        `${dst} changed while its id was computed (${back.bytes} of ${copied} bytes)`,
      );
    }
    return { id: back.id, bytes: copied };
  });
  if (inKernel !== null) return inKernel;
  const hash = new HashPipe({ mode: copyHashMode() });
  try {
    const bytes = await copyLoop(src, dst, options, (chunk) => hash.update(chunk));
    return { id: encodeBase32(await hash.digest()), bytes };
  } finally {
    hash.close();
  }
}

/**
 * Copies `src` to a new file `dst` (created, not replaced) and fsyncs it,
 * without hashing: for copies that are read back and checked afterwards.
 * Big files move inside the kernel ({@linkcode copyInKernel}), the others
 * through {@linkcode copyLoop}.
 */
export async function copyPlain(
  src: string,
  dst: string,
  options: CopyOptions = {},
): Promise<number> {
  const inKernel = await copyInKernel(src, dst, options, async (output, copied) => {
    await output.sync();
    return copied;
  });
  return inKernel ?? await copyLoop(src, dst, options, () => Promise.resolve());
}

/** What reading a file back gave: its id, its length, and the device it is on. */
export interface ReadBack {
  id: string;
  bytes: number;
  /** `st_dev` of the file that was read (the file itself, not its path now). */
  dev: number | null;
}

/** Reads a file and returns its MTH id, length and device. */
export async function readBack(
  path: string,
  signal?: AbortSignal,
  mode: HashMode = copyHashMode(),
): Promise<ReadBack> {
  const file = await Deno.open(path, { read: true });
  const hash = new HashPipe({ mode });
  try {
    const info = await file.stat();
    const dev = info.dev;
    let bytes = 0;
    for await (const chunk of chunksOf(file, signal, info.size)) {
      await hash.update(chunk);
      bytes += chunk.length;
    }
    return { id: encodeBase32(await hash.digest()), bytes, dev };
  } finally {
    hash.close();
    file.close();
  }
}

/** What reading a copy back from its medium gave, and whether the read reached the medium. */
export interface MediumReadBack extends ReadBack {
  /** `dropped: false` when the bytes may have come from memory, with the reason. */
  drop: CacheDrop;
}

/**
 * Drops the cached pages of the fsynced copy `path` and reads it back, so
 * the bytes come from the medium itself rather than from the page cache
 * (where that is impossible, `drop` says why).
 */
export async function readBackFromMedium(
  path: string,
  signal?: AbortSignal,
): Promise<MediumReadBack> {
  const drop = dropCachedPages(path);
  return { ...(await readBack(path, signal)), drop };
}

/** What comparing a copy with the file it was made from gave. */
export interface Comparison {
  /** The copy holds exactly the source's bytes. */
  same: boolean;
  /** Bytes of the copy that were read and matched before the end or the first difference. */
  bytes: number;
  /** `st_dev` of the copy that was read (the file itself, not its path now). */
  dev: number | null;
}

/**
 * Reads `copy` and `source` side by side, chunk by chunk with the next pair
 * of reads in flight, and compares them byte for byte (`memcmp`). No
 * hashing: a copy that matches its source has the source's id. Memory: four
 * chunk buffers.
 */
export async function compareWithSource(
  copy: string,
  source: string,
  signal?: AbortSignal,
): Promise<Comparison> {
  using a = await Deno.open(copy, { read: true });
  using b = await Deno.open(source, { read: true });
  const info = await a.stat();
  const dev = info.dev;
  if (info.size !== (await b.stat()).size) return { same: false, bytes: 0, dev };
  const bytes = chunkBytesFor(info.size);
  const pairs = [0, 1].map(() => [new Uint8Array(bytes), new Uint8Array(bytes)] as const);
  const start = (turn: number) => {
    const [ba, bb] = pairs[turn]!;
    const reads = Promise.all([readFull(a, ba), readFull(b, bb)]);
    reads.catch(() => {});
    return reads;
  };
  using same = openComparator();
  let turn = 0;
  let pending = start(turn);
  let matched = 0;
  try {
    for (;;) {
      const [na, nb] = await pending;
      signal?.throwIfAborted();
      if (na !== nb) return { same: false, bytes: matched, dev };
      if (na === 0) return { same: true, bytes: matched, dev };
      const [ba, bb] = pairs[turn]!;
      turn ^= 1;
      pending = start(turn);
      // Deno starts a file read only once the caller yields (see chunksOf).
      await Promise.resolve();
      if (!same.equal(ba.subarray(0, na), bb.subarray(0, nb))) {
        return { same: false, bytes: matched, dev };
      }
      matched += na;
    }
  } finally {
    // Leaving early: let the reads in flight finish before the files close.
    await pending.catch(() => {});
  }
}

/** What comparing a copy, read from its medium, with its source gave. */
export interface MediumComparison extends Comparison {
  /** `dropped: false` when the copy's bytes may have come from memory, with the reason. */
  drop: CacheDrop;
}

/**
 * Drops the cached pages of the fsynced copy `copy`, then compares it with
 * `source` ({@linkcode compareWithSource}): the copy's bytes come from the
 * medium itself (where that is impossible, `drop` says why), the source's
 * usually from memory.
 */
export async function compareFromMedium(
  copy: string,
  source: string,
  signal?: AbortSignal,
): Promise<MediumComparison> {
  const drop = dropCachedPages(copy);
  return { ...(await compareWithSource(copy, source, signal)), drop };
}

/** Reads a file and returns its MTH id. */
export async function idOfFile(path: string, signal?: AbortSignal): Promise<string> {
  return (await readBack(path, signal)).id;
}
