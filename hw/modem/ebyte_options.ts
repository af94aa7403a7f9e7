/**
 * Options of the Ebyte transparent-mode driver (E22, E220, E32), their
 * limits and their check.
 * @module
 */

import { bool, defined, int, object, oneOf, onlyKeys, type Raw, str } from "./_options.ts";

/** Ebyte module families and their air packet sizes (sub-packet setting), in bytes. */
export const EBYTE_PACKET_BYTES = {
  e22: [240, 128, 64, 32],
  e220: [200, 128, 64, 32],
  e32: [58],
} as const;

/** Module families. */
export type EbyteModel = keyof typeof EBYTE_PACKET_BYTES;

/** Margin on the computed airtime when pacing without AUX (ratio). */
export const ebytePaceMarginRatioDefault = 1.25;
/** Extra pause per packet when pacing without AUX (preamble, turnaround), in ms. */
export const ebytePacketGapMsDefault = 40;
/** Bound on waiting for AUX to go idle before a packet, in ms. */
export const ebyteAuxTimeoutMsDefault = 15_000;
/** After writing a packet, wait this long beyond its UART time for AUX to drop, in ms. */
export const ebyteAuxSettleMs = 3;
/** Silence that ends a received air packet when stripping RSSI bytes, beyond 3 byte times, in ms. */
export const ebyteRssiGapMsDefault = 5;

/** Where the AUX line is read. */
export type EbyteAux =
  | { gpioValuePath: string; activeLow?: boolean }
  | { cts: "idle-when-off" | "idle-when-on" };

/** Options of `openModem("ebyte", ...)`. */
export interface EbyteOptions {
  /** Module family. Default `e22`. */
  model?: EbyteModel;
  /** Air packet size the module is configured with. Default: the family's largest. */
  packetBytes?: number;
  /** Air data rate the module is configured with, in bit/s. Needed to pace without AUX. */
  airDataRateBps?: number;
  /** The AUX line. Without it the driver paces by the air data rate. */
  aux?: EbyteAux;
  /** UART speed, to time the bytes on the wire. Default: the port's, else 9600. */
  uartBaud?: number;
  /** Bound on AUX staying busy before a packet, in ms. Default 15000. */
  auxTimeoutMs?: number;
  /** Pacing margin on the airtime without AUX. Default 1.25. */
  paceMarginRatio?: number;
  /** Extra pause per packet without AUX, in ms. Default 40. */
  packetGapMs?: number;
  /** The module appends an RSSI byte to each received packet: strip it. Default false. */
  rssiByte?: boolean;
}

/** Checks options from the configuration; throws `TypeError`/`RangeError` naming the key. */
export function checkEbyteOptions(value: unknown, path = "ebyte"): EbyteOptions {
  const raw = object(value, path);
  onlyKeys(raw, path, [
    "model",
    "packetBytes",
    "airDataRateBps",
    "aux",
    "uartBaud",
    "auxTimeoutMs",
    "paceMarginRatio",
    "packetGapMs",
    "rssiByte",
  ]);
  const model = oneOf(raw, "model", path, ["e22", "e220", "e32"] as const) ?? "e22";
  const packetBytes = oneOf(
    raw,
    "packetBytes",
    path,
    EBYTE_PACKET_BYTES[model] as readonly number[],
  );
  const airDataRateBps = int(raw, "airDataRateBps", path, 300, 2_000_000);
  const aux = raw.aux === undefined
    ? undefined
    : checkAux(object(raw.aux, `${path}.aux`), `${path}.aux`);
  if (aux === undefined && airDataRateBps === undefined) {
    throw new TypeError(`${path}.airDataRateBps is required without ${path}.aux (pacing needs it)`);
  }
  const ratio = raw.paceMarginRatio;
  if (ratio !== undefined && (typeof ratio !== "number" || !(ratio >= 1 && ratio <= 10))) {
    throw new RangeError(
      `${path}.paceMarginRatio must be a number from 1 to 10, got ${String(ratio)}`,
    );
  }
  return defined<EbyteOptions>({
    model: raw.model === undefined ? undefined : model,
    packetBytes,
    airDataRateBps,
    aux,
    uartBaud: int(raw, "uartBaud", path, 1200, 1_000_000),
    auxTimeoutMs: int(raw, "auxTimeoutMs", path, 10, 600_000),
    paceMarginRatio: ratio as number | undefined,
    packetGapMs: int(raw, "packetGapMs", path, 0, 10_000),
    rssiByte: bool(raw, "rssiByte", path),
  });
}

function checkAux(raw: Raw, path: string): EbyteAux {
  if ("gpioValuePath" in raw) {
    onlyKeys(raw, path, ["gpioValuePath", "activeLow"]);
    const gpioValuePath = str(raw, "gpioValuePath", path) ?? "";
    const activeLow = bool(raw, "activeLow", path);
    return activeLow === undefined ? { gpioValuePath } : { gpioValuePath, activeLow };
  }
  onlyKeys(raw, path, ["cts"]);
  const cts = oneOf(raw, "cts", path, ["idle-when-off", "idle-when-on"] as const);
  if (cts === undefined) throw new TypeError(`${path} needs gpioValuePath or cts`);
  return { cts };
}
