/**
 * The few XDR pieces NNCP's packets use: big-endian 32- and 64-bit unsigned
 * integers. 64-bit values are read as exact JavaScript numbers, or refused
 * when they pass 2^53 − 1.
 *
 * @example
 * ```ts
 * import { readU64, writeU64 } from "./xdr.ts";
 * const buf = new Uint8Array(8);
 * writeU64(buf, 0, 2 ** 40 + 5);
 * console.assert(readU64(buf, 0) === 2 ** 40 + 5);
 * ```
 * @module
 */

/** Writes `value` as a big-endian u32 at `offset`. */
export function writeU32(buf: Uint8Array, offset: number, value: number): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint32(offset, value);
}

/** Reads a big-endian u32 at `offset`. */
export function readU32(buf: Uint8Array, offset: number): number {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(offset);
}

/** Writes a safe integer as a big-endian u64 at `offset`. */
export function writeU64(buf: Uint8Array, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Cannot encode ${value} as an unsigned 64-bit integer`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  view.setUint32(offset, Math.floor(value / 2 ** 32));
  view.setUint32(offset + 4, value >>> 0);
}

/** Reads a big-endian u64 at `offset`; returns -1 when it exceeds 2^53 − 1. */
export function readU64(buf: Uint8Array, offset: number): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const high = view.getUint32(offset);
  const low = view.getUint32(offset + 4);
  if (high >= 2 ** 21) return -1;
  return high * 2 ** 32 + low;
}

/** True when two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
