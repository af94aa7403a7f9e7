/**
 * The frames of ferry's link protocol and their byte layout. The link
 * below (a {@linkcode CheckedLink}) adds the CRC-32 and, on byte streams,
 * the COBS framing.
 *
 * Data frame, 2-byte header then fragment bytes:
 * ```
 * byte 0: 1 | rem (6 bits) | epoch bit      byte 1: seq
 * ```
 * `rem` is the number of frames that follow in the same turn (0: last
 * frame, "your turn"); `seq` is the fragment index modulo 256; the epoch
 * bit is the low bit of the receiver's numbering epoch (from ACCEPT), so
 * frames counted in an older numbering are told apart.
 *
 * Control frame, 2-byte header then a fixed-size body per type:
 * ```
 * byte 0: 0 | type (7 bits)      byte 1: 0 | idle | rem (6 bits)
 * ```
 * `idle` means the sender has nothing to send and nothing in progress.
 *
 * | type | body |
 * |---|---|
 * | 1 HELLO | version u8, flags u8 (bit 0: established), nonce u32, echo u32, from-tag u32, to-tag u32 |
 * | 2 OFFER | id[32], size u64, nice u8, fragment bytes u16 |
 * | 3 ACCEPT | id[32], origin u64, base fragment u32, fragment bytes u16, epoch u8, bitmap[8] |
 * | 4 REJECT | id[32], reason u8 |
 * | 5 ACK | id tag u32, epoch u8, base fragment u32, bitmap[8] (bit i: fragment base + i received) |
 * | 6 VERIFIED | id[32] |
 * | 7 TURN | (none): passes the turn |
 * | 8 HOLD | ms u32: "my next turn may start up to ms late" |
 * | 9 BYE | (none) |
 *
 * All integers are big-endian.
 *
 * @example
 * ```ts
 * import { decodeFrame, encodeFrame } from "./frames.ts";
 * const bytes = encodeFrame({ kind: "data", rem: 3, epoch: 1, seq: 200, payload: new Uint8Array([9]) });
 * const back = decodeFrame(bytes);
 * console.assert(back.kind === "data" && back.seq === 200 && back.rem === 3);
 * ```
 * @module
 */

import {
  bitmapBits,
  controlFrameBytes,
  controlKinds,
  dataHeaderBytes,
  type Frame,
  FrameError,
  packetIdBytes,
  seqModulo,
  turnFramesMax,
} from "./frame_types.ts";

export * from "./frame_types.ts";

/** Encodes a frame; throws `RangeError` on a field out of range (a programming error). */
export function encodeFrame(frame: Frame): Uint8Array {
  if (!(frame.rem >= 0 && frame.rem < turnFramesMax)) throw new RangeError(`rem ${frame.rem}`);
  if (frame.kind === "data") {
    if (!(frame.seq >= 0 && frame.seq < seqModulo)) throw new RangeError(`seq ${frame.seq}`);
    const out = new Uint8Array(dataHeaderBytes + frame.payload.length);
    out[0] = 0x80 | (frame.rem << 1) | (frame.epoch & 1);
    out[1] = frame.seq;
    out.set(frame.payload, dataHeaderBytes);
    return out;
  }
  const out = new Uint8Array(controlFrameBytes(frame.kind));
  const v = new DataView(out.buffer);
  out[0] = controlKinds.indexOf(frame.kind) + 1;
  out[1] = (frame.idle ? 0x40 : 0) | frame.rem;
  switch (frame.kind) {
    case "hello":
      out[2] = frame.version;
      out[3] = frame.established ? 1 : 0;
      v.setUint32(4, frame.nonce);
      v.setUint32(8, frame.echo);
      v.setUint32(12, frame.fromTag);
      v.setUint32(16, frame.toTag);
      break;
    case "offer":
      putId(out, frame.id);
      putU64(v, 34, frame.size);
      out[42] = frame.nice;
      v.setUint16(43, frame.fragBytes);
      break;
    case "accept":
      putId(out, frame.id);
      putU64(v, 34, frame.offset);
      v.setUint32(42, frame.base);
      v.setUint16(46, frame.fragBytes);
      out[48] = frame.epoch;
      out.set(checkBitmap(frame.bitmap), 49);
      break;
    case "reject":
      putId(out, frame.id);
      out[34] = frame.reason;
      break;
    case "ack":
      v.setUint32(2, frame.tag);
      out[6] = frame.epoch;
      v.setUint32(7, frame.base);
      out.set(checkBitmap(frame.bitmap), 11);
      break;
    case "verified":
      putId(out, frame.id);
      break;
    case "hold":
      v.setUint32(2, frame.ms);
      break;
    case "turn":
    case "bye":
      break;
  }
  return out;
}

/** Decodes a frame; throws {@linkcode FrameError} when its shape is wrong. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < 2) {
    throw new FrameError("short", `Frame of ${bytes.length} bytes is too short`);
  }
  const b0 = bytes[0]!, b1 = bytes[1]!;
  if (b0 & 0x80) {
    if (bytes.length < 3) throw new FrameError("short", "Data frame without payload");
    return {
      kind: "data",
      rem: (b0 >> 1) & 0x3f,
      epoch: b0 & 1,
      seq: b1,
      payload: bytes.subarray(2),
    };
  }
  const kind = controlKinds[b0 - 1];
  if (kind === undefined) throw new FrameError("unknown-type", `Unknown frame type ${b0}`);
  if (bytes.length !== controlFrameBytes(kind)) {
    throw new FrameError(
      "bad-length",
      `${kind} frame of ${bytes.length} bytes, expected ${controlFrameBytes(kind)}`,
    );
  }
  if (b1 & 0x80) throw new FrameError("bad-field", `${kind} frame with reserved flag bit set`);
  const turn = { rem: b1 & 0x3f, idle: (b1 & 0x40) !== 0 };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = () => bytes.slice(2, 2 + packetIdBytes);
  switch (kind) {
    case "hello":
      return {
        kind,
        ...turn,
        version: bytes[2]!,
        established: (bytes[3]! & 1) === 1,
        nonce: v.getUint32(4),
        echo: v.getUint32(8),
        fromTag: v.getUint32(12),
        toTag: v.getUint32(16),
      };
    case "offer":
      return {
        kind,
        ...turn,
        id: id(),
        size: getU64(v, 34),
        nice: bytes[42]!,
        fragBytes: v.getUint16(43),
      };
    case "accept":
      return {
        kind,
        ...turn,
        id: id(),
        offset: getU64(v, 34),
        base: v.getUint32(42),
        fragBytes: v.getUint16(46),
        epoch: bytes[48]!,
        bitmap: bytes.slice(49, 57),
      };
    case "reject":
      return { kind, ...turn, id: id(), reason: bytes[34]! };
    case "ack":
      return {
        kind,
        ...turn,
        tag: v.getUint32(2),
        epoch: bytes[6]!,
        base: v.getUint32(7),
        bitmap: bytes.slice(11, 19),
      };
    case "verified":
      return { kind, ...turn, id: id() };
    case "hold":
      return { kind, ...turn, ms: v.getUint32(2) };
    case "turn":
    case "bye":
      return { kind, ...turn };
  }
}

function putId(out: Uint8Array, id: Uint8Array): void {
  if (id.length !== packetIdBytes) throw new RangeError(`packet id of ${id.length} bytes`);
  out.set(id, 2);
}

function checkBitmap(bitmap: Uint8Array): Uint8Array {
  if (bitmap.length !== bitmapBits / 8) throw new RangeError(`bitmap of ${bitmap.length} bytes`);
  return bitmap;
}

function putU64(v: DataView, at: number, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`u64 field ${n}`);
  v.setUint32(at, Math.floor(n / 2 ** 32));
  v.setUint32(at + 4, n >>> 0);
}

function getU64(v: DataView, at: number): number {
  const hi = v.getUint32(at);
  if (hi >= 2 ** 21) throw new FrameError("bad-field", `64-bit field above 2^53 (high word ${hi})`);
  return hi * 2 ** 32 + v.getUint32(at + 4);
}

/** The 4-byte tag of a packet id used in ACKs (its first 4 bytes). */
export function idTag(id: Uint8Array): number {
  return ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 0;
}
