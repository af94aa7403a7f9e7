/**
 * A wake-up signal between the agent's loops: the media and link loops kick
 * the toss loop when packets arrived, so they are tossed now rather than at
 * the next cycle. Kicks coalesce; waiting is bounded by a timeout.
 * @module
 */

/** A coalescing wake-up. */
export class Kick {
  #pending = false;
  #wake: (() => void) | null = null;

  /** Asks the waiter to run soon (a no-op if it is already asked). */
  kick(): void {
    this.#pending = true;
    this.#wake?.();
  }

  /** Resolves at the next kick, after `timeoutMs`, or when `signal` aborts. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.#pending || signal.aborted) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#wake = null;
        this.#pending = false;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener("abort", done, { once: true });
      this.#wake = done;
    });
  }
}

/** Sleeps `ms` or until `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    signal.addEventListener("abort", done, { once: true });
  });
}
