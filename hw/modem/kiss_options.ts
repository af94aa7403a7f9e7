/**
 * Options of the KISS TNC driver, their limits and their check.
 * @module
 */

import { bool, defined, int, object, onlyKeys, str } from "./_options.ts";
import { ax25HeaderBytes, parseCallsign } from "./ax25.ts";

/**
 * Default MTU: RNode firmware splits anything over 255 bytes into two LoRa
 * packets (and loses the frame if either is lost), so ferry stays at 254.
 */
export const kissMtuDefault = 254;
/**
 * Default largest frame handed to the TNC with a callsign: the 16-byte AX.25
 * header and AX.25's default information field of 256 bytes (N1).
 */
export const kissAx25MtuDefault = ax25HeaderBytes + 256;
/** Largest MTU the driver accepts (AX.25 TNCs such as Dire Wolf), in bytes. */
export const kissMtuMax = 2048;
/** Largest received frame kept, command byte included, in bytes. */
export const kissReceiveFrameBytesMax = 4096;
/** Default bound on an RNode echoing a setting back, in ms. */
export const kissCommandTimeoutMsDefault = 2000;

/** RNode radio settings, sent as RNode KISS commands at open. */
export interface RnodeSettings {
  /** Hz, 137000000-3000000000. */
  frequencyHz: number;
  /** Hz, 7800-1625000 (125000 for 125 kHz). */
  bandwidthHz: number;
  /** dBm, 0-37 (the board limits it further). */
  txPowerDbm: number;
  /** Spreading factor 5-12. */
  sf: number;
  /** Coding rate denominator 5-8 (4/5 ... 4/8). */
  cr: number;
}

/**
 * The TNC's channel-access parameters (KISS commands 1-5), sent when a
 * session starts. Times are rounded to the 10 ms units KISS uses.
 */
export interface TncParameters {
  /** Keying delay before data, ms (KISS TXDELAY), 0-2550. */
  txDelayMs?: number;
  /** p-persistence 0-255: the TNC transmits in a free slot with probability (p+1)/256. */
  persistence?: number;
  /** Slot time between carrier-sense attempts, ms, 0-2550. */
  slotTimeMs?: number;
  /** Time the transmitter stays keyed after the data, ms, 0-2550. */
  txTailMs?: number;
  /** Transmit without waiting for a clear channel. */
  fullDuplex?: boolean;
}

/** Options of `openModem("kiss", ...)`. */
export interface KissOptions {
  /** TNC port, the high nibble of the command byte, 0-15. Default 0. */
  port?: number;
  /**
   * Largest frame handed to the TNC, 1-2048 (with a callsign: including the
   * 16-byte AX.25 header). Default 254, or 272 with a callsign.
   */
  mtu?: number;
  /**
   * Station callsign `CALL[-SSID]`: frames travel as AX.25 UI frames from it
   * (needed by Dire Wolf and hardware TNCs). Default: raw frames (RNode).
   */
  callsign?: string;
  /** Channel-access parameters sent to the TNC at open (not with `rnode`). */
  tnc?: TncParameters;
  /** Configure an RNode's radio at open and switch it on. Default: leave the TNC alone. */
  rnode?: RnodeSettings;
  /** Bound on each RNode setting being echoed back, in ms. Default 2000. */
  commandTimeoutMs?: number;
  /** Received frames held for `receive()` before the oldest is dropped. Default 64. */
  receiveQueueFramesMax?: number;
}

/** Checks options from the configuration; throws `TypeError`/`RangeError` naming the key. */
export function checkKissOptions(value: unknown, path = "kiss"): KissOptions {
  const raw = object(value, path);
  onlyKeys(raw, path, [
    "port",
    "mtu",
    "callsign",
    "tnc",
    "rnode",
    "commandTimeoutMs",
    "receiveQueueFramesMax",
  ]);
  const callsign = str(raw, "callsign", path);
  if (callsign !== undefined) {
    try {
      parseCallsign(callsign);
    } catch (err) {
      throw new RangeError(`${path}.callsign: ${(err as Error).message}`);
    }
  }
  const mtu = int(raw, "mtu", path, callsign !== undefined ? ax25HeaderBytes + 1 : 1, kissMtuMax);
  let tnc: TncParameters | undefined;
  if (raw.tnc !== undefined) {
    const tp = `${path}.tnc`;
    const t = object(raw.tnc, tp);
    onlyKeys(t, tp, ["txDelayMs", "persistence", "slotTimeMs", "txTailMs", "fullDuplex"]);
    tnc = defined<TncParameters>({
      txDelayMs: int(t, "txDelayMs", tp, 0, 2550),
      persistence: int(t, "persistence", tp, 0, 255),
      slotTimeMs: int(t, "slotTimeMs", tp, 0, 2550),
      txTailMs: int(t, "txTailMs", tp, 0, 2550),
      fullDuplex: bool(t, "fullDuplex", tp),
    });
    if (raw.rnode !== undefined) {
      throw new RangeError(
        `${tp} cannot be combined with ${path}.rnode: RNode firmware uses KISS commands 1-5 for radio settings`,
      );
    }
  }
  let rnode: RnodeSettings | undefined;
  if (raw.rnode !== undefined) {
    const rp = `${path}.rnode`;
    const r = object(raw.rnode, rp);
    onlyKeys(r, rp, ["frequencyHz", "bandwidthHz", "txPowerDbm", "sf", "cr"]);
    const fields = {
      frequencyHz: int(r, "frequencyHz", rp, 137_000_000, 3_000_000_000),
      bandwidthHz: int(r, "bandwidthHz", rp, 7800, 1_625_000),
      txPowerDbm: int(r, "txPowerDbm", rp, 0, 37),
      sf: int(r, "sf", rp, 5, 12),
      cr: int(r, "cr", rp, 5, 8),
    };
    for (const [key, v] of Object.entries(fields)) {
      if (v === undefined) throw new TypeError(`${rp}.${key} is required to configure an RNode`);
    }
    rnode = fields as RnodeSettings;
  }
  return defined<KissOptions>({
    port: int(raw, "port", path, 0, 15),
    mtu,
    callsign,
    tnc,
    rnode,
    commandTimeoutMs: int(raw, "commandTimeoutMs", path, 100, 60_000),
    receiveQueueFramesMax: int(raw, "receiveQueueFramesMax", path, 1, 4096),
  });
}
