/**
 * Options of the RAK3172 (RUI3 AT firmware, LoRa P2P) driver, their limits
 * and their check.
 * @module
 */

import { defined, int, object, oneOf, onlyKeys } from "./_options.ts";

/** Largest P2P payload, in bytes. */
export const rak3172FrameBytesMax = 255;
/** Default bound on a command's `OK` / `AT_*_ERROR`, in ms. */
export const rak3172CommandTimeoutMsDefault = 2000;
/** Bound on `+EVT:TXP2P DONE` when the radio settings are unknown, in ms. */
export const rak3172TxDoneTimeoutMsDefault = 20_000;
/** Bound on the module coming back after `AT+NWM=0` reboots it, in ms. */
export const rak3172RebootTimeoutMsDefault = 8000;
/** Pause between `AT` probes while the module reboots, in ms. */
export const rak3172ProbeIntervalMs = 250;
/** Pause before retrying to re-arm the receiver after a failure, in ms. */
export const rak3172RearmRetryMs = 1000;

/**
 * How the module listens. `stop-to-send` is `AT+PRECV=65534` (listen
 * until stopped; the driver sends `AT+PRECV=0` before each `AT+PSEND` and
 * re-arms after `+EVT:TXP2P DONE`), understood by every RUI3 release.
 * `tx-compatible` is `AT+PRECV=65533` (newer RUI3: keeps listening and
 * allows `AT+PSEND`, returning to receive by itself), one round trip less
 * per frame.
 */
export type Rak3172ReceiveMode = "stop-to-send" | "tx-compatible";

/** `AT+P2P` settings; all six are sent together. */
export interface Rak3172P2pSettings {
  /** 150000000-960000000 Hz (the module's hardware variant narrows it). */
  freqHz: number;
  /** Spreading factor 5-12. */
  sf: number;
  /** Bandwidth in kHz. */
  bwKhz: 125 | 250 | 500;
  /** Coding rate. */
  cr: "4/5" | "4/6" | "4/7" | "4/8";
  /** Preamble length, 5-65535 symbols. */
  preamble: number;
  /** Output power, 5-22 dBm. */
  powerDbm: number;
}

/** Options of `openModem("rak3172", ...)`. */
export interface Rak3172Options {
  /** P2P radio settings to apply with `AT+P2P`. Default: keep the module's. */
  p2p?: Rak3172P2pSettings;
  /** How to listen. Default `stop-to-send`. */
  receiveMode?: Rak3172ReceiveMode;
  /** Bound on each command's answer, in ms. Default 2000. */
  commandTimeoutMs?: number;
  /** Bound on `+EVT:TXP2P DONE` after `OK`, in ms. Default: twice the airtime of 255 bytes plus 2 s. */
  txDoneTimeoutMs?: number;
  /**
   * Least time between the end of one transmission and the next, in ms.
   * Default 0: a RUI3 receiver in continuous mode keeps listening between
   * frames. Raise it when the peer is a radio that must re-arm (RN2483).
   */
  txGapMs?: number;
  /** Bound on the reboot after switching to P2P mode, in ms. Default 8000. */
  rebootTimeoutMs?: number;
  /** Received frames held for `receive()` before the oldest is dropped. Default 64. */
  receiveQueueFramesMax?: number;
}

/** Checks options from the configuration; throws `TypeError`/`RangeError` naming the key. */
export function checkRak3172Options(value: unknown, path = "rak3172"): Rak3172Options {
  const raw = object(value, path);
  onlyKeys(raw, path, [
    "p2p",
    "receiveMode",
    "commandTimeoutMs",
    "txDoneTimeoutMs",
    "txGapMs",
    "rebootTimeoutMs",
    "receiveQueueFramesMax",
  ]);
  let p2p: Rak3172P2pSettings | undefined;
  if (raw.p2p !== undefined) {
    const pp = `${path}.p2p`;
    const p = object(raw.p2p, pp);
    onlyKeys(p, pp, ["freqHz", "sf", "bwKhz", "cr", "preamble", "powerDbm"]);
    const fields = {
      freqHz: int(p, "freqHz", pp, 150_000_000, 960_000_000),
      sf: int(p, "sf", pp, 5, 12),
      bwKhz: oneOf(p, "bwKhz", pp, [125, 250, 500] as const),
      cr: oneOf(p, "cr", pp, ["4/5", "4/6", "4/7", "4/8"] as const),
      preamble: int(p, "preamble", pp, 5, 65535),
      powerDbm: int(p, "powerDbm", pp, 5, 22),
    };
    for (const [key, v] of Object.entries(fields)) {
      if (v === undefined) throw new TypeError(`${pp}.${key} is required (AT+P2P sets all six)`);
    }
    p2p = fields as Rak3172P2pSettings;
  }
  return defined<Rak3172Options>({
    p2p,
    receiveMode: oneOf(raw, "receiveMode", path, ["stop-to-send", "tx-compatible"] as const),
    commandTimeoutMs: int(raw, "commandTimeoutMs", path, 100, 60_000),
    txDoneTimeoutMs: int(raw, "txDoneTimeoutMs", path, 100, 600_000),
    txGapMs: int(raw, "txGapMs", path, 0, 60_000),
    rebootTimeoutMs: int(raw, "rebootTimeoutMs", path, 500, 60_000),
    receiveQueueFramesMax: int(raw, "receiveQueueFramesMax", path, 1, 4096),
  });
}

/** The `AT+P2P=freq:sf:bw:cr:preamble:power` command. */
export function rak3172P2pCommand(p: Rak3172P2pSettings): string {
  const cr = Number(p.cr.slice(2)) - 5;
  return `AT+P2P=${p.freqHz}:${p.sf}:${p.bwKhz}:${cr}:${p.preamble}:${p.powerDbm}`;
}
