/**
 * A KISS TNC in front of an emulated station: the latency a TNC adds,
 * for tests of the link protocol's timers.
 *
 * - `send` resolves as soon as the TNC has taken the frame (KISS has no
 *   transmit-done report); frames wait in the TNC's queue (bounded: a full
 *   queue makes `send` wait).
 * - Before transmitting, the TNC waits for a clear channel (carrier sense:
 *   the other station is not on the air), then waits one slot time and,
 *   if the channel is still clear, goes ahead with probability
 *   (persistence + 1) / 256, else waits another slot (p-persistent CSMA
 *   as KISS defines it; Dire Wolf also waits a slot before each draw).
 * - It keys up for TXDELAY before the first frame, then sends everything
 *   queued back to back in one transmission.
 *
 * @example
 * ```ts
 * import { RadioChannel } from "./radio_channel.ts";
 * import { SimClock } from "./sim_clock.ts";
 * import { TncStation } from "./tnc_station.ts";
 * const clock = new SimClock();
 * const radio = new RadioChannel({ clock, bitsPerSecond: 1200, mtu: 256 });
 * const a = new TncStation(radio, "a", { txDelayMs: 300, persistence: 255, slotTimeMs: 100 });
 * const got = await clock.run((async () => {
 *   await a.send(new Uint8Array(15)); // taken at once
 *   console.assert(clock.now() === 0);
 *   return await radio.b.receive();
 * })());
 * console.assert(got?.length === 15 && clock.now() === 500); // slot, TXDELAY, frame
 * ```
 * @module
 */

import { type FrameLink, LinkClosedError, OverlappingWriteError } from "../link/link.ts";
import { Prng } from "./prng.ts";
import type { RadioChannel, Side } from "./radio_channel.ts";
import type { StationLink } from "./station_link.ts";

/** The TNC's channel access, in the units KISS parameters use (ms, 0-255). */
export interface TncLatency {
  /** Keyed carrier before the first frame of a transmission, ms. */
  txDelayMs: number;
  /** p-persistence 0-255: transmit in a free slot with probability (p+1)/256. */
  persistence: number;
  /** Slot time between channel-access attempts, ms. */
  slotTimeMs: number;
  /** Frames the TNC holds before `send` waits. Default 64. */
  queueFramesMax?: number;
  /** Seed of the persistence draws. Default 7. */
  seed?: number;
}

/** Default bound of an emulated TNC's transmit queue, frames. */
export const tncQueueFramesDefault = 64;
/** Channel-access attempts per transmission at most (then it transmits anyway). */
const accessAttemptsMax = 10_000;

/** A station behind a KISS TNC. */
export class TncStation implements FrameLink {
  readonly mtu: number;
  /** Transmissions (key-ups) so far. */
  keyUps = 0;
  /** Time spent waiting for channel access, ms. */
  accessWaitMs = 0;
  readonly #radio: RadioChannel;
  readonly #side: Side;
  readonly #o: TncLatency;
  readonly #random: Prng;
  readonly #queue: Uint8Array[] = [];
  readonly #stop = new AbortController();
  #space: (() => void)[] = [];
  #draining: Promise<void> | null = null;
  #sending = false;
  #closed = false;

  constructor(radio: RadioChannel, side: Side, latency: TncLatency) {
    if (!(latency.persistence >= 0 && latency.persistence <= 255)) {
      throw new RangeError(`persistence must be 0-255, got ${latency.persistence}`);
    }
    this.#radio = radio;
    this.#side = side;
    this.#o = latency;
    this.#random = new Prng(latency.seed ?? 7);
    this.mtu = this.#station.mtu;
  }

  get #station(): StationLink {
    return (this.#side === "a" ? this.#radio.a : this.#radio.b) as StationLink;
  }

  /** Hands a frame to the TNC; resolves once it is queued. */
  async send(frame: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (this.#closed) throw new LinkClosedError(`Emulated TNC ${this.#side} is closed`);
    if (this.#sending) {
      throw new OverlappingWriteError(`Emulated TNC ${this.#side}: send while sending`);
    }
    if (frame.length > this.mtu) {
      throw new RangeError(`Frame of ${frame.length} bytes exceeds the mtu of ${this.mtu}`);
    }
    signal?.throwIfAborted();
    this.#sending = true;
    try {
      while (this.#queue.length >= (this.#o.queueFramesMax ?? tncQueueFramesDefault)) {
        await new Promise<void>((resolve) => this.#space.push(resolve));
        if (this.#closed) throw new LinkClosedError(`Emulated TNC ${this.#side} is closed`);
      }
      this.#queue.push(frame.slice());
      this.#draining ??= this.#drain().finally(() => (this.#draining = null));
    } finally {
      this.#sending = false;
    }
  }

  receive(signal?: AbortSignal): Promise<Uint8Array | null> {
    return this.#station.receive(signal);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stop.abort(new LinkClosedError("TNC closed"));
    for (const wake of this.#space.splice(0)) wake();
    await this.#draining?.catch(() => {});
    await this.#station.close();
  }

  async #drain(): Promise<void> {
    const clock = this.#radio.options.clock;
    const other: Side = this.#side === "a" ? "b" : "a";
    const signal = this.#stop.signal;
    try {
      while (this.#queue.length > 0) {
        const start = clock.now();
        for (let attempt = 0; attempt < accessAttemptsMax; attempt++) {
          const busy = this.#radio.busyUntilMs(other) - clock.now();
          if (busy > 0) {
            await clock.sleep(busy, signal);
            continue;
          }
          await clock.sleep(this.#o.slotTimeMs, signal);
          if (this.#radio.busyUntilMs(other) > clock.now()) continue;
          if (this.#random.next() < (this.#o.persistence + 1) / 256) break;
        }
        this.accessWaitMs += clock.now() - start;
        this.keyUps++;
        let lead = this.#o.txDelayMs;
        while (this.#queue.length > 0) {
          const frame = this.#queue.shift()!;
          this.#space.shift()?.();
          await this.#station.sendKeyed(frame, lead, signal);
          lead = 0;
        }
      }
    } catch {
      // closed while transmitting
    }
  }
}
