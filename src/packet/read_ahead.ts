/**
 * Reading a source one chunk ahead: while the caller works on one chunk,
 * the next read is already running (Deno performs file reads on another
 * thread), so reading and crypto overlap. Two buffers, reused: memory is
 * fixed.
 *
 * @example
 * ```ts
 * import { ReadAhead } from "./read_ahead.ts";
 * import { bytesSource } from "./io.ts";
 * const reader = new ReadAhead(bytesSource(new Uint8Array(10)), () => 4);
 * let total = 0;
 * for (let chunk; (chunk = await reader.next()) !== null;) total += chunk.length;
 * console.assert(total === 10);
 * ```
 * @module
 */

import type { ByteSource } from "./io.ts";

/** Chunks of a source, read one ahead. */
export class ReadAhead {
  #source: ByteSource;
  #sizer: (bytesRead: number) => number;
  #buffers: Uint8Array[];
  #turn = 0;
  #bytesRead = 0;
  #pending: Promise<Uint8Array | null> | null = null;
  #ended = false;

  /**
   * Reads `source` in chunks of `sizer(bytesReadSoFar)` bytes (at most
   * `bufferBytes`, default the largest size the sizer returns for 0).
   */
  constructor(source: ByteSource, sizer: (bytesRead: number) => number, bufferBytes?: number) {
    this.#source = source;
    this.#sizer = sizer;
    const size = bufferBytes ?? sizer(0);
    this.#buffers = [new Uint8Array(size), new Uint8Array(size)];
  }

  /** Bytes read from the source so far (including the chunk being prefetched). */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /**
   * The next chunk, or null at the end. The chunk is valid until the next
   * call, which starts reading into its buffer.
   */
  async next(): Promise<Uint8Array | null> {
    const current = this.#pending ?? this.#read();
    const chunk = await current;
    this.#pending = chunk === null ? null : this.#read();
    this.#pending?.catch(() => {}); // surfaces at the next call
    // Deno starts a file read only once the caller yields: one microtask
    // turn here sets it going before the caller works on `chunk`.
    await Promise.resolve();
    return chunk;
  }

  async #read(): Promise<Uint8Array | null> {
    if (this.#ended) return null;
    const buffer = this.#buffers[this.#turn]!;
    this.#turn ^= 1;
    const want = Math.min(buffer.length, this.#sizer(this.#bytesRead));
    const n = await this.#source.read(buffer.subarray(0, want));
    if (n === null) {
      this.#ended = true;
      return null;
    }
    this.#bytesRead += n;
    return buffer.subarray(0, n);
  }
}
