/**
 * Keeps peak memory flat during bulk packet work. `node:crypto` returns a
 * fresh buffer for every 128 KiB block; V8 frees them only when its
 * external-memory heuristic fires (after about 64 MiB of garbage). When the
 * process runs with `--v8-flags=--expose-gc`, a young-generation collection
 * every few MiB (well under a millisecond each) returns them early; without
 * the flag this does nothing and memory stays bounded by V8's own limit.
 *
 * @example
 * ```ts
 * import { GcPacer } from "./young_gc.ts";
 * const pacer = new GcPacer(4 * 1024 * 1024);
 * pacer.add(128 * 1024); // collects after every 4 MiB processed
 * ```
 * @module
 */

type GcFunction = (options?: { type: "minor" | "major" }) => void;

const exposed = (globalThis as { gc?: GcFunction }).gc;

/** True when the runtime lets ferry trigger collections (`--v8-flags=--expose-gc`). */
export const canCollectGarbage: boolean = typeof exposed === "function";

/** Counts processed bytes and runs a young-generation collection every `intervalBytes`. */
export class GcPacer {
  #interval: number;
  #since = 0;

  /** A pacer that collects after every `intervalBytes` processed. */
  constructor(intervalBytes: number) {
    this.#interval = intervalBytes;
  }

  /** Records `bytes` processed; collects when the interval is reached. */
  add(bytes: number): void {
    if (exposed === undefined) return;
    this.#since += bytes;
    if (this.#since >= this.#interval) {
      this.#since = 0;
      exposed({ type: "minor" });
    }
  }
}
