/**
 * LoRa time on air (Semtech's formula, see RADIO.md), used by the drivers
 * to size transmit timeouts.
 *
 * @example
 * ```ts
 * import { loraAirtimeMs } from "./lora_airtime.ts";
 * const ms = loraAirtimeMs(255, { sf: 7, bwHz: 125_000, cr: 1 });
 * console.assert(Math.abs(ms - 400) < 2);
 * ```
 * @module
 */

/** Radio settings that decide the airtime. */
export interface LoraAirSettings {
  /** Spreading factor, 5 to 12. */
  sf: number;
  /** Bandwidth in Hz (125000, 250000, 500000, ...). */
  bwHz: number;
  /** Coding rate index: 1 for 4/5 ... 4 for 4/8. */
  cr: number;
  /** Preamble symbols. Default 8. */
  preamble?: number;
  /** Payload CRC on. Default true. */
  crc?: boolean;
  /** Implicit header. Default false. */
  implicitHeader?: boolean;
}

/** Milliseconds on air for a payload of `payloadBytes`. */
export function loraAirtimeMs(payloadBytes: number, s: LoraAirSettings): number {
  const symbolMs = (2 ** s.sf / s.bwHz) * 1000;
  const lowRateOptimize = symbolMs > 16 ? 1 : 0;
  const preambleMs = ((s.preamble ?? 8) + 4.25) * symbolMs;
  const crc = (s.crc ?? true) ? 1 : 0;
  const ih = s.implicitHeader ? 1 : 0;
  const numerator = 8 * payloadBytes - 4 * s.sf + 28 + 16 * crc - 20 * ih;
  const blocks = Math.max(Math.ceil(numerator / (4 * (s.sf - 2 * lowRateOptimize))), 0);
  const payloadSymbols = 8 + blocks * (s.cr + 4);
  return preambleMs + payloadSymbols * symbolMs;
}
