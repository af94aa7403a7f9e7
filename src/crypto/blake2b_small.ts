/**
 * BLAKE2b (RFC 7693) in plain TypeScript with no dependency, for the few
 * short inputs a one-shot command hashes: node and area ids are BLAKE2b-256
 * of a 32-byte public key. Loading it costs nothing; on bulk data use
 * {@linkcode ./blake2b.ts}. 64-bit words are pairs of 32-bit halves (low
 * first), so a cold call allocates nothing.
 *
 * @example
 * ```ts
 * import { blake2bSmall } from "./blake2b_small.ts";
 * console.assert(blake2bSmall(new Uint8Array(32), 32).length === 32);
 * ```
 * @module
 */

/** The IV as 32-bit halves, low half first. */
const IV = new Uint32Array([
  0xf3bcc908,
  0x6a09e667,
  0x84caa73b,
  0xbb67ae85,
  0xfe94f82b,
  0x3c6ef372,
  0x5f1d36f1,
  0xa54ff53a,
  0xade682d1,
  0x510e527f,
  0x2b3e6c1f,
  0x9b05688c,
  0xfb41bd6b,
  0x1f83d9ab,
  0x137e2179,
  0x5be0cd19,
]);

const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/** Bytes in one block. */
const BLOCK_BYTES = 128;

/** v[a] += v[b] (64-bit words at even indices a and b). */
function add(v: Uint32Array, a: number, b: number): void {
  const lo = v[a]! + v[b]!;
  v[a + 1] = v[a + 1]! + v[b + 1]! + (lo >= 0x100000000 ? 1 : 0);
  v[a] = lo;
}

/** v[a] += the 64-bit word (lo, hi). */
function addWord(v: Uint32Array, a: number, lo: number, hi: number): void {
  const sum = v[a]! + lo;
  v[a + 1] = v[a + 1]! + hi + (sum >= 0x100000000 ? 1 : 0);
  v[a] = sum;
}

/** The mixing function G on words a, b, c, d of `v` with message words x and y of `m`. */
function g(
  v: Uint32Array,
  m: Uint32Array,
  a: number,
  b: number,
  c: number,
  d: number,
  x: number,
  y: number,
): void {
  a *= 2, b *= 2, c *= 2, d *= 2, x *= 2, y *= 2;
  add(v, a, b);
  addWord(v, a, m[x]!, m[x + 1]!);
  let lo = v[d]! ^ v[a]!, hi = v[d + 1]! ^ v[a + 1]!;
  v[d] = hi; // rotate right 32
  v[d + 1] = lo;
  add(v, c, d);
  lo = v[b]! ^ v[c]!, hi = v[b + 1]! ^ v[c + 1]!;
  v[b] = (lo >>> 24) | (hi << 8); // rotate right 24
  v[b + 1] = (hi >>> 24) | (lo << 8);
  add(v, a, b);
  addWord(v, a, m[y]!, m[y + 1]!);
  lo = v[d]! ^ v[a]!, hi = v[d + 1]! ^ v[a + 1]!;
  v[d] = (lo >>> 16) | (hi << 16); // rotate right 16
  v[d + 1] = (hi >>> 16) | (lo << 16);
  add(v, c, d);
  lo = v[b]! ^ v[c]!, hi = v[b + 1]! ^ v[c + 1]!;
  v[b] = (hi >>> 31) | (lo << 1); // rotate right 63
  v[b + 1] = (lo >>> 31) | (hi << 1);
}

function compress(h: Uint32Array, block: Uint8Array, counter: number, last: boolean): void {
  const view = new DataView(block.buffer, block.byteOffset, BLOCK_BYTES);
  const m = new Uint32Array(32);
  for (let i = 0; i < 32; i++) m[i] = view.getUint32(i * 4, true);
  const v = new Uint32Array(32);
  v.set(h, 0);
  v.set(IV, 16);
  v[24] = v[24]! ^ (counter >>> 0);
  v[25] = v[25]! ^ Math.floor(counter / 0x100000000);
  if (last) {
    v[28] = ~v[28]!;
    v[29] = ~v[29]!;
  }
  for (let r = 0; r < 12; r++) {
    const s = SIGMA[r % 10]!;
    g(v, m, 0, 4, 8, 12, s[0]!, s[1]!);
    g(v, m, 1, 5, 9, 13, s[2]!, s[3]!);
    g(v, m, 2, 6, 10, 14, s[4]!, s[5]!);
    g(v, m, 3, 7, 11, 15, s[6]!, s[7]!);
    g(v, m, 0, 5, 10, 15, s[8]!, s[9]!);
    g(v, m, 1, 6, 11, 12, s[10]!, s[11]!);
    g(v, m, 2, 7, 8, 13, s[12]!, s[13]!);
    g(v, m, 3, 4, 9, 14, s[14]!, s[15]!);
  }
  for (let i = 0; i < 16; i++) h[i] = h[i]! ^ v[i]! ^ v[i + 16]!;
}

/** Unkeyed BLAKE2b of `data` with a digest of `outBytes` (1 to 64) bytes. */
export function blake2bSmall(data: Uint8Array, outBytes: number): Uint8Array {
  if (!Number.isInteger(outBytes) || outBytes < 1 || outBytes > 64) {
    throw new RangeError(`a BLAKE2b digest has 1 to 64 bytes, not ${outBytes}`);
  }
  const h = new Uint32Array(IV);
  h[0] = h[0]! ^ 0x01010000 ^ outBytes;
  const block = new Uint8Array(BLOCK_BYTES);
  let off = 0;
  // Every full block but the last is compressed as it comes; the last (even empty) is final.
  while (data.length - off > BLOCK_BYTES) {
    block.set(data.subarray(off, off + BLOCK_BYTES));
    off += BLOCK_BYTES;
    compress(h, block, off, false);
  }
  block.fill(0);
  block.set(data.subarray(off));
  compress(h, block, data.length, true);
  const out = new Uint8Array(64);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 16; i++) view.setUint32(i * 4, h[i]!, true);
  return out.slice(0, outBytes);
}
