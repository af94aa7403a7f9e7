/**
 * Keeps a transfer's memory flat. MQTT.js and the socket layer allocate a
 * fresh buffer for every message written or read; a QoS 1 message is held
 * until its PUBACK, so these buffers outlive young-generation collections
 * and V8 frees them only when its external-memory heuristic fires (after
 * about 64 MiB of garbage). When the process runs with
 * `--v8-flags=--expose-gc` (ferry's installed wrapper passes it), an
 * asynchronous (incremental, concurrent) full collection is started every
 * {@linkcode mqttLimits.gcEveryBytes}; without the flag this does nothing.
 * Only the sender paces: a received message's buffer is dropped as soon as
 * it is handled and dies young, and collections at the receiver cost it a
 * third of its processor time for no lower peak.
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

/** Starts a full collection after every `intervalBytes` moved. */
export class TransferGcPacer {
  #interval: number;
  #since = 0;

  constructor(intervalBytes: number) {
    this.#interval = intervalBytes;
  }

  /** Records `bytes` moved. */
  add(bytes: number): void {
    if (exposed === undefined) return;
    this.#since += bytes;
    if (this.#since >= this.#interval) {
      this.#since = 0;
      exposed({ type: "major", execution: "async" });
    }
  }
}
