/**
 * A buffered reader over a `ReadableStream<Uint8Array>` with peeking and
 * exact reads, for parsers of streamed formats (bundles, job files). Its
 * buffer never holds more than what a caller asked to peek at once, so
 * memory stays bounded whatever the stream's length.
 *
 * @example
 * ```ts
 * import { ByteReader } from "./byte_reader.ts";
 * const r = new ByteReader(new Blob(["hello world"]).stream());
 * console.assert(new TextDecoder().decode(await r.readExact(5)) === "hello");
 * ```
 * @module
 */

/** Raised when the stream ends before the bytes a format requires. */
export class UnexpectedEofError extends Error {
  override name = "UnexpectedEofError";
}

/** Buffered, bounded reading from a byte stream. */
export class ByteReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #done = false;
  /** Bytes consumed so far (read or discarded). */
  position = 0;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /** Bytes currently buffered. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Pulls from the stream until `n` bytes are buffered or it ends. Returns the count buffered. */
  async fill(n: number): Promise<number> {
    while (this.#buffered < n && !this.#done) {
      const { value, done } = await this.#reader.read();
      if (done) {
        this.#done = true;
        break;
      }
      if (value.length === 0) continue;
      this.#chunks.push(value);
      this.#buffered += value.length;
    }
    return Math.min(this.#buffered, n);
  }

  /** Up to `n` bytes ahead without consuming them (fewer only at the end of the stream). */
  async peek(n: number): Promise<Uint8Array> {
    await this.fill(n);
    this.#compact(Math.min(n, this.#buffered));
    const first = this.#chunks[0];
    return first ? first.subarray(0, Math.min(n, first.length)) : new Uint8Array(0);
  }

  /** Exactly `n` bytes, or {@linkcode UnexpectedEofError}. */
  async readExact(n: number): Promise<Uint8Array> {
    const got = await this.peek(n);
    if (got.length < n) {
      throw new UnexpectedEofError(
        `stream ended after ${this.position + got.length} bytes, ${n - got.length} bytes short`,
      );
    }
    const copy = got.slice();
    this.#consume(n);
    return copy;
  }

  /** Up to `max` bytes (at least one unless the stream ended: then an empty array). */
  async readSome(max: number): Promise<Uint8Array> {
    if (this.#buffered === 0) await this.fill(1);
    const first = this.#chunks[0];
    if (!first) return new Uint8Array(0);
    const n = Math.min(max, first.length);
    const out = first.subarray(0, n);
    this.#consume(n);
    return out;
  }

  /** Skips `n` bytes (fewer at the end of the stream); returns how many were skipped. */
  async discard(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.#buffered === 0 && (await this.fill(1)) === 0) break;
      const take = Math.min(left, this.#buffered);
      this.#consume(take);
      left -= take;
    }
    return n - left;
  }

  /** True once the stream has ended and the buffer is empty. */
  async atEnd(): Promise<boolean> {
    return (await this.fill(1)) === 0;
  }

  /** Releases the underlying stream. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  #compact(n: number): void {
    const first = this.#chunks[0];
    if (!first || first.length >= n) return;
    const merged = new Uint8Array(this.#buffered);
    let off = 0;
    for (const c of this.#chunks) {
      merged.set(c, off);
      off += c.length;
    }
    this.#chunks = [merged];
  }

  #consume(n: number): void {
    this.position += n;
    this.#buffered -= n;
    while (n > 0) {
      const first = this.#chunks[0]!;
      if (first.length <= n) {
        this.#chunks.shift();
        n -= first.length;
      } else {
        this.#chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }
}
