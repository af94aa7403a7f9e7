/**
 * One station's end of a {@linkcode RadioChannel}: a strict
 * {@linkcode FrameLink} that refuses oversize frames, overlapping sends
 * and use after close, and queues received frames up to a bound.
 * @module
 */

import { type FrameLink, LinkClosedError, OverlappingWriteError } from "../link/link.ts";
import type { RadioChannel, Side } from "./radio_channel.ts";

/** A station's strict FrameLink. */
export class StationLink implements FrameLink {
  readonly mtu: number;
  closed = false;
  #sending = false;
  #inbox: Uint8Array[] = [];
  #waiters: { resolve: (f: Uint8Array | null) => void; reject: (e: unknown) => void }[] = [];

  /** Creates the end of `side` on `channel`. */
  constructor(readonly channel: RadioChannel, readonly side: Side) {
    this.mtu = channel.options.mtu;
  }

  /** Transmits a frame; resolves when its airtime is over. */
  send(frame: Uint8Array, signal?: AbortSignal): Promise<void> {
    return this.sendKeyed(frame, 0, signal);
  }

  /** Transmits a frame after `leadMs` of keyed carrier (TXDELAY); resolves at its end. */
  async sendKeyed(frame: Uint8Array, leadMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new LinkClosedError(`Emulated station ${this.side} is closed`);
    if (this.#sending) {
      throw new OverlappingWriteError(`Emulated station ${this.side}: send while sending`);
    }
    if (frame.length > this.mtu) {
      throw new RangeError(`Frame of ${frame.length} bytes exceeds the mtu of ${this.mtu}`);
    }
    signal?.throwIfAborted();
    this.#sending = true;
    try {
      // A reopened link shares the radio: it waits for a frame still on the air.
      const busy = this.channel.busyUntilMs(this.side) - this.channel.options.clock.now();
      if (busy > 0) await this.channel.options.clock.sleep(busy, signal);
      const duration = this.channel.transmit(this.side, frame, leadMs);
      await this.channel.options.clock.sleep(duration, signal);
    } finally {
      this.#sending = false;
    }
  }

  /** The next received frame, or null once closed. */
  receive(signal?: AbortSignal): Promise<Uint8Array | null> {
    const next = this.#inbox.shift();
    if (next) return Promise.resolve(next);
    if (this.closed) return Promise.resolve(null);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (f: Uint8Array | null) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(f);
        },
        reject,
      };
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Hands a frame to the station; false when its queue is full. */
  deliver(frame: Uint8Array): boolean {
    if (this.closed) return false;
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter.resolve(frame);
      return true;
    }
    if (this.#inbox.length >= this.channel.options.inboxFramesMax) return false;
    this.#inbox.push(frame);
    return true;
  }

  /** Closes the end; pending receives resolve null. */
  close(): Promise<void> {
    this.closed = true;
    this.#inbox = [];
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.resolve(null);
    return Promise.resolve();
  }
}
