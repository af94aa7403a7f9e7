/**
 * Airtime models: how long a frame of n bytes occupies the channel.
 *
 * - LoRa: Semtech's time-on-air formula from spreading factor, bandwidth,
 *   coding rate, preamble length, CRC, header mode and low data-rate
 *   optimisation.
 * - Other links: bytes · bits per byte / bit rate (10 bits per byte for an
 *   8N1 UART, 8 for a radio's raw bit rate).
 *
 * @example
 * ```ts
 * import { loraAirtime } from "./airtime.ts";
 * const sf7 = loraAirtime({ spreadingFactor: 7 });
 * console.assert(Math.abs(sf7.frameMs(255) - 399.6) < 0.1);
 * ```
 * @module
 */

/** Airtime of frames on one link. */
export interface AirtimeModel {
  /** Time on air of a frame of `wireBytes` bytes, in ms. */
  frameMs(wireBytes: number): number;
  /** Raw channel bit rate, for reports. */
  readonly bitsPerSecond: number;
  /** A short description for logs. */
  readonly label: string;
}

/** LoRa radio settings. */
export interface LoraSettings {
  /** 6..12. */
  spreadingFactor: number;
  /** Bandwidth in Hz. Default 125 000. */
  bandwidthHz?: number;
  /** Coding rate 4/(4+cr): cr 1..4. Default 1 (4/5). */
  codingRate?: number;
  /** Preamble symbols. Default 8. */
  preambleSymbols?: number;
  /** Payload CRC on. Default true. */
  crc?: boolean;
  /** Explicit header. Default true. */
  explicitHeader?: boolean;
  /** Low data-rate optimisation; default: on when a symbol lasts more than 16 ms. */
  lowDataRateOptimize?: boolean;
}

/** Semtech's LoRa time-on-air model. Throws `RangeError` on settings outside the LoRa ranges. */
export function loraAirtime(settings: LoraSettings): AirtimeModel {
  const sf = settings.spreadingFactor;
  const bw = settings.bandwidthHz ?? 125_000;
  const cr = settings.codingRate ?? 1;
  const preamble = settings.preambleSymbols ?? 8;
  if (!Number.isInteger(sf) || sf < 6 || sf > 12) {
    throw new RangeError(`LoRa spreading factor must be 6..12, got ${sf}`);
  }
  if (!(bw > 0)) throw new RangeError(`LoRa bandwidth must be > 0 Hz, got ${bw}`);
  if (!Number.isInteger(cr) || cr < 1 || cr > 4) {
    throw new RangeError(`LoRa coding rate must be 1..4 (4/5..4/8), got ${cr}`);
  }
  if (!Number.isInteger(preamble) || preamble < 0) {
    throw new RangeError(`LoRa preamble must be a whole number of symbols, got ${preamble}`);
  }
  const symbolMs = (2 ** sf / bw) * 1000;
  const de = (settings.lowDataRateOptimize ?? symbolMs > 16) ? 1 : 0;
  const crc = (settings.crc ?? true) ? 1 : 0;
  const ih = (settings.explicitHeader ?? true) ? 0 : 1;
  const preambleMs = (preamble + 4.25) * symbolMs;
  return {
    bitsPerSecond: sf * (bw / 2 ** sf) * (4 / (4 + cr)),
    label: `LoRa SF${sf} ${bw / 1000} kHz CR 4/${4 + cr}`,
    frameMs(wireBytes: number): number {
      const numerator = 8 * wireBytes - 4 * sf + 28 + 16 * crc - 20 * ih;
      const symbols = 8 + Math.max(Math.ceil(numerator / (4 * (sf - 2 * de))) * (cr + 4), 0);
      return preambleMs + symbols * symbolMs;
    },
  };
}

/** Settings of a plain bit-rate link. */
export interface BitrateSettings {
  bitsPerSecond: number;
  /** Bits on the line per byte. Default 8. */
  bitsPerByte?: number;
  /** Fixed time per frame (preamble, key-up), in ms. Default 0. */
  frameOverheadMs?: number;
}

/** Airtime = bytes · bits per byte / bit rate (+ a fixed per-frame time). */
export function bitrateAirtime(settings: BitrateSettings): AirtimeModel {
  const bps = settings.bitsPerSecond;
  const bitsPerByte = settings.bitsPerByte ?? 8;
  const overhead = settings.frameOverheadMs ?? 0;
  if (!(bps > 0)) throw new RangeError(`Bit rate must be > 0, got ${bps}`);
  if (!(bitsPerByte > 0)) throw new RangeError(`Bits per byte must be > 0, got ${bitsPerByte}`);
  if (!(overhead >= 0)) throw new RangeError(`Frame overhead must be >= 0 ms, got ${overhead}`);
  return {
    bitsPerSecond: bps,
    label: `${bps} bit/s`,
    frameMs: (wireBytes) => overhead + (wireBytes * bitsPerByte * 1000) / bps,
  };
}
