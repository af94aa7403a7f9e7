/**
 * Options of the KISS TNC driver, their limits and their check.
 * @module
 */

import { defined, int, object, onlyKeys } from "./_options.ts";

/**
 * Default MTU: RNode firmware splits anything over 255 bytes into two LoRa
 * packets (and loses the frame if either is lost), so ferry stays at 254.
 */
export const kissMtuDefault = 254;
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

/** Options of `openModem("kiss", ...)`. */
export interface KissOptions {
  /** TNC port, the high nibble of the command byte, 0-15. Default 0. */
  port?: number;
  /** Largest frame `send()` accepts, 1-2048. Default 254. */
  mtu?: number;
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
  onlyKeys(raw, path, ["port", "mtu", "rnode", "commandTimeoutMs", "receiveQueueFramesMax"]);
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
    mtu: int(raw, "mtu", path, 1, kissMtuMax),
    rnode,
    commandTimeoutMs: int(raw, "commandTimeoutMs", path, 100, 60_000),
    receiveQueueFramesMax: int(raw, "receiveQueueFramesMax", path, 1, 4096),
  });
}
