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
import { WRITE_BATCH_BYTES, WRITES_IN_FLIGHT_MAX } from "./limits.ts";

/** Batched writing of emitted output, with hashing of everything written. */
export class BatchOutput {
  #writer: WholeWriter;
  #hash: HashPipe | null;
  #current: Uint8Array = new Uint8Array(WRITE_BATCH_BYTES);
  #fill = 0;
  #full: Uint8Array[] = [];
  #spare: Uint8Array[] = [];
  #bytes = 0;
  /** Writes started and not yet awaited, oldest first (each waits for the one before). */
  #inFlight: Promise<void>[] = [];
  #tail: Promise<void> = Promise.resolve();

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
   * Hashes every full buffer and queues its write: writes run one after
   * another (in order) while the caller goes on encrypting, at most
   * `WRITES_IN_FLIGHT_MAX` of them waiting; with `final`, also the partial
   * buffer, and waits for everything. A failed write surfaces here.
   */
  async drain(final = false): Promise<void> {
    for (const buffer of this.#full.splice(0)) {
      while (this.#inFlight.length >= WRITES_IN_FLIGHT_MAX) await this.#inFlight.shift();
      await this.#send(buffer, () => this.#spare.push(buffer));
    }
    if (final) {
      if (this.#fill > 0) await this.#send(this.#current.subarray(0, this.#fill), () => {});
      this.#fill = 0;
      while (this.#inFlight.length > 0) await this.#inFlight.shift();
    }
  }

  /**
   * Hands `data` to the hasher now (it copies what it needs before
   * returning) and queues its write after the ones before it.
   */
  async #send(data: Uint8Array, done: () => void): Promise<void> {
    const hashed = this.#hash?.update(data);
    const write = this.#tail.then(() => this.#writer.write(data)).then(done);
    write.catch(() => {}); // awaited in drain; never an unhandled rejection
    this.#tail = write;
    this.#inFlight.push(write);
    await hashed;
  }
}
