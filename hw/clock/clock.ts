/**
 * The clock contract. Everything in ferry that waits or measures time takes
 * a {@linkcode Clock}, so the same code runs on the real clock and on a
 * simulated one (an hour of radio time in a second of test time).
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * const start = systemClock.now();
 * await systemClock.sleep(1);
 * console.assert(systemClock.now() >= start);
 * ```
 * @module
 */

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch (simulated clocks may start anywhere). Never goes backwards. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds of this clock's time. Rejects with the
   * signal's reason when `signal` aborts first; the timer is then released.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` kept monotonic, and `setTimeout`. */
export const systemClock: Clock = (() => {
  let last = 0;
  return {
    now(): number {
      const t = Date.now();
      last = t > last ? t : last;
      return last;
    },
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, Math.max(0, ms));
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
})();
