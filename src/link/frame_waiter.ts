/**
 * Waiting for the next frame until a deadline, on any clock. One receive
 * stays pending across waits, so a frame arriving just after a timeout is
 * not lost; stopping the session cancels both the receive and the timer.
 * @module
 */

import type { Clock } from "../../hw/clock/clock.ts";
import type { FrameLink } from "../../hw/link/link.ts";

/** Returned by {@linkcode FrameWaiter.next} when the deadline passed first. */
export const TIMEOUT: unique symbol = Symbol("timeout");

/** Receives frames with deadlines. */
export class FrameWaiter {
  #pending: Promise<Uint8Array | null> | null = null;

  /** `stop` cancels everything when it aborts. */
  constructor(readonly link: FrameLink, readonly clock: Clock, readonly stop: AbortSignal) {}

  /** The next frame, `null` when the link closed, or {@linkcode TIMEOUT} at `deadlineMs`. */
  async next(deadlineMs: number): Promise<Uint8Array | null | typeof TIMEOUT> {
    if (!this.#pending) {
      this.#pending = this.link.receive(this.stop);
      this.#pending.catch(() => {}); // observed below; a receive abandoned at stop must not go unhandled
    }
    const timer = new AbortController();
    const onStop = () => timer.abort();
    this.stop.addEventListener("abort", onStop, { once: true });
    try {
      const got = await Promise.race([
        this.#pending,
        this.clock.sleep(Math.max(0, deadlineMs - this.clock.now()), timer.signal).then(
          (): typeof TIMEOUT => TIMEOUT,
          (): typeof TIMEOUT => TIMEOUT,
        ),
      ]);
      if (got !== TIMEOUT) this.#pending = null;
      return got;
    } finally {
      timer.abort();
      this.stop.removeEventListener("abort", onStop);
    }
  }
}
