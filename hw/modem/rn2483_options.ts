/**
 * Options of the RN2483 / RN2903 driver, their limits and their check.
 * @module
 */

import { bool, defined, int, object, oneOf, onlyKeys } from "./_options.ts";

/** Largest payload of `radio tx` and `radio_rx` in LoRa mode, in bytes. */
export const rn2483FrameBytesMax = 255;
/** Default bound on a command's answer (`ok`, `invalid_param`, ...), in ms. */
export const rn2483CommandTimeoutMsDefault = 2000;
/** Bound on `radio_tx_ok` when the radio settings are unknown, in ms (SF12 255 B is ~9 s). */
export const rn2483TxDoneTimeoutMsDefault = 20_000;
/** Pause before retrying to re-arm the receiver after a failure, in ms. */
export const rn2483RearmRetryMs = 1000;
/**
 * Default least gap between two transmissions, in ms. After each frame a
 * receiving RN2483 is deaf while it prints `radio_rx` at 57600 baud (about
 * 90 ms for 255 bytes) and its host re-arms it; the sender's own
 * `radio tx` line takes about as long, so a short extra guard suffices.
 */
export const rn2483TxGapMsDefault = 20;
/** Without `radio rxstop` (firmware < 1.0.5), wait this long for a receive window to end, in ms. */
export const rn2483LegacyRxWaitMsDefault = 20_000;

/** Radio settings applied with `radio set` at open; omitted ones are left alone. */
export interface Rn2483RadioSettings {
  /** Hz: 433050000-434790000 or 863000000-870000000 (RN2483), 902000000-928000000 (RN2903). */
  freqHz?: number;
  /** Spreading factor 7-12. */
  sf?: number;
  /** Bandwidth in kHz. */
  bwKhz?: 125 | 250 | 500;
  /** Coding rate. */
  cr?: "4/5" | "4/6" | "4/7" | "4/8";
  /** Output power in dBm: -3 to 15 (RN2483), 2 to 20 (RN2903). */
  powerDbm?: number;
  /** Preamble length in symbols, 6-65535. */
  preamble?: number;
  /** Payload CRC. */
  crc?: boolean;
  /** Sync word, 0-255. */
  syncWord?: number;
  /**
   * Radio watchdog in ms (0 disables it). A receive window ends with
   * `radio_err` when it expires; the driver re-arms it.
   */
  watchdogMs?: number;
}

/** Options of `openModem("rn2483", ...)`. */
export interface Rn2483Options {
  /** Ask `sys get ver` and insist on an RN2483/RN2903. Default true. */
  checkVersion?: boolean;
  /** Send `mac pause` first (the LoRaWAN stack must release the radio). Default true. */
  macPause?: boolean;
  /** Radio settings to apply. */
  radio?: Rn2483RadioSettings;
  /** Use `radio rxstop` before transmitting. Default: when the firmware is 1.0.5 or later. */
  rxStop?: boolean;
  /** Bound on each command's answer, in ms. Default 2000. */
  commandTimeoutMs?: number;
  /** Bound on `radio_tx_ok` after `ok`, in ms. Default: twice the airtime of 255 bytes plus 2 s. */
  txDoneTimeoutMs?: number;
  /** Least time between the end of one transmission and the next, in ms. Default 20. */
  txGapMs?: number;
  /** Without rxstop: bound on waiting for the receive window to end, in ms. Default 20000. */
  legacyRxWaitMs?: number;
  /** Received frames held for `receive()` before the oldest is dropped. Default 64. */
  receiveQueueFramesMax?: number;
}

/** Checks options from the configuration; throws `TypeError`/`RangeError` naming the key. */
export function checkRn2483Options(value: unknown, path = "rn2483"): Rn2483Options {
  const raw = object(value, path);
  onlyKeys(raw, path, [
    "checkVersion",
    "macPause",
    "radio",
    "rxStop",
    "commandTimeoutMs",
    "txDoneTimeoutMs",
    "txGapMs",
    "legacyRxWaitMs",
    "receiveQueueFramesMax",
  ]);
  const r = object(raw.radio, `${path}.radio`);
  const rp = `${path}.radio`;
  onlyKeys(r, rp, [
    "freqHz",
    "sf",
    "bwKhz",
    "cr",
    "powerDbm",
    "preamble",
    "crc",
    "syncWord",
    "watchdogMs",
  ]);
  const freqHz = int(r, "freqHz", rp, 433_050_000, 928_000_000);
  if (
    freqHz !== undefined && !(freqHz <= 434_790_000) &&
    !(freqHz >= 863_000_000 && freqHz <= 870_000_000) && !(freqHz >= 902_000_000)
  ) {
    throw new RangeError(
      `${rp}.freqHz ${freqHz} is outside the 433, 868 and 915 MHz bands the RN2483/RN2903 support`,
    );
  }
  const radio = defined<Rn2483RadioSettings>({
    freqHz,
    sf: int(r, "sf", rp, 7, 12),
    bwKhz: oneOf(r, "bwKhz", rp, [125, 250, 500] as const),
    cr: oneOf(r, "cr", rp, ["4/5", "4/6", "4/7", "4/8"] as const),
    powerDbm: int(r, "powerDbm", rp, -3, 20),
    preamble: int(r, "preamble", rp, 6, 65535),
    crc: bool(r, "crc", rp),
    syncWord: int(r, "syncWord", rp, 0, 255),
    watchdogMs: int(r, "watchdogMs", rp, 0, 4_294_967_295),
  });
  return defined<Rn2483Options>({
    checkVersion: bool(raw, "checkVersion", path),
    macPause: bool(raw, "macPause", path),
    radio: raw.radio === undefined ? undefined : radio,
    rxStop: bool(raw, "rxStop", path),
    commandTimeoutMs: int(raw, "commandTimeoutMs", path, 100, 60_000),
    txDoneTimeoutMs: int(raw, "txDoneTimeoutMs", path, 100, 600_000),
    txGapMs: int(raw, "txGapMs", path, 0, 60_000),
    legacyRxWaitMs: int(raw, "legacyRxWaitMs", path, 100, 600_000),
    receiveQueueFramesMax: int(raw, "receiveQueueFramesMax", path, 1, 4096),
  });
}

/** The `radio set` commands for `radio`, in a safe order. */
export function rn2483RadioCommands(radio: Rn2483RadioSettings): string[] {
  const out = ["radio set mod lora"];
  if (radio.freqHz !== undefined) out.push(`radio set freq ${radio.freqHz}`);
  if (radio.sf !== undefined) out.push(`radio set sf sf${radio.sf}`);
  if (radio.bwKhz !== undefined) out.push(`radio set bw ${radio.bwKhz}`);
  if (radio.cr !== undefined) out.push(`radio set cr ${radio.cr}`);
  if (radio.powerDbm !== undefined) out.push(`radio set pwr ${radio.powerDbm}`);
  if (radio.preamble !== undefined) out.push(`radio set prlen ${radio.preamble}`);
  if (radio.crc !== undefined) out.push(`radio set crc ${radio.crc ? "on" : "off"}`);
  if (radio.syncWord !== undefined) {
    out.push(`radio set sync ${radio.syncWord.toString(16).padStart(2, "0")}`);
  }
  if (radio.watchdogMs !== undefined) out.push(`radio set wdt ${radio.watchdogMs}`);
  return out;
}
