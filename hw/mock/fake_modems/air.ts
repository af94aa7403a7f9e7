/**
 * The shared "air" between fake radios: a frame one fake transmits reaches
 * every other fake on the same air after its airtime, if that fake is
 * listening. As on a real channel:
 *
 * - two transmissions that overlap in time collide: no radio hears either
 *   (`collisions` counts the frames lost so);
 * - a radio transmitting while a frame arrives does not hear it (half
 *   duplex);
 * - tests can drop frames (`dropNext`) or corrupt them (`corruptNext`):
 *   a corrupted frame arrives with flipped bits and `crcOk` false, and
 *   each fake reacts as its module does to a failed CRC.
 * @module
 */

import { type Clock, systemClock } from "../../clock/clock.ts";

/** A fake radio as the air sees it. */
export interface AirRadio {
  /** A frame arrived over the air; `crcOk` is false when it was corrupted on the way. */
  hear(frame: Uint8Array, crcOk: boolean): void;
}

interface OnAir {
  from: AirRadio;
  startMs: number;
  endMs: number;
  collided: boolean;
}

/** Transmissions remembered for collision checks. */
const onAirKeptMax = 64;

/** A broadcast medium for fake radios. */
export class FakeAir {
  readonly #radios = new Set<AirRadio>();
  readonly clock: Clock;
  #dropNext = 0;
  #corruptNext = 0;
  /** Every frame put on the air, in order (including dropped ones). */
  readonly frames: Uint8Array[] = [];
  /** Frames the air dropped on purpose. */
  dropped = 0;
  /** Frames lost because they overlapped another transmission. */
  collisions = 0;
  /** Frames delivered corrupted. */
  corrupted = 0;
  readonly #onAir: OnAir[] = [];

  constructor(clock: Clock = systemClock) {
    this.clock = clock;
  }

  /** Adds a radio; it hears frames from the others. */
  join(radio: AirRadio): void {
    this.#radios.add(radio);
  }

  /** Removes a radio. */
  leave(radio: AirRadio): void {
    this.#radios.delete(radio);
  }

  /** Until when another radio than `radio` is transmitting (carrier sense), ms; 0 when clear. */
  busyUntil(radio: AirRadio): number {
    let until = 0;
    for (const t of this.#onAir) {
      if (t.from !== radio && t.endMs > this.clock.now()) until = Math.max(until, t.endMs);
    }
    return until;
  }

  /** The next `count` frames are lost. */
  dropNext(count = 1): void {
    this.#dropNext += count;
  }

  /** The next `count` frames arrive with flipped bits (and a failed CRC). */
  corruptNext(count = 1): void {
    this.#corruptNext += count;
  }

  /**
   * Puts `frame` on the air: resolves after `airtimeMs`, then the others
   * hear it (unless it collided or was dropped). Rejects (nothing heard)
   * when `signal` aborts first.
   */
  async transmit(
    from: AirRadio,
    frame: Uint8Array,
    airtimeMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    this.frames.push(frame.slice());
    const now = this.clock.now();
    const me: OnAir = { from, startMs: now, endMs: now + airtimeMs, collided: false };
    for (const t of this.#onAir) {
      if (t.endMs > now && t.from !== from) {
        t.collided = true;
        me.collided = true;
      }
    }
    this.#onAir.push(me);
    if (this.#onAir.length > onAirKeptMax) this.#onAir.shift();
    if (airtimeMs > 0) await this.clock.sleep(airtimeMs, signal);
    // Real timers fire on whole milliseconds: the transmission is over now, whatever the sum said.
    me.endMs = Math.min(me.endMs, this.clock.now());
    if (this.#dropNext > 0) {
      this.#dropNext--;
      this.dropped++;
      return;
    }
    if (me.collided) {
      this.collisions++;
      return;
    }
    let copy = frame;
    let crcOk = true;
    if (this.#corruptNext > 0) {
      this.#corruptNext--;
      this.corrupted++;
      copy = frame.slice();
      copy[copy.length >> 1]! ^= 0x10;
      crcOk = false;
    }
    const end = this.clock.now();
    for (const radio of this.#radios) {
      if (radio === from) continue;
      // Half duplex: a radio on the air itself hears nothing.
      const deaf = this.#onAir.some((t) =>
        t.from === radio && t.startMs < end && t.endMs > me.startMs
      );
      if (!deaf) radio.hear(copy.slice(), crcOk);
    }
  }
}
