/**
 * CRC-32 as zlib computes it (CRC-32/ISO-HDLC: reflected polynomial
 * `0xEDB88320`, initial value and final XOR `0xFFFFFFFF`). Filespooler
 * protects a job file's prefix and metadata with it.
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

/** The CRC-32 of `bytes`, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}
