/**
 * The shared "air" between fake radios: a frame one fake transmits reaches
 * every other fake on the same air after its airtime, if that fake is
 * listening. Tests can make the air drop frames.
 * @module
 */

import { type Clock, systemClock } from "../../clock/clock.ts";

/** A fake radio as the air sees it. */
export interface AirRadio {
  /** A frame arrived over the air. */
  hear(frame: Uint8Array): void;
}

/** A broadcast medium for fake radios. */
export class FakeAir {
  readonly #radios = new Set<AirRadio>();
  readonly clock: Clock;
  #dropNext = 0;
  /** Every frame put on the air, in order (including dropped ones). */
  readonly frames: Uint8Array[] = [];
  /** Frames the air dropped on purpose. */
  dropped = 0;
  /** End of each radio's current transmission (for carrier sense). */
  readonly #onAirUntil = new Map<AirRadio, number>();

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
    for (const [other, end] of this.#onAirUntil) {
      if (other !== radio && end > this.clock.now()) until = Math.max(until, end);
    }
    return until;
  }

  /** The next `count` frames are lost. */
  dropNext(count = 1): void {
    this.#dropNext += count;
  }

  /**
   * Puts `frame` on the air: resolves after `airtimeMs`, then the others
   * hear it. Rejects (nothing heard) when `signal` aborts first.
   */
  async transmit(
    from: AirRadio,
    frame: Uint8Array,
    airtimeMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    this.frames.push(frame.slice());
    this.#onAirUntil.set(from, this.clock.now() + airtimeMs);
    if (airtimeMs > 0) await this.clock.sleep(airtimeMs, signal);
    if (this.#dropNext > 0) {
      this.#dropNext--;
      this.dropped++;
      return;
    }
    for (const radio of this.#radios) if (radio !== from) radio.hear(frame.slice());
  }
}
