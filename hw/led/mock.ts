/**
 * A strict in-memory LED for tests: it records every state it is put in,
 * rejects bad blink periods and any use after close, and can be told to fail
 * its next call the way a sysfs write can.
 *
 * @example
 * ```ts
 * import { MockLed } from "./mock.ts";
 * const led = new MockLed();
 * await led.blink(250);
 * await led.off();
 * console.assert(JSON.stringify(led.states) === '[{"mode":"blink","periodMs":250},{"mode":"off"}]');
 * ```
 * @module
 */

import { checkBlinkPeriod, type Led, LedClosedError, type LedState } from "./led.ts";

/** Most states recorded; older ones are forgotten (a blinking agent runs for months). */
export const mockLedStatesMax = 1024;

/** An LED that records what it was told. */
export class MockLed implements Led {
  /** Every state set, oldest first (at most {@linkcode mockLedStatesMax}). */
  readonly states: LedState[] = [];
  #closed = false;
  #failNext: Error | undefined;

  /** What the LED is doing now. */
  get state(): LedState {
    return this.states.at(-1) ?? { mode: "off" };
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Makes the next call reject with `err` (and change nothing). */
  failNext(err: Error): void {
    this.#failNext = err;
  }

  on(): Promise<void> {
    return this.#set({ mode: "on" });
  }

  off(): Promise<void> {
    return this.#set({ mode: "off" });
  }

  blink(periodMs: number): Promise<void> {
    try {
      checkBlinkPeriod(periodMs);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#set({ mode: "blink", periodMs });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#set({ mode: "off" });
    this.#closed = true;
  }

  #set(state: LedState): Promise<void> {
    if (this.#closed) return Promise.reject(new LedClosedError("Mock LED"));
    const err = this.#failNext;
    if (err) {
      this.#failNext = undefined;
      return Promise.reject(err);
    }
    this.states.push(state);
    if (this.states.length > mockLedStatesMax) this.states.shift();
    return Promise.resolve();
  }
}
