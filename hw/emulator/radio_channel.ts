/**
 * An emulated half-duplex radio channel between two stations, "a" and "b",
 * each seen as a strict {@linkcode FrameLink}. Everything runs on a
 * {@linkcode SimClock}:
 *
 * - a frame occupies the air for `airtimeMs(bytes)` (default: bytes · 8 /
 *   `bitsPerSecond`), and `send` resolves when its transmission ends;
 * - it reaches the other station `latencyMs` later, unless it is lost
 *   (loss model per direction), the channel is down, or the receiver is
 *   deaf: transmitting itself (both transmitting is a collision and both
 *   frames are lost) or still switching from transmit to receive
 *   (`turnaroundMs` after the end of its own transmission);
 * - a delivered frame may be corrupted (bits flipped) with `corruptP`.
 *
 * Every transmission is recorded with its fate, so tests can check duty
 * cycles and losses independently of the protocol's own accounting.
 *
 * @example
 * ```ts
 * import { RadioChannel } from "./radio_channel.ts";
 * import { SimClock } from "./sim_clock.ts";
 * const clock = new SimClock();
 * const radio = new RadioChannel({ clock, bitsPerSecond: 8000, mtu: 255 });
 * const got = await clock.run((async () => {
 *   await radio.a.send(new Uint8Array([1, 2, 3]));
 *   return await radio.b.receive();
 * })());
 * console.assert(got?.length === 3 && clock.now() === 3);
 * ```
 * @module
 */

import type { FrameLink } from "../link/link.ts";
import { createLossModel, type LossModel, type LossSpec } from "./loss.ts";
import { Prng } from "./prng.ts";
import type { SimClock } from "./sim_clock.ts";
import { StationLink } from "./station_link.ts";

/** One of the two stations. */
export type Side = "a" | "b";

/** What happened to one transmitted frame. */
export type Fate =
  | "delivered"
  | "corrupted"
  | "lost"
  | "down"
  | "deaf"
  | "collision"
  | "closed"
  | "overflow";

/** One frame on the air. */
export interface Transmission {
  from: Side;
  startMs: number;
  endMs: number;
  bytes: number;
  /** The frame's first byte (lets tests tell frame kinds apart). */
  head: number;
  fate: Fate;
}

/** Settings of a {@linkcode RadioChannel}. */
export interface RadioChannelOptions {
  clock: SimClock;
  /** Raw bit rate used by the default airtime model. */
  bitsPerSecond: number;
  /** Largest frame in bytes. */
  mtu: number;
  /** Airtime of a frame of `bytes` bytes, in ms (overrides the bit-rate model). */
  airtimeMs?: (bytes: number) => number;
  /** Loss on each direction (each direction has its own chain). Default none. */
  loss?: LossSpec;
  /** Probability that a delivered frame arrives with flipped bits. Default 0. */
  corruptP?: number;
  /** Propagation and processing delay in ms. Default 0. */
  latencyMs?: number;
  /** Time a station needs after transmitting before it can hear, in ms. Default 0. */
  turnaroundMs?: number;
  /** Seed of the channel's random choices. Default 1. */
  seed?: number;
  /** Frames waiting in a station's receive queue before new ones are dropped. */
  inboxFramesMax?: number;
  /** Transmissions kept in {@linkcode RadioChannel.transmissions}. */
  recordFramesMax?: number;
}

/** Default receive queue bound of an emulated station. */
export const inboxFramesMaxDefault = 1024;
/** Default bound of the transmission record. */
export const recordFramesMaxDefault = 2_000_000;
const txHistoryMax = 8;

interface Station {
  endpoint: StationLink;
  loss: LossModel;
  /** Recent transmissions of this station, for deafness checks. */
  history: { startMs: number; endMs: number }[];
}

/** Two stations on one emulated radio channel. */
export class RadioChannel {
  /** Every transmission so far, oldest first (bounded by `recordFramesMax`). */
  readonly transmissions: Transmission[] = [];
  /** While true, every frame is lost. */
  down = false;
  readonly #o: Required<Omit<RadioChannelOptions, "loss">>;
  readonly #random: Prng;
  readonly #stations: Record<Side, Station>;

  /** Creates the channel and both stations. */
  constructor(options: RadioChannelOptions) {
    const bitsPerSecond = options.bitsPerSecond;
    if (!(bitsPerSecond > 0)) {
      throw new RangeError(`bitsPerSecond must be > 0, got ${bitsPerSecond}`);
    }
    if (!(options.mtu >= 1)) throw new RangeError(`mtu must be >= 1, got ${options.mtu}`);
    this.#o = {
      clock: options.clock,
      bitsPerSecond,
      mtu: options.mtu,
      airtimeMs: options.airtimeMs ?? ((bytes) => bytes * 8 * 1000 / bitsPerSecond),
      corruptP: options.corruptP ?? 0,
      latencyMs: options.latencyMs ?? 0,
      turnaroundMs: options.turnaroundMs ?? 0,
      seed: options.seed ?? 1,
      inboxFramesMax: options.inboxFramesMax ?? inboxFramesMaxDefault,
      recordFramesMax: options.recordFramesMax ?? recordFramesMaxDefault,
    };
    this.#random = new Prng(this.#o.seed);
    const loss = options.loss ?? { kind: "none" };
    const station = (side: Side): Station => ({
      endpoint: new StationLink(this, side),
      loss: createLossModel(loss, new Prng(this.#o.seed * 31 + (side === "a" ? 1 : 2))),
      history: [],
    });
    this.#stations = { a: station("a"), b: station("b") };
  }

  /** Station a's link. */
  get a(): FrameLink {
    return this.#stations.a.endpoint;
  }

  /** Station b's link. */
  get b(): FrameLink {
    return this.#stations.b.endpoint;
  }

  /** Closes a station's link and gives it a fresh one (a restarted program reopening its port). */
  reopen(side: Side): FrameLink {
    void this.#stations[side].endpoint.close();
    const fresh = new StationLink(this, side);
    this.#stations[side].endpoint = fresh;
    return fresh;
  }

  /** Delivers `frame` to `to` right now, as if it had come over the air (for hostile-input tests). */
  inject(to: Side, frame: Uint8Array): void {
    this.#stations[to].endpoint.deliver(frame.slice());
  }

  /** Total airtime of `side`'s transmissions, in ms. */
  airtimeMs(side: Side): number {
    let sum = 0;
    for (const t of this.transmissions) if (t.from === side) sum += t.endMs - t.startMs;
    return sum;
  }

  /** End of `side`'s latest transmission (the radio is busy until then). */
  busyUntilMs(side: Side): number {
    return this.#stations[side].history.at(-1)?.endMs ?? -Infinity;
  }

  /**
   * @internal Starts a transmission; returns its duration in ms. `leadMs`
   * is keyed carrier before the frame (a TNC's TXDELAY): the air is busy,
   * the frame arrives that much later.
   */
  transmit(from: Side, frame: Uint8Array, leadMs = 0): number {
    const o = this.#o;
    const now = o.clock.now();
    const duration = leadMs + o.airtimeMs(frame.length);
    const sender = this.#stations[from];
    sender.history.push({ startMs: now, endMs: now + duration });
    if (sender.history.length > txHistoryMax) sender.history.shift();
    const to: Side = from === "a" ? "b" : "a";
    const lost = sender.loss.lose();
    const corrupt = !lost && o.corruptP > 0 && this.#random.next() < o.corruptP;
    const record: Transmission = {
      from,
      startMs: now,
      endMs: now + duration,
      bytes: frame.length,
      head: frame[0] ?? 0,
      fate: "delivered",
    };
    if (this.transmissions.length < o.recordFramesMax) this.transmissions.push(record);
    if (this.down) {
      record.fate = "down";
      return duration;
    }
    if (lost) {
      record.fate = "lost";
      return duration;
    }
    const copy = frame.slice();
    if (corrupt) {
      const flips = 1 + this.#random.int(3);
      for (let i = 0; i < flips; i++) {
        copy[this.#random.int(copy.length)]! ^= 1 << this.#random.int(8);
      }
    }
    const arriveStart = now + o.latencyMs;
    const arriveEnd = now + duration + o.latencyMs;
    o.clock.schedule(arriveEnd, () => {
      const receiver = this.#stations[to];
      for (const tx of receiver.history) {
        if (tx.startMs < arriveEnd && tx.endMs + o.turnaroundMs > arriveStart) {
          record.fate = tx.startMs < now + duration && tx.endMs > now ? "collision" : "deaf";
          return;
        }
      }
      if (receiver.endpoint.closed) {
        record.fate = "closed";
        return;
      }
      if (!receiver.endpoint.deliver(copy)) {
        record.fate = "overflow";
        return;
      }
      record.fate = corrupt ? "corrupted" : "delivered";
    });
    return duration;
  }

  /** @internal */
  get options(): Required<Omit<RadioChannelOptions, "loss">> {
    return this.#o;
  }
}
