/**
 * Byte rates and the time left for a session's status, measured over
 * windows of at least `rateWindowMs` so one burst does not swing them.
 *
 * @example
 * ```ts
 * import { RateMeter } from "./rate.ts";
 * let now = 0;
 * const meter = new RateMeter(() => now);
 * now = 2_000;
 * const r = meter.sample(4_000, 2_000);
 * console.assert(r.rxRate === 2_000 && r.txRate === 1_000);
 * console.assert(RateMeter.etaSec(3_000, r) === 1);
 * ```
 * @module
 */

/** Shortest window a rate is measured over. */
export const rateWindowMs = 1_000;

/** Rates in bytes per second. */
export interface Rates {
  rxRate: number;
  txRate: number;
}

/** Turns running byte counts into rates. */
export class RateMeter {
  readonly #now: () => number;
  #at: number;
  #rx = 0;
  #tx = 0;
  #rates: Rates = { rxRate: 0, txRate: 0 };

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#at = now();
  }

  /** The rates given the byte counts now; unchanged until a window has passed. */
  sample(rxBytes: number, txBytes: number): Rates {
    const now = this.#now();
    const dt = now - this.#at;
    if (dt >= rateWindowMs) {
      this.#rates = {
        rxRate: Math.round(((rxBytes - this.#rx) * 1000) / dt),
        txRate: Math.round(((txBytes - this.#tx) * 1000) / dt),
      };
      this.#at = now;
      this.#rx = rxBytes;
      this.#tx = txBytes;
    }
    return this.#rates;
  }

  /** Seconds to move `bytesLeft` at the combined rate; undefined when unknown or nothing is left. */
  static etaSec(bytesLeft: number, r: Rates): number | undefined {
    const rate = r.rxRate + r.txRate;
    return rate > 0 && bytesLeft > 0 ? Math.ceil(bytesLeft / rate) : undefined;
  }
}
