/**
 * Splits decrypted plaintext into the 276-byte plain header and the
 * payload: once the header is complete it asks `open` for a sink, then
 * passes every following byte to it.
 *
 * @example
 * ```ts
 * import { PayloadRouter } from "./payload_router.ts";
 * import { encodePlainHeader, PlainType } from "./plain_header.ts";
 * import { memorySink } from "./sink.ts";
 * const sink = memorySink(10);
 * const router = new PayloadRouter(() => sink);
 * await router.feed(encodePlainHeader({ type: PlainType.file, nice: 1, path: new Uint8Array([97]) }));
 * await router.feed(new Uint8Array([7]));
 * await router.commit();
 * console.assert(sink.bytes()?.[0] === 7);
 * ```
 * @module
 */

import { PacketFormatError } from "./errors.ts";
import { PLAIN_HEADER_BYTES } from "./limits.ts";
import { decodePlainHeader, type PlainHeader } from "./plain_header.ts";
import type { PayloadSink } from "./sink.ts";

/** Routes plaintext: header to `open`, payload to the sink `open` returns. */
export class PayloadRouter {
  #open: (plain: PlainHeader) => PayloadSink | Promise<PayloadSink>;
  #head = new Uint8Array(PLAIN_HEADER_BYTES);
  #headFill = 0;
  #plain: PlainHeader | null = null;
  #sink: PayloadSink | null = null;
  #payloadBytes = 0;

  /** A router that calls `open` once the plain header is known. */
  constructor(open: (plain: PlainHeader) => PayloadSink | Promise<PayloadSink>) {
    this.#open = open;
  }

  /** The plain header, once complete. */
  get plain(): PlainHeader | null {
    return this.#plain;
  }

  /** Payload bytes passed to the sink. */
  get payloadBytes(): number {
    return this.#payloadBytes;
  }

  /** Takes the next plaintext. */
  async feed(chunk: Uint8Array): Promise<void> {
    if (this.#sink === null) {
      const take = Math.min(PLAIN_HEADER_BYTES - this.#headFill, chunk.length);
      this.#head.set(chunk.subarray(0, take), this.#headFill);
      this.#headFill += take;
      chunk = chunk.subarray(take);
      if (this.#headFill < PLAIN_HEADER_BYTES) return;
      this.#plain = decodePlainHeader(this.#head);
      this.#sink = await this.#open(this.#plain);
    }
    if (chunk.length === 0) return;
    this.#payloadBytes += chunk.length;
    await this.#sink.write(chunk);
  }

  /** The packet verified: commits the sink. */
  async commit(): Promise<void> {
    if (this.#sink === null) {
      throw new PacketFormatError(
        "bad-plain",
        `Cannot accept packet: its plaintext has ${this.#headFill} bytes, less than a plain header`,
      );
    }
    await this.#sink.commit();
  }

  /** The packet failed: aborts the sink, if one was opened. */
  async abort(reason: unknown): Promise<void> {
    await this.#sink?.abort(reason);
  }
}
