/**
 * Byte utilities for the packet tests.
 * @module
 */

/** Joins byte arrays. */
export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let pos = 0;
  for (const chunk of chunks) {
    out.set(chunk, pos);
    pos += chunk.length;
  }
  return out;
}

/** A writable stream that keeps copies of what it is given; `bytes()` joins them. */
export function collector(): { stream: WritableStream<Uint8Array>; bytes(): Uint8Array } {
  const chunks: Uint8Array[] = [];
  return {
    stream: new WritableStream({ write: (chunk) => void chunks.push(chunk.slice()) }),
    bytes: () => concat(chunks),
  };
}
