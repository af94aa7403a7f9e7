/**
 * The byte plumbing packet code reads from and writes to. A {@linkcode
 * ByteSource} is anything with `read(into)` like `Deno.FsFile` or
 * `Deno.stdin`; a {@linkcode ByteWriter} is anything with `write(data)` like
 * `Deno.FsFile`. Web streams and byte arrays are adapted to them.
 *
 * @example
 * ```ts
 * import { bytesSource, readFull } from "./io.ts";
 * const src = bytesSource(new Uint8Array([1, 2, 3]));
 * const buf = new Uint8Array(8);
 * console.assert(await readFull(src, buf) === 3);
 * ```
 * @module
 */

/** Something bytes can be read from (same contract as `Deno.FsFile.read`). */
export interface ByteSource {
  /** Reads up to `into.length` bytes; resolves to the count, or null at the end. */
  read(into: Uint8Array): Promise<number | null>;
}

/** Something bytes can be written to (same contract as `Deno.FsFile.write`: may write less). */
export interface ByteWriter {
  /** Writes some of `data`; resolves to how many bytes were written. */
  write(data: Uint8Array): Promise<number>;
}

/** What packet functions accept as input. */
export type ByteInput = Uint8Array | ByteSource | ReadableStream<Uint8Array>;
/** What packet functions accept as output. */
export type ByteOutput = ByteWriter | WritableStream<Uint8Array>;

/** A source over bytes already in memory. */
export function bytesSource(data: Uint8Array): ByteSource {
  let pos = 0;
  return {
    read(into: Uint8Array): Promise<number | null> {
      if (pos >= data.length) return Promise.resolve(into.length === 0 ? 0 : null);
      const n = Math.min(into.length, data.length - pos);
      into.set(data.subarray(pos, pos + n));
      pos += n;
      return Promise.resolve(n);
    },
  };
}

/** A source over a web stream; the stream's chunks may be any size. */
export function streamSource(stream: ReadableStream<Uint8Array>): ByteSource {
  const reader = stream.getReader();
  let rest: Uint8Array = new Uint8Array(0);
  return {
    async read(into: Uint8Array): Promise<number | null> {
      while (rest.length === 0) {
        const { value, done } = await reader.read();
        if (done) return null;
        rest = value;
      }
      const n = Math.min(into.length, rest.length);
      into.set(rest.subarray(0, n));
      rest = rest.subarray(n);
      return n;
    },
  };
}

/** Normalises any accepted input to a {@linkcode ByteSource}. */
export function toByteSource(input: ByteInput): ByteSource {
  if (input instanceof Uint8Array) return bytesSource(input);
  if (input instanceof ReadableStream) return streamSource(input);
  return input;
}

/** A writer of whole buffers: each `write` resolves once every byte is written. */
export interface WholeWriter {
  write(data: Uint8Array): Promise<void>;
}

/** Normalises any accepted output to a writer that always writes whole buffers. */
export function toWholeWriter(output: ByteOutput): WholeWriter {
  if (output instanceof WritableStream) {
    const writer = output.getWriter();
    return { write: (data) => writer.write(data.slice()) };
  }
  return { write: (data) => writeAll(output, data) };
}

/** Reads until `into` is full or the source ends; resolves to the bytes read. */
export async function readFull(source: ByteSource, into: Uint8Array): Promise<number> {
  let filled = 0;
  while (filled < into.length) {
    const n = await source.read(into.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return filled;
}

/** Writes every byte of `data`, looping over short writes. */
export async function writeAll(writer: ByteWriter, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.length) done += await writer.write(data.subarray(done));
}
