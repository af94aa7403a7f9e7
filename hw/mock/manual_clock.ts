/**
 * A {@linkcode Clock} that only moves when a test says so, so delays of
 * minutes run in microseconds and in a fixed order.
 *
 * @example
 * ```ts
 * import { ManualClock } from "./manual_clock.ts";
 * const clock = new ManualClock();
 * let fired = false;
 * clock.sleep(1000).then(() => fired = true);
 * await clock.advance(999);
 * console.assert(!fired);
 * await clock.advance(1);
 * console.assert(fired);
 * ```
 * @module
 */

import type { Clock } from "../clock/clock.ts";

/** Timers one `advance` call may fire before it assumes a runaway loop. */
export const advanceTimersMax = 1_000_000;

interface Timer {
  due: number;
  seq: number;
  resolve: () => void;
  cleanup: () => void;
}

/** Lets pending promise callbacks run (one macrotask turn). */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A simulated clock: `now()` and `sleep()` follow {@linkcode advance}. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  /** Starts at `startMs` (default 0). */
  constructor(startMs = 0) {
    this.#now = startMs;
  }

  /** The simulated time in ms. */
  now(): number {
    return this.#now;
  }

  /** Resolves when the clock has been advanced by `ms`. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      const timer: Timer = {
        due: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing due timers in order of due time (then
   * creation) and letting the code they wake run before the next one fires,
   * so a chain of sleeps inside the window completes.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`Cannot advance a clock by ${ms} ms`);
    const target = this.#now + ms;
    await settle();
    for (let fired = 0;; fired++) {
      if (fired > advanceTimersMax) {
        throw new Error(`ManualClock.advance fired over ${advanceTimersMax} timers: a busy loop?`);
      }
      const next = this.#earliest();
      if (!next || next.due > target) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.due);
      next.cleanup();
      next.resolve();
      await settle();
    }
    this.#now = target;
  }

  /** Advances to each next timer until none is left or `limitMs` has passed. */
  async runUntilIdle(limitMs = 86_400_000): Promise<void> {
    const end = this.#now + limitMs;
    while (this.#timers.length > 0) {
      const next = this.#earliest();
      if (!next || next.due > end) break;
      await this.advance(next.due - this.#now);
    }
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
