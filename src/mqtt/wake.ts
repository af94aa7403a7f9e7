/**
 * A wake-up that any number of waiters share: {@linkcode Wake.notify}
 * resolves every current waiter; each wait is bounded by a timeout and an
 * abort signal.
 *
 * ```ts
 * import { Wake } from "./wake.ts";
 * const w = new Wake();
 * const p = w.wait(1000, new AbortController().signal);
 * w.notify();
 * console.assert((await p) === true);
 * ```
 * @module
 */

/** A shared, bounded wake-up. */
export class Wake {
  #waiters = new Set<(woken: boolean) => void>();

  /** Wakes every waiter. */
  notify(): void {
    for (const w of [...this.#waiters]) w(true);
  }

  /** Resolves true when notified, false after `timeoutMs` or when `signal` aborts. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#waiters.delete(done);
        resolve(woken);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), Math.max(0, Math.min(timeoutMs, 2 ** 31 - 1)));
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(done);
    });
  }
}
