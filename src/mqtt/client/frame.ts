/**
 * MQTT framing: the fixed header (packet type, flags, remaining length as a
 * variable byte integer) found in place in a read buffer, and a small
 * builder for the packets ferry sends rarely (CONNECT, SUBSCRIBE,
 * DISCONNECT). Hostile bytes throw: `SyntaxError` for a malformed variable
 * byte integer, `RangeError` for a packet larger than we accept.
 *
 * ```ts
 * import { findFrame } from "./frame.ts";
 * const f = findFrame(new Uint8Array([0xd0, 0x00]), 0, 2, 1024);
 * console.assert(f !== null && f.type === 13 && f.end === 2);
 * ```
 * @module
 */

import { clientLimits } from "./limits.ts";

/** MQTT 5 control packet types. */
export const PacketType = {
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  pubrec: 5,
  pubrel: 6,
  pubcomp: 7,
  subscribe: 8,
  suback: 9,
  unsubscribe: 10,
  unsuback: 11,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
  auth: 15,
} as const;

/** Names of packet types, for messages. */
export const packetNames = [
  "reserved",
  "CONNECT",
  "CONNACK",
  "PUBLISH",
  "PUBACK",
  "PUBREC",
  "PUBREL",
  "PUBCOMP",
  "SUBSCRIBE",
  "SUBACK",
  "UNSUBSCRIBE",
  "UNSUBACK",
  "PINGREQ",
  "PINGRESP",
  "DISCONNECT",
  "AUTH",
] as const;

/** One whole packet found in a buffer: the body lies in `[bodyAt, end)`. */
export interface Frame {
  type: number;
  flags: number;
  bodyAt: number;
  end: number;
}

/** A frame whose header is read but whose body has not fully arrived. */
export interface PartialFrame {
  /** Total bytes of the packet (header and body). */
  total: number;
}

/**
 * Reads a variable byte integer at `at` (before `end`): `[value, length]`,
 * or null when its bytes have not all arrived. Throws `SyntaxError` on a
 * fifth byte.
 */
export function readVarint(buf: Uint8Array, at: number, end: number): [number, number] | null {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 4; i++) {
    if (at + i >= end) return null;
    const b = buf[at + i]!;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, i + 1];
    mul *= 128;
  }
  throw new SyntaxError("malformed variable byte integer (more than 4 bytes)");
}

/** Bytes a variable byte integer takes. */
export function varintBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

/** Writes a variable byte integer at `at`; returns where it ends. */
export function writeVarint(out: Uint8Array, at: number, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > clientLimits.remainingBytesMax) {
    throw new RangeError(`variable byte integer ${n} is out of range`);
  }
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out[at++] = b;
  } while (n > 0);
  return at;
}

/**
 * Finds the packet starting at `at`: a {@linkcode Frame} when all of it is
 * in `[at, end)`, a {@linkcode PartialFrame} when its header is there but
 * not its body, or null when not even the header is. Throws `RangeError`
 * when the packet is larger than `packetBytesMax` (the maximum packet size
 * we announced) and `SyntaxError` for a malformed length or packet type 0.
 */
export function findFrame(
  buf: Uint8Array,
  at: number,
  end: number,
  packetBytesMax: number,
): Frame | PartialFrame | null {
  if (at >= end) return null;
  const first = buf[at]!;
  const type = first >> 4;
  if (type === 0) throw new SyntaxError("packet type 0 is reserved");
  const len = readVarint(buf, at + 1, end);
  if (!len) return null;
  const total = 1 + len[1] + len[0];
  if (total > packetBytesMax) {
    throw new RangeError(
      `${
        packetNames[type]
      } of ${total} bytes is larger than our maximum packet size ${packetBytesMax}`,
    );
  }
  if (at + total > end) return { total };
  return { type, flags: first & 0x0f, bodyAt: at + 1 + len[1], end: at + total };
}

const encoder = new TextEncoder();

/** Builds a packet field by field (for packets sent rarely; it allocates). */
export class Builder {
  #parts: number[] = [];

  /** One byte. */
  u8(n: number): this {
    this.#parts.push(n & 0xff);
    return this;
  }
  /** Two bytes, big-endian. */
  u16(n: number): this {
    return this.u8(n >> 8).u8(n);
  }
  /** Four bytes, big-endian. */
  u32(n: number): this {
    return this.u16(Math.floor(n / 65536)).u16(n % 65536);
  }
  /** A variable byte integer. */
  varint(n: number): this {
    const tmp = new Uint8Array(4);
    const len = writeVarint(tmp, 0, n);
    for (let i = 0; i < len; i++) this.u8(tmp[i]!);
    return this;
  }
  /** Binary data with a two-byte length. */
  binary(bytes: Uint8Array): this {
    if (bytes.length > 65_535) throw new RangeError(`${bytes.length} bytes do not fit a field`);
    this.u16(bytes.length);
    for (const b of bytes) this.u8(b);
    return this;
  }
  /** A UTF-8 string with a two-byte length. */
  string(text: string): this {
    return this.binary(encoder.encode(text));
  }
  /** Another builder's bytes preceded by their length as a variable byte integer. */
  block(inner: Builder): this {
    const bytes = inner.bytes();
    this.varint(bytes.length);
    for (const b of bytes) this.u8(b);
    return this;
  }
  /** What was built. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
  /** A whole packet: fixed header byte, remaining length, what was built. */
  packet(first: number): Uint8Array {
    return new Builder().u8(first).block(this).bytes();
  }
}
