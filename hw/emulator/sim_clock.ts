/**
 * A discrete-event simulated {@linkcode Clock}: `sleep` registers a timer
 * in a queue and simulated time jumps straight to the next timer once
 * everything else has settled, so an hour of radio traffic runs in a
 * fraction of a second and every run with the same seeds is the same.
 *
 * No real timers are involved. Between events the clock yields to the
 * event loop with `setImmediate` (no delay, no clock) so that every
 * promise continuation finishes before time moves on. Real asynchronous
 * work that the simulation must wait for (file I/O of a store) is wrapped
 * in {@linkcode SimClock.track}: time does not advance while it is pending.
 *
 * @example
 * ```ts
 * import { SimClock } from "./sim_clock.ts";
 * const clock = new SimClock(0);
 * const done = clock.run((async () => {
 *   await clock.sleep(3_600_000);
 *   return clock.now();
 * })());
 * console.assert((await done) === 3_600_000);
 * ```
 * @module
 */

import { setImmediate } from "node:timers";
import type { Clock } from "../clock/clock.ts";

/** Raised by {@linkcode SimClock.run} when nothing is scheduled but the work is unfinished. */
export class SimulationStalledError extends Error {
  override name = "SimulationStalledError";
}

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
  cancelled: boolean;
}

/** Options for {@linkcode SimClock.run}. */
export interface SimRunOptions {
  /** Stop with an error if simulated time would pass this instant (ms). */
  untilMs?: number;
  /** Stop with an error after this many timer events (guards endless loops). */
  eventsMax?: number;
}

/** Default bound on timer events in one {@linkcode SimClock.run}. */
export const simEventsMax = 50_000_000;

/** A simulated clock driven by {@linkcode SimClock.run}. */
export class SimClock implements Clock {
  #now: number;
  #seq = 0;
  #heap: Timer[] = [];
  #inflight = 0;
  #idleWaiters: (() => void)[] = [];
  #events = 0;

  /** Creates a clock whose time starts at `startMs`. */
  constructor(startMs = 0) {
    this.#now = startMs;
  }

  /** Current simulated time in ms. */
  now(): number {
    return this.#now;
  }

  /** Timer events fired so far. */
  get events(): number {
    return this.#events;
  }

  /** Resolves after `ms` of simulated time; rejects with the signal's reason on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        cancelled: false,
        fire: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        timer.cancelled = true;
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#push(timer);
    });
  }

  /** Calls `fn` at simulated time `atMs` (or now, if that has passed). */
  schedule(atMs: number, fn: () => void): void {
    this.#push({ at: Math.max(atMs, this.#now), seq: this.#seq++, cancelled: false, fire: fn });
  }

  /**
   * Marks real asynchronous work: simulated time stands still until it
   * settles. Returns the same outcome as `work`.
   */
  track<T>(work: Promise<T>): Promise<T> {
    this.#inflight++;
    const done = () => {
      this.#inflight--;
      if (this.#inflight === 0) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const w of waiters) w();
      }
    };
    return work.then((v) => {
      done();
      return v;
    }, (e) => {
      done();
      throw e;
    });
  }

  /**
   * Drives simulated time until `work` settles, and returns its outcome.
   * Throws {@linkcode SimulationStalledError} when nothing is left to do
   * before `work` finished (a deadlock in the simulated system).
   */
  async run<T>(work: Promise<T>, options: SimRunOptions = {}): Promise<T> {
    let settled = false;
    work.then(() => settled = true, () => settled = true);
    const eventsMax = options.eventsMax ?? simEventsMax;
    const yielder = macrotaskYielder();
    try {
      for (;;) {
        await this.#settle(yielder.yield);
        if (settled) break;
        const timer = this.#pop();
        if (!timer) {
          throw new SimulationStalledError(
            `Simulation stalled at ${this.#now} ms: nothing is scheduled and the work is unfinished`,
          );
        }
        if (options.untilMs !== undefined && timer.at > options.untilMs) {
          throw new SimulationStalledError(
            `Simulation passed its limit of ${options.untilMs} ms with the work unfinished`,
          );
        }
        if (++this.#events > eventsMax) {
          throw new SimulationStalledError(`Simulation passed ${eventsMax} events`);
        }
        this.#now = Math.max(this.#now, timer.at);
        timer.fire();
      }
    } finally {
      yielder.close();
    }
    return await work;
  }

  async #settle(yieldOnce: () => Promise<void>): Promise<void> {
    for (;;) {
      await yieldOnce();
      if (this.#inflight === 0) return;
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): Timer | undefined {
    const heap = this.#heap;
    while (heap.length > 0) {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1, r = l + 1;
          let m = i;
          if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      }
      if (!top.cancelled) return top;
    }
    return undefined;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * Yields until every pending promise job has run: `setImmediate` runs its
 * callback in the event loop's check phase, after the microtask queue is
 * empty. It has no delay and reads no clock. (A `MessageChannel` message
 * is not enough in Deno: its delivery can interleave with promise jobs.)
 */
function macrotaskYielder(): { yield: () => Promise<void>; close: () => void } {
  return {
    yield: () => new Promise<void>((resolve) => setImmediate(resolve)),
    close: () => {},
  };
}
