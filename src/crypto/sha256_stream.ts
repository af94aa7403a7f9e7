/**
 * Streaming SHA-256 (FIPS 180-4) in plain TypeScript with no dependency:
 * WebCrypto's digest takes the whole input at once, and `node:crypto` would
 * start the Node.js compatibility layer in a one-shot command (`ferry queue
 * write --content-name` names a job after its hash as it streams to disk).
 *
 * @example
 * ```ts
 * import { Sha256 } from "./sha256_stream.ts";
 * const h = new Sha256().update(new TextEncoder().encode("abc"));
 * console.assert(h.hex() === "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
 * ```
 * @module
 */

const K = new Uint32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

/** Bytes in one block. */
const BLOCK_BYTES = 64;

/** An incremental SHA-256: {@linkcode update} with each chunk, then {@linkcode digest} once. */
export class Sha256 {
  #h = new Uint32Array([
    0x6a09e667,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19,
  ]);
  #w = new Uint32Array(64);
  #block = new Uint8Array(BLOCK_BYTES);
  #filled = 0;
  #length = 0;
  #done = false;

  #compress(data: Uint8Array, off: number): void {
    const w = this.#w;
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      w[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    const h = this.#h;
    let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, k = h[7]!;
    for (let i = 0; i < 64; i++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (k + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = h[0]! + a;
    h[1] = h[1]! + b;
    h[2] = h[2]! + c;
    h[3] = h[3]! + d;
    h[4] = h[4]! + e;
    h[5] = h[5]! + f;
    h[6] = h[6]! + g;
    h[7] = h[7]! + k;
  }

  /** Adds `data` to what is hashed. */
  update(data: Uint8Array): this {
    if (this.#done) throw new Error("SHA-256: update after digest");
    this.#length += data.length;
    let off = 0;
    if (this.#filled > 0) {
      const take = Math.min(BLOCK_BYTES - this.#filled, data.length);
      this.#block.set(data.subarray(0, take), this.#filled);
      this.#filled += take;
      off = take;
      if (this.#filled < BLOCK_BYTES) return this;
      this.#compress(this.#block, 0);
      this.#filled = 0;
    }
    for (; off + BLOCK_BYTES <= data.length; off += BLOCK_BYTES) this.#compress(data, off);
    this.#block.set(data.subarray(off));
    this.#filled = data.length - off;
    return this;
  }

  /** The 32-byte digest; the hash takes no more data after it. */
  digest(): Uint8Array {
    if (!this.#done) {
      this.#done = true;
      const bits = this.#length * 8;
      const block = this.#block;
      block[this.#filled] = 0x80;
      block.fill(0, this.#filled + 1);
      if (this.#filled + 1 > BLOCK_BYTES - 8) {
        this.#compress(block, 0);
        block.fill(0);
      }
      const view = new DataView(block.buffer);
      view.setUint32(BLOCK_BYTES - 8, Math.floor(bits / 2 ** 32));
      view.setUint32(BLOCK_BYTES - 4, bits >>> 0);
      this.#compress(block, 0);
    }
    const out = new Uint8Array(32);
    const view = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) view.setUint32(i * 4, this.#h[i]!);
    return out;
  }

  /** The digest as lowercase hex. */
  hex(): string {
    return Array.from(this.digest(), (b) => b.toString(16).padStart(2, "0")).join("");
  }
}
