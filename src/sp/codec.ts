/**
 * The SP wire format (XDR, big-endian): the envelope around every Noise
 * message and the SP packets inside a decrypted payload.
 *
 * ```
 * envelope := opaque[8] "NNCPS\0\0\x01" ‖ u32 len ‖ payload ‖ zero pad to 4
 * packet   := u32 type ‖ body
 *   INFO(0) := u32 nice ‖ u64 size ‖ hash[32]
 *   FREQ(1) := hash[32] ‖ u64 offset
 *   FILE(2) := hash[32] ‖ u64 offset ‖ u32 len ‖ data ‖ zero pad to 4
 *   DONE(3) := hash[32]
 *   HALT(4), PING(5) := (no body)
 * ```
 *
 * A payload holds several packets back to back; {@linkcode packPayloads}
 * groups encoded packets into payloads of at most `spPayloadBytesMax`, and
 * {@linkcode padHandshake} pads the first payload with HALTs as NNCP does.
 *
 * @example
 * ```ts
 * import { decodePackets, encodePacket, SpType } from "./codec.ts";
 * const done = encodePacket({ type: SpType.Done, hash: new Uint8Array(32) });
 * console.assert(decodePackets(done)[0]!.type === SpType.Done);
 * ```
 * @module
 */

import { spHeadBytes, spPayloadBytesMax } from "./limits.ts";

/** The envelope magic, `NNCPS\0\0\x01`. */
export const spMagic = new Uint8Array([0x4e, 0x4e, 0x43, 0x50, 0x53, 0, 0, 1]);

/** SP packet types. */
export enum SpType {
  Info = 0,
  Freq = 1,
  File = 2,
  Done = 3,
  Halt = 4,
  Ping = 5,
}

/** One SP packet. */
export type SpPacket =
  | { type: SpType.Info; nice: number; size: number; hash: Uint8Array }
  | { type: SpType.Freq; hash: Uint8Array; offset: number }
  | { type: SpType.File; hash: Uint8Array; offset: number; data: Uint8Array }
  | { type: SpType.Done; hash: Uint8Array }
  | { type: SpType.Halt }
  | { type: SpType.Ping };

/** Bytes the peer sent that are not a valid SP payload or envelope. */
export class SpProtocolError extends Error {
  override name = "SpProtocolError";
}

const hashBytes = 32;

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function putU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, Math.floor(value / 2 ** 32));
  view.setUint32(at + 4, value % 2 ** 32);
}

function getU64(view: DataView, at: number): number {
  const value = view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
  if (!Number.isSafeInteger(value)) {
    throw new SpProtocolError(`SP number ${value} is beyond 2^53`);
  }
  return value;
}

/** Encodes one SP packet. */
export function encodePacket(p: SpPacket): Uint8Array {
  let body = 0;
  switch (p.type) {
    case SpType.Info:
      body = 4 + 8 + hashBytes;
      break;
    case SpType.Freq:
      body = hashBytes + 8;
      break;
    case SpType.File:
      body = hashBytes + 8 + 4 + p.data.length + pad4(p.data.length);
      break;
    case SpType.Done:
      body = hashBytes;
      break;
  }
  const out = new Uint8Array(spHeadBytes + body);
  const view = new DataView(out.buffer);
  view.setUint32(0, p.type);
  const at = spHeadBytes;
  switch (p.type) {
    case SpType.Info:
      view.setUint32(at, p.nice);
      putU64(view, at + 4, p.size);
      out.set(checkHash(p.hash), at + 12);
      break;
    case SpType.Freq:
      out.set(checkHash(p.hash), at);
      putU64(view, at + hashBytes, p.offset);
      break;
    case SpType.File:
      out.set(checkHash(p.hash), at);
      putU64(view, at + hashBytes, p.offset);
      view.setUint32(at + hashBytes + 8, p.data.length);
      out.set(p.data, at + hashBytes + 12);
      break;
    case SpType.Done:
      out.set(checkHash(p.hash), at);
      break;
  }
  return out;
}

function checkHash(hash: Uint8Array): Uint8Array {
  if (hash.length !== hashBytes) {
    throw new RangeError(`SP hash must be 32 bytes, not ${hash.length}`);
  }
  return hash;
}

/**
 * Decodes every packet of a decrypted payload. FILE data are views into
 * `payload`. Throws {@linkcode SpProtocolError} on a truncated packet, an
 * unknown type or a number out of range.
 */
export function decodePackets(payload: Uint8Array): SpPacket[] {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const out: SpPacket[] = [];
  let at = 0;
  const need = (n: number, what: string) => {
    if (at + n > payload.length) {
      throw new SpProtocolError(
        `SP ${what} is truncated: needs ${n} bytes at ${at}, payload has ${payload.length}`,
      );
    }
  };
  while (at < payload.length) {
    need(spHeadBytes, "packet head");
    const type = view.getUint32(at);
    at += spHeadBytes;
    switch (type) {
      case SpType.Info: {
        need(4 + 8 + hashBytes, "INFO");
        const nice = view.getUint32(at);
        if (nice > 255) throw new SpProtocolError(`SP INFO niceness ${nice} is over 255`);
        const size = getU64(view, at + 4);
        out.push({ type, nice, size, hash: payload.slice(at + 12, at + 12 + hashBytes) });
        at += 4 + 8 + hashBytes;
        break;
      }
      case SpType.Freq:
        need(hashBytes + 8, "FREQ");
        out.push({
          type,
          hash: payload.slice(at, at + hashBytes),
          offset: getU64(view, at + hashBytes),
        });
        at += hashBytes + 8;
        break;
      case SpType.File: {
        need(hashBytes + 12, "FILE");
        const hash = payload.slice(at, at + hashBytes);
        const offset = getU64(view, at + hashBytes);
        const len = view.getUint32(at + hashBytes + 8);
        at += hashBytes + 12;
        need(len + pad4(len), "FILE data");
        out.push({ type, hash, offset, data: payload.subarray(at, at + len) });
        at += len + pad4(len);
        break;
      }
      case SpType.Done:
        need(hashBytes, "DONE");
        out.push({ type, hash: payload.slice(at, at + hashBytes) });
        at += hashBytes;
        break;
      case SpType.Halt:
      case SpType.Ping:
        out.push({ type });
        break;
      default:
        throw new SpProtocolError(`SP packet type ${type} is unknown (0..5 are defined)`);
    }
  }
  return out;
}

/** Groups encoded packets into payloads of at most `spPayloadBytesMax` bytes each. */
export function packPayloads(packets: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let group: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
    if (group.length === 0) return;
    const buf = new Uint8Array(size);
    let at = 0;
    for (const g of group) {
      buf.set(g, at);
      at += g.length;
    }
    out.push(buf);
    group = [];
    size = 0;
  };
  for (const p of packets) {
    if (p.length > spPayloadBytesMax) throw new RangeError(`SP packet of ${p.length} bytes`);
    if (size + p.length > spPayloadBytesMax) flush();
    group.push(p);
    size += p.length;
  }
  flush();
  return out;
}

/**
 * Pads the first handshake payload with HALTs as NNCP 8.8.2 does: its loop
 * re-reads the growing length, so for `L` bytes of INFOs it appends
 * ceil((65280 − L) / 8) HALTs, not (65280 − L) / 4.
 */
export function padHandshake(infos: Uint8Array): Uint8Array {
  let halts = 0;
  while (
    halts < Math.floor((spPayloadBytesMax - infos.length - halts * spHeadBytes) / spHeadBytes)
  ) {
    halts++;
  }
  const out = new Uint8Array(infos.length + halts * spHeadBytes);
  out.set(infos, 0);
  const view = new DataView(out.buffer);
  for (let i = 0; i < halts; i++) view.setUint32(infos.length + i * spHeadBytes, SpType.Halt);
  return out;
}

/** Wraps a Noise message in an SP envelope. */
export function encodeEnvelope(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + payload.length + pad4(payload.length));
  out.set(spMagic, 0);
  new DataView(out.buffer).setUint32(8, payload.length);
  out.set(payload, 12);
  return out;
}

/** Checks an envelope head (12 bytes) and returns the payload length; throws on bad magic or size. */
export function parseEnvelopeHead(head: Uint8Array, payloadBytesMax: number): number {
  for (let i = 0; i < spMagic.length; i++) {
    if (head[i] !== spMagic[i]) {
      const text = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
      throw new SpProtocolError(
        `SP envelope magic ${text} is not NNCPS v1 (4e4e435053000001): not an NNCP peer, ` +
          "or an NNCP older than 5.0",
      );
    }
  }
  const len = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(8);
  if (len > payloadBytesMax) {
    throw new SpProtocolError(
      `SP envelope of ${len} bytes is over the limit of ${payloadBytesMax}`,
    );
  }
  return len;
}

/** The padded wire length of an envelope payload of `len` bytes. */
export function envelopeBodyBytes(len: number): number {
  return len + pad4(len);
}
