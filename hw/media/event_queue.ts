/**
 * The bounded queue between the media watcher and its consumer.
 *
 * It never drops a `removed` event whose `added` was delivered, and never
 * delivers a `removed` without its `added`. What it may drop, when the
 * consumer falls behind, is a whole insertion that came and went unseen (an
 * `added` and its `removed`, both still queued): nothing could have been
 * done with that medium anyway. So the queue holds at most one `added` per
 * present medium, one `removed` per delivered medium still pending, and
 * {@linkcode pendingPairsMax} finished pairs.
 *
 * @example
 * ```ts
 * import { MediaEventQueue } from "./event_queue.ts";
 * const q = new MediaEventQueue({ pairsMax: 1 });
 * const medium = (id: number) => ({ insertionId: id, mountId: id, mountPoint: "/m", device: "none",
 *   majorMinor: "0:1", root: "/", fsType: "tmpfs", readOnly: false, options: [], superOptions: [] });
 * for (const id of [1, 2]) {
 *   q.push({ kind: "added", medium: medium(id) });
 *   q.push({ kind: "removed", medium: medium(id) });
 * }
 * console.assert(q.size === 2 && q.shift()?.medium.insertionId === 2);
 * ```
 * @module
 */

import type { MediaEvent } from "./tracker.ts";
import { type Logger, silentLogger } from "../log.ts";

/** Most insertions that came and went unseen kept in the queue; older ones are dropped whole. */
export const pendingPairsMax = 256;

/** Options for {@linkcode MediaEventQueue}. */
export interface MediaEventQueueOptions {
  /** Default {@linkcode pendingPairsMax}. */
  pairsMax?: number;
  /** Hard cap on queued events; exceeding it is a bug in the caller. Default unlimited. */
  eventsMax?: number;
  log?: Logger;
}

/** A FIFO of media events that coalesces unseen insertions instead of growing. */
export class MediaEventQueue {
  #events: MediaEvent[] = [];
  /** Insertion ids whose `added` is queued and not yet delivered. */
  #undelivered = new Set<number>();
  /** Insertion ids with both events queued, oldest first. */
  #pairs: number[] = [];
  #waiters: (() => void)[] = [];
  readonly #pairsMax: number;
  readonly #eventsMax: number;
  readonly #log: Logger;

  constructor(options: MediaEventQueueOptions = {}) {
    this.#pairsMax = options.pairsMax ?? pendingPairsMax;
    this.#eventsMax = options.eventsMax ?? Infinity;
    this.#log = options.log ?? silentLogger;
    if (!(this.#pairsMax >= 0)) throw new RangeError(`pairsMax ${this.#pairsMax} is negative`);
  }

  /** Number of queued events. */
  get size(): number {
    return this.#events.length;
  }

  /** Queues one event, coalescing the oldest unseen insertion if there are too many. */
  push(event: MediaEvent): void {
    const id = event.medium.insertionId;
    if (event.kind === "added") this.#undelivered.add(id);
    else if (this.#undelivered.has(id)) this.#pairs.push(id);
    this.#events.push(event);
    while (this.#pairs.length > this.#pairsMax) this.#dropPair(this.#pairs.shift()!);
    if (this.#events.length > this.#eventsMax) {
      throw new Error(
        `media event queue holds ${this.#events.length} events, over its bound of ` +
          `${this.#eventsMax}: the watcher pushed more than one event per medium`,
      );
    }
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Takes the oldest event, or `undefined` when empty. */
  shift(): MediaEvent | undefined {
    const event = this.#events.shift();
    if (event?.kind === "added") {
      const id = event.medium.insertionId;
      this.#undelivered.delete(id);
      const pair = this.#pairs.indexOf(id);
      if (pair >= 0) this.#pairs.splice(pair, 1); // its removal must now be delivered
    }
    return event;
  }

  /** Resolves when an event is queued (at once if one is), or when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void> {
    if (this.#events.length > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve();
      };
      this.#waiters.push(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  #dropPair(id: number): void {
    this.#undelivered.delete(id);
    const dropped = this.#events.filter((e) => e.medium.insertionId === id);
    this.#events = this.#events.filter((e) => e.medium.insertionId !== id);
    this.#log.warn("media-events-coalesced", {
      insertion: id,
      mountPoint: dropped[0]?.medium.mountPoint,
      hint: "the medium came and went before it was handled",
    });
  }
}
