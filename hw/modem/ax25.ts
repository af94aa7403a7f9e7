/**
 * AX.25 UI frames (AX.25 2.2, sections 3 and 6) as ferry uses them inside
 * KISS: TNCs such as Dire Wolf, TNC-Pi, Mobilinkd and Kantronics only put
 * AX.25 frames on the air and drop anything else their host sends.
 *
 * A ferry frame travels as the information field of a UI frame from the
 * station's callsign to the fixed destination {@linkcode FERRY_DESTINATION}
 * (which tells other stations, and ferry itself, what the frame is):
 *
 * | bytes | field |
 * |---|---|
 * | 7 | destination `FERRY-0`: six callsign characters shifted left one bit, space padded, then the SSID byte `C 1 1 S S S S 0` with C = 1 (command) |
 * | 7 | source (the `callsign` option) with C = 0 and the end bit (bit 0) set: no digipeaters |
 * | 1 | control 0x03 (UI, P/F clear) |
 * | 1 | PID 0xF0 (no layer 3) |
 * | n | the ferry frame |
 *
 * The 16-byte header counts against the TNC's maximum frame length, so the
 * link MTU is that length minus {@linkcode ax25HeaderBytes}.
 *
 * @example
 * ```ts
 * import { decodeUi, encodeUi, parseCallsign } from "./ax25.ts";
 * const me = parseCallsign("N0CALL-7");
 * const frame = encodeUi(me, new Uint8Array([1, 2, 3]));
 * const got = decodeUi(frame, parseCallsign("N1CALL"));
 * console.assert(got !== null && got.source.ssid === 7 && got.info.length === 3);
 * ```
 * @module
 */

/** A callsign and its secondary station identifier. */
export interface Callsign {
  /** 1-6 upper-case letters and digits. */
  call: string;
  /** 0-15. */
  ssid: number;
}

/** Destination address of every ferry frame: it identifies ferry on a shared channel. */
export const FERRY_DESTINATION: Readonly<Callsign> = Object.freeze({ call: "FERRY", ssid: 0 });
/** Bytes of one address field. */
export const ax25AddressBytes = 7;
/** Destination, source, control and PID. */
export const ax25HeaderBytes = 2 * ax25AddressBytes + 2;
/** Control byte of an unnumbered information (UI) frame, poll/final clear. */
export const AX25_UI = 0x03;
/** Bit of the control byte that is the poll/final flag. */
const PF_BIT = 0x10;
/** PID for "no layer 3 protocol". */
export const AX25_PID_NONE = 0xf0;
/** Addresses in a frame at most (destination, source, 8 digipeaters). */
export const ax25AddressesMax = 10;

/**
 * Parses `CALL` or `CALL-SSID` (case-insensitive). Throws `RangeError`
 * naming the rule broken: 1-6 letters or digits, SSID 0-15.
 */
export function parseCallsign(text: string): Callsign {
  const m = /^([A-Za-z0-9]{1,6})(?:-(\d{1,2}))?$/.exec(text);
  if (!m) {
    throw new RangeError(
      `callsign ${
        JSON.stringify(text)
      } must be 1-6 letters or digits, optionally followed by -SSID (for example N0CALL-7)`,
    );
  }
  const ssid = m[2] === undefined ? 0 : Number(m[2]);
  if (ssid > 15) {
    throw new RangeError(`callsign ${JSON.stringify(text)}: the SSID must be 0-15, not ${ssid}`);
  }
  return { call: m[1]!.toUpperCase(), ssid };
}

/** `CALL` or `CALL-SSID`. */
export function formatCallsign(c: Callsign): string {
  return c.ssid === 0 ? c.call : `${c.call}-${c.ssid}`;
}

/**
 * One address field: the callsign shifted left one bit and padded with
 * spaces, then `C R R S S S S E` (command/response bit, both reserved bits
 * set as AX.25 2.2 asks, SSID, end-of-address bit).
 */
export function encodeAddress(c: Callsign, commandBit: boolean, last: boolean): Uint8Array {
  const out = new Uint8Array(ax25AddressBytes);
  const padded = c.call.padEnd(6, " ");
  for (let i = 0; i < 6; i++) out[i] = padded.charCodeAt(i) << 1;
  out[6] = (commandBit ? 0x80 : 0) | 0x60 | ((c.ssid & 0x0f) << 1) | (last ? 1 : 0);
  return out;
}

/** Decodes the address at `offset`; null when a character is not a letter, digit or padding. */
export function decodeAddress(
  frame: Uint8Array,
  offset: number,
): { callsign: Callsign; last: boolean } | null {
  let call = "";
  let padding = false;
  for (let i = 0; i < 6; i++) {
    const byte = frame[offset + i]!;
    if (byte & 1) return null; // only the SSID byte may carry the end bit
    const ch = String.fromCharCode(byte >> 1);
    if (ch === " ") padding = true;
    else if (padding || !/[A-Z0-9]/.test(ch)) return null;
    else call += ch;
  }
  if (call.length === 0) return null;
  const s = frame[offset + 6]!;
  return { callsign: { call, ssid: (s >> 1) & 0x0f }, last: (s & 1) === 1 };
}

/** A UI frame from `source` to ferry carrying `info`. */
export function encodeUi(source: Callsign, info: Uint8Array): Uint8Array {
  const out = new Uint8Array(ax25HeaderBytes + info.length);
  out.set(encodeAddress(FERRY_DESTINATION, true, false), 0);
  out.set(encodeAddress(source, false, true), ax25AddressBytes);
  out[2 * ax25AddressBytes] = AX25_UI;
  out[2 * ax25AddressBytes + 1] = AX25_PID_NONE;
  out.set(info, ax25HeaderBytes);
  return out;
}

/** Why a received frame is not for ferry (counted, never an error). */
export type Ax25Ignore =
  | "malformed"
  | "not-ferry"
  | "not-ui"
  | "other-protocol"
  | "digipeated"
  | "own";

/** A ferry frame from a UI frame, or why the frame is not one. */
export type Ax25Received =
  | { source: Callsign; info: Uint8Array }
  | { ignored: Ax25Ignore };

/**
 * Unwraps a received AX.25 frame (as a KISS TNC hands it over, without
 * FCS). Only UI frames with PID 0xF0 addressed to ferry, straight from
 * another station (no digipeater path), with a non-empty information field
 * count; everything else on the channel (APRS, connected-mode traffic, our
 * own frames heard back) is reported as ignored.
 */
export function unwrapUi(frame: Uint8Array, own: Callsign): Ax25Received {
  if (frame.length < 2 * ax25AddressBytes + 1) return { ignored: "malformed" };
  const dest = decodeAddress(frame, 0);
  const src = decodeAddress(frame, ax25AddressBytes);
  if (!dest || !src || dest.last) return { ignored: "malformed" };
  if (dest.callsign.call !== FERRY_DESTINATION.call || dest.callsign.ssid !== 0) {
    return { ignored: "not-ferry" };
  }
  if (!src.last) return { ignored: "digipeated" };
  if ((frame[14]! & ~PF_BIT) !== AX25_UI) return { ignored: "not-ui" };
  if (frame.length < ax25HeaderBytes + 1 || frame[15] !== AX25_PID_NONE) {
    return { ignored: "other-protocol" };
  }
  if (src.callsign.call === own.call && src.callsign.ssid === own.ssid) {
    return { ignored: "own" };
  }
  return { source: src.callsign, info: frame.slice(ax25HeaderBytes) };
}

/** {@linkcode unwrapUi} returning the info field, or null for an ignored frame. */
export function decodeUi(
  frame: Uint8Array,
  own: Callsign,
): { source: Callsign; info: Uint8Array } | null {
  const got = unwrapUi(frame, own);
  return "ignored" in got ? null : got;
}
