/**
 * Gathers the small pieces a sealer emits into large buffers, then writes
 * each buffer once and feeds it to the packet hasher. `emit` is synchronous
 * (sealers call it); `drain` does the asynchronous writing, and must be
 * awaited after each burst of emits so at most a few buffers wait. One write
 * runs while the caller goes on; a failed write surfaces at the next drain.
 *
 * @example
 * ```ts
 * import { BatchOutput } from "./batch_output.ts";
 * const written: number[] = [];
 * const out = new BatchOutput({ write: async (b) => void written.push(b.length) }, null);
 * out.emit(new Uint8Array(10));
 * await out.drain(true);
 * console.assert(written[0] === 10 && out.bytes === 10);
 * ```
 * @module
 */

import type { HashPipe } from "./hash_pipe.ts";
import type { WholeWriter } from "./io.ts";
import { WRITE_BATCH_BYTES } from "./limits.ts";

/** Batched writing of emitted output, with hashing of everything written. */
export class BatchOutput {
  #writer: WholeWriter;
  #hash: HashPipe | null;
  #current: Uint8Array = new Uint8Array(WRITE_BATCH_BYTES);
  #fill = 0;
  #full: Uint8Array[] = [];
  #spare: Uint8Array[] = [];
  #bytes = 0;
  #inFlight: Promise<void> = Promise.resolve();

  /** Output to `writer`, hashed by `hash` when given. */
  constructor(writer: WholeWriter, hash: HashPipe | null) {
    this.#writer = writer;
    this.#hash = hash;
  }

  /** Bytes emitted so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Takes a copy of `chunk` into the current buffer. */
  emit = (chunk: Uint8Array): void => {
    this.#bytes += chunk.length;
    let pos = 0;
    while (pos < chunk.length) {
      const take = Math.min(this.#current.length - this.#fill, chunk.length - pos);
      this.#current.set(chunk.subarray(pos, pos + take), this.#fill);
      this.#fill += take;
      pos += take;
      if (this.#fill === this.#current.length) {
        this.#full.push(this.#current);
        this.#current = this.#spare.pop() ?? new Uint8Array(WRITE_BATCH_BYTES);
        this.#fill = 0;
      }
    }
  };

  /**
   * Starts writing (and hashing) every full buffer, one write in flight
   * while the caller goes on encrypting; with `final`, also the partial
   * buffer, and waits for everything.
   */
  async drain(final = false): Promise<void> {
    for (const buffer of this.#full.splice(0)) {
      await this.#inFlight;
      this.#inFlight = this.#send(buffer).then(() => void this.#spare.push(buffer));
      this.#inFlight.catch(() => {}); // handled at the next drain; never an unhandled rejection
    }
    if (final) {
      await this.#inFlight;
      if (this.#fill > 0) await this.#send(this.#current.subarray(0, this.#fill));
      this.#fill = 0;
    }
  }

  async #send(data: Uint8Array): Promise<void> {
    await this.#writer.write(data);
    await this.#hash?.update(data);
  }
}
