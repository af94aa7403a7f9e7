/**
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320, as in zlib and
 * Ethernet, and Filespooler): the check on every frame ferry sends over a
 * link, and on Filespooler job files.
 *
 * @example
 * ```ts
 * import { crc32 } from "./crc32.ts";
 * console.assert(crc32(new TextEncoder().encode("123456789")) === 0xcbf43926);
 * ```
 * @module
 */

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 of `bytes[start, end)` as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Returns `body` followed by its CRC-32, big-endian (4 more bytes). */
export function appendCrc32(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body));
  return out;
}

/**
 * Checks a frame whose last 4 bytes are the big-endian CRC-32 of the rest;
 * returns the body without the check, or `null` when it does not match.
 */
export function stripCrc32(frame: Uint8Array): Uint8Array | null {
  if (frame.length < 5) return null;
  const end = frame.length - 4;
  const want = ((frame[end]! << 24) | (frame[end + 1]! << 16) | (frame[end + 2]! << 8) |
    frame[end + 3]!) >>> 0;
  return crc32(frame, 0, end) === want ? frame.subarray(0, end) : null;
}
