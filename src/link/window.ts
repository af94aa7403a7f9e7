/**
 * Selective-repeat bookkeeping: which fragments of a packet are present.
 * Every fragment before `base` is present; a window of `size` slots after
 * it records the rest, so memory does not grow with the packet.
 *
 * @example
 * ```ts
 * import { FragmentWindow } from "./window.ts";
 * const w = new FragmentWindow(64, 100);
 * w.set(1);
 * w.set(0);
 * console.assert(w.base === 2 && !w.has(2));
 * ```
 * @module
 */

import { bitmapBits } from "./frames.ts";

/** Presence of fragments `[0, count)`, tracked in a window of `size` after `base`. */
export class FragmentWindow {
  /** First fragment not yet present. */
  base = 0;
  readonly #slots: Uint8Array;

  /** `size`: window slots (at most 64, the bitmap width); `count`: fragments in the packet. */
  constructor(readonly size: number, readonly count: number) {
    if (!(size >= 1 && size <= bitmapBits)) throw new RangeError(`window size ${size}`);
    this.#slots = new Uint8Array(size);
  }

  /** True when every fragment is present. */
  get complete(): boolean {
    return this.base >= this.count;
  }

  /** True when fragment `i` is present (false beyond the window). */
  has(i: number): boolean {
    if (i < this.base) return true;
    if (i >= this.base + this.size || i >= this.count) return false;
    return this.#slots[i % this.size] === 1;
  }

  /** True when `i` falls inside the window (and the packet). */
  inWindow(i: number): boolean {
    return i >= this.base && i < this.base + this.size && i < this.count;
  }

  /** Marks fragment `i` present; returns false if it already was. `i` must be in the window. */
  set(i: number): boolean {
    if (!this.inWindow(i)) throw new RangeError(`fragment ${i} outside window at ${this.base}`);
    if (this.#slots[i % this.size] === 1) return false;
    this.#slots[i % this.size] = 1;
    while (this.base < this.count && this.#slots[this.base % this.size] === 1) {
      this.#slots[this.base % this.size] = 0;
      this.base++;
    }
    return true;
  }

  /** The 8-byte bitmap of the window: bit k (LSB first) = fragment `base + k` present. */
  toBitmap(): Uint8Array {
    const bitmap = new Uint8Array(bitmapBits / 8);
    for (let k = 0; k < this.size; k++) {
      if (this.has(this.base + k) && this.base + k < this.count) bitmap[k >> 3]! |= 1 << (k & 7);
    }
    return bitmap;
  }

  /** Applies a peer's report: everything before `base` present, plus the bitmap after it. */
  apply(base: number, bitmap: Uint8Array): void {
    const to = Math.min(base, this.count);
    while (this.base < to) {
      this.#slots[this.base % this.size] = 0;
      this.base++;
    }
    for (let k = 0; k < bitmapBits; k++) {
      if (!((bitmap[k >> 3]! >> (k & 7)) & 1)) continue;
      const i = base + k;
      if (this.inWindow(i)) this.set(i);
    }
  }

  /** Fragments not yet present in the window, in order, at most `max`. */
  missing(max: number): number[] {
    const out: number[] = [];
    const end = Math.min(this.base + this.size, this.count);
    for (let i = this.base; i < end && out.length < max; i++) {
      if (this.#slots[i % this.size] !== 1) out.push(i);
    }
    return out;
  }
}

/** Counts the fragments present according to a bitmap. */
export function bitmapCount(bitmap: Uint8Array): number {
  let n = 0;
  for (const byte of bitmap) for (let b = byte; b; b &= b - 1) n++;
  return n;
}
