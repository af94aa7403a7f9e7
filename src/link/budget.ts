/**
 * A per-link airtime budget: a duty cycle over a sliding window (an hour
 * by default). Each side counts its own transmissions, ACKs included.
 * A transmission of `d` ms may start at `s` only if the airtime already
 * used in `[s + d − window, s]` plus `d` stays within `dutyCycle · window`;
 * that is the tightest of all windows the new frame falls into, so the
 * duty cycle is never exceeded in any sliding window.
 *
 * @example
 * ```ts
 * import { AirtimeBudget } from "./budget.ts";
 * const budget = new AirtimeBudget({ dutyCycle: 0.01 });   // 36 s per hour
 * budget.record(0, 36_000);
 * console.assert(budget.availableMs(36_000) === 0);
 * console.assert(budget.earliestStart(1_000, 36_000) === 3_600_000);
 * ```
 * @module
 */

/** One recorded transmission. */
export interface AirtimeEntry {
  startMs: number;
  durationMs: number;
}

/** Settings of an {@linkcode AirtimeBudget}. */
export interface BudgetOptions {
  /** Fraction of time this side may transmit, in (0, 1]. */
  dutyCycle: number;
  /** Length of the sliding window in ms. Default one hour. */
  windowMs?: number;
  /** Recorded transmissions kept before the oldest are merged (conservatively). */
  entriesMax?: number;
  /** Earlier transmissions (from a previous run), oldest first. */
  history?: AirtimeEntry[];
}

/** Default sliding window: one hour. */
export const budgetWindowMsDefault = 3_600_000;
/** Default bound on remembered transmissions. */
export const budgetEntriesMaxDefault = 20_000;

/** Airtime accounting for one side of one link. */
export class AirtimeBudget {
  readonly dutyCycle: number;
  readonly windowMs: number;
  readonly #entriesMax: number;
  #starts: number[] = [];
  #ends: number[] = [];

  /** Creates an empty budget (or one continuing `history`). */
  constructor(options: BudgetOptions) {
    if (!(options.dutyCycle > 0 && options.dutyCycle <= 1)) {
      throw new RangeError(`Duty cycle must be in (0, 1], got ${options.dutyCycle}`);
    }
    this.dutyCycle = options.dutyCycle;
    this.windowMs = options.windowMs ?? budgetWindowMsDefault;
    this.#entriesMax = options.entriesMax ?? budgetEntriesMaxDefault;
    if (!(this.windowMs > 0)) throw new RangeError(`Budget window must be > 0 ms`);
    if (!(this.#entriesMax >= 2)) throw new RangeError(`Budget entriesMax must be >= 2`);
    for (const e of options.history ?? []) this.record(e.startMs, e.durationMs);
  }

  /** Airtime allowed per window, in ms. */
  get limitMs(): number {
    return this.dutyCycle * this.windowMs;
  }

  /** Records a transmission that occupied `[startMs, startMs + durationMs]`. */
  record(startMs: number, durationMs: number): void {
    if (!(durationMs >= 0)) throw new RangeError(`Airtime must be >= 0 ms, got ${durationMs}`);
    const end = startMs + durationMs;
    this.#prune(end);
    let i = this.#starts.length;
    while (i > 0 && this.#starts[i - 1]! > startMs) i--;
    this.#starts.splice(i, 0, startMs);
    this.#ends.splice(i, 0, end);
    if (this.#starts.length > this.#entriesMax) {
      // Merge the two oldest, packed against the later end: it then stays
      // counted at least as long as the originals would have.
      const d = this.#ends[0]! - this.#starts[0]! + this.#ends[1]! - this.#starts[1]!;
      const e = Math.max(this.#ends[0]!, this.#ends[1]!);
      this.#starts.splice(0, 2, e - d);
      this.#ends.splice(0, 2, e);
    }
  }

  /** Airtime recorded inside `[fromMs, toMs]`, in ms. */
  usedMs(fromMs: number, toMs: number): number {
    let sum = 0;
    for (let i = 0; i < this.#starts.length; i++) {
      const s = Math.max(this.#starts[i]!, fromMs);
      const e = Math.min(this.#ends[i]!, toMs);
      if (e > s) sum += e - s;
    }
    return sum;
  }

  /** Airtime left in the window ending now: what a report shows as "budget left". */
  availableMs(nowMs: number): number {
    return Math.max(0, this.limitMs - this.usedMs(nowMs - this.windowMs, nowMs));
  }

  /** True when a transmission of `durationMs` may start at `nowMs`. */
  canStart(durationMs: number, nowMs: number): boolean {
    const used = this.usedMs(nowMs + durationMs - this.windowMs, Infinity);
    return used + durationMs <= this.limitMs + 1e-6;
  }

  /**
   * The earliest time at or after `nowMs` (whole ms) at which a
   * transmission of `durationMs` may start; `Infinity` if it never fits.
   */
  earliestStart(durationMs: number, nowMs: number): number {
    if (durationMs > this.limitMs) return Infinity;
    if (this.canStart(durationMs, nowMs)) return nowMs;
    // canStart is monotone in time (recorded airtime only ages out), so a
    // binary search over whole ms between now and "everything aged out" finds it.
    let lo = nowMs;
    let hi = Math.ceil(Math.max(nowMs, ...this.#ends) + this.windowMs);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.canStart(durationMs, mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  /** The transmissions still inside the window, for saving across restarts. */
  history(): AirtimeEntry[] {
    return this.#starts.map((s, i) => ({ startMs: s, durationMs: this.#ends[i]! - s }));
  }

  #prune(nowMs: number): void {
    const horizon = nowMs - this.windowMs;
    let drop = 0;
    while (
      drop < this.#ends.length && this.#ends[drop]! <= horizon && this.#starts[drop]! <= horizon
    ) {
      drop++;
    }
    if (drop > 0) {
      this.#starts.splice(0, drop);
      this.#ends.splice(0, drop);
    }
  }
}
