/**
 * A small seeded pseudo-random source (mulberry32) so that mock links with
 * loss, corruption and split reads behave the same on every run.
 *
 * @example
 * ```ts
 * import { seededRandom } from "./seeded_random.ts";
 * const a = seededRandom(7), b = seededRandom(7);
 * console.assert(a() === b());
 * ```
 * @module
 */

/** Returns a function giving numbers in [0, 1), fixed by `seed`. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max], both included. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Checks that `rate` is a probability; names the option in the error. */
export function checkRate(name: string, rate: number | undefined): number {
  const value = rate ?? 0;
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    throw new RangeError(`Mock option ${name} must be between 0 and 1, got ${String(rate)}`);
  }
  return value;
}
