/**
 * Keeps a transfer's memory flat. MQTT.js and the socket layer allocate a
 * fresh buffer for every message written or read; a QoS 1 message is held
 * until its PUBACK, so these buffers outlive young-generation collections
 * and V8 frees them only when its external-memory heuristic fires (after
 * about 64 MiB of garbage). When the process runs with
 * `--v8-flags=--expose-gc` (ferry's installed wrapper passes it), the
 * sender asks for a full collection every {@linkcode mqttLimits.gcEveryBytes}
 * (V8 runs it at once: about 15 ms each for ferry's 21 MB heap); without the
 * flag this does nothing.
 * The receiver's buffers are different: a received message is dropped as
 * soon as it is handled, so a young-generation collection every
 * {@linkcode mqttLimits.gcMinorEveryBytes} frees them (full collections
 * there cost a third of its processor time for no lower peak).
 *
 * ```ts
 * import { TransferGcPacer } from "./gc_pacer.ts";
 * const pacer = new TransferGcPacer(16 * 1024 * 1024);
 * pacer.add(256 * 1024);
 * ```
 * @module
 */

type GcFunction = (options?: { type: "minor" | "major"; execution?: "sync" | "async" }) => void;

const exposed = (globalThis as { gc?: GcFunction }).gc;

/** Starts a collection after every `intervalBytes` moved. */
export class TransferGcPacer {
  #interval: number;
  #type: "minor" | "major";
  #since = 0;

  /**
   * `major`: a full collection (started asynchronously); `minor`: a
   * young-generation collection, which frees buffers that die young.
   */
  constructor(intervalBytes: number, type: "minor" | "major" = "major") {
    this.#interval = intervalBytes;
    this.#type = type;
  }

  /** Records `bytes` moved. */
  add(bytes: number): void {
    if (exposed === undefined) return;
    this.#since += bytes;
    if (this.#since >= this.#interval) {
      this.#since = 0;
      if (this.#type === "major") exposed({ type: "major", execution: "async" });
      else exposed({ type: "minor" });
    }
  }
}
