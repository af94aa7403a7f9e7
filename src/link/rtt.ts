/**
 * Smoothed delay estimates, after TCP's retransmission timer (RFC 6298):
 * SRTT and RTTVAR follow the measured samples (gains 1/8 and 1/4), the
 * timeout is SRTT + 4·RTTVAR clamped to `[minMs, maxMs]`, and every expiry
 * doubles it (back-off) until a fresh sample replaces it. Samples from
 * repeated turns are not taken (Karn's rule: the reply could belong to
 * either copy).
 *
 * The link measures two things with it: the latency of a reply beyond the
 * modelled airtime (the peer's turnaround and work, and a TNC's TXDELAY,
 * channel-access waits and queueing on both sides), and the extra time
 * between frames of one turn beyond their modelled airtime.
 *
 * @example
 * ```ts
 * import { DelayEstimator } from "./rtt.ts";
 * const rtt = new DelayEstimator({ initialMs: 1000, minMs: 200, maxMs: 60_000 });
 * rtt.sample(400);
 * console.assert(rtt.srttMs === 400 && rtt.timeoutMs === 1200);
 * rtt.backoff();
 * console.assert(rtt.timeoutMs === 2400);
 * ```
 * @module
 */

/** Gain of SRTT (RFC 6298's alpha). */
export const srttGain = 1 / 8;
/** Gain of RTTVAR (RFC 6298's beta). */
export const rttvarGain = 1 / 4;
/** Weight of RTTVAR in the timeout (RFC 6298's K). */
export const rttvarWeight = 4;

/** Bounds of one estimator, ms. */
export interface DelayBounds {
  /** Timeout before the first sample. */
  initialMs: number;
  /** The timeout never goes below this (a model's own lower bound). */
  minMs: number;
  /** Nor above this, back-off included. */
  maxMs: number;
  /** Doublings at most in a row (so a silent peer is still noticed in bounded time). Default 2. */
  backoffsMax?: number;
}

/** One smoothed delay with its variation and the timeout derived from them. */
export class DelayEstimator {
  /** Smoothed delay, or null before the first sample. */
  srttMs: number | null = null;
  /** Smoothed mean deviation. */
  rttvarMs = 0;
  /** Current timeout (back-off included). */
  timeoutMs: number;
  /** Samples taken. */
  samples = 0;
  /** Back-offs since the last sample. */
  backoffs = 0;

  constructor(readonly bounds: DelayBounds) {
    if (!(bounds.minMs >= 0 && bounds.minMs <= bounds.maxMs)) {
      throw new RangeError(
        `delay bounds must satisfy 0 <= min <= max, got ${JSON.stringify(bounds)}`,
      );
    }
    this.timeoutMs = this.#clamp(bounds.initialMs);
  }

  /** Takes one measured delay (negative values count as 0). */
  sample(ms: number): void {
    const r = Math.max(0, ms);
    if (this.srttMs === null) {
      this.srttMs = r;
      this.rttvarMs = r / 2;
    } else {
      this.rttvarMs = (1 - rttvarGain) * this.rttvarMs + rttvarGain * Math.abs(this.srttMs - r);
      this.srttMs = (1 - srttGain) * this.srttMs + srttGain * r;
    }
    this.samples++;
    this.backoffs = 0;
    this.timeoutMs = this.#clamp(this.srttMs + rttvarWeight * this.rttvarMs);
  }

  /** A timeout expired: double the timeout (up to the maximum and `backoffsMax` doublings). */
  backoff(): void {
    if (this.backoffs >= (this.bounds.backoffsMax ?? 2)) return;
    this.backoffs++;
    this.timeoutMs = this.#clamp(this.timeoutMs * 2);
  }

  #clamp(ms: number): number {
    return Math.min(this.bounds.maxMs, Math.max(this.bounds.minMs, ms));
  }
}
