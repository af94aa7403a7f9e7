/**
 * The dependency-free pieces that keep one-shot commands light agree with
 * the libraries they stand in for: BLAKE2b (node ids) with @noble/hashes,
 * streaming SHA-256 (content-named queue jobs) with node:crypto, and the
 * WebCrypto key-pair derivation with node:crypto's.
 */

import { assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { blake2b } from "@noble/hashes/blake2.js";
import { createHash } from "node:crypto";
import { blake2bSmall } from "../../src/crypto/blake2b_small.ts";
import { Sha256 } from "../../src/crypto/sha256_stream.ts";
import { ed25519PublicOf, x25519PublicOf } from "../../src/config/identity.ts";
import { ed25519PublicOfAsync, x25519PublicOfAsync } from "../../src/config/key_pairs.ts";

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) out[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

Deno.test("BLAKE2b without dependencies equals @noble/hashes for every block boundary", () => {
  for (const n of [0, 1, 31, 32, 33, 127, 128, 129, 255, 256, 257, 1000, 4096]) {
    const data = bytes(n, n + 1);
    for (const out of [1, 32, 64]) {
      assertEquals(
        blake2bSmall(data, out),
        blake2b(data, { dkLen: out }),
        `${n} bytes, ${out} out`,
      );
    }
  }
  assertThrows(() => blake2bSmall(new Uint8Array(1), 65), RangeError);
  assertThrows(() => blake2bSmall(new Uint8Array(1), 0), RangeError);
});

Deno.test("streaming SHA-256 equals node:crypto, whatever the chunk sizes", () => {
  const known = new Sha256().update(new TextEncoder().encode("abc")).hex();
  assertEquals(known, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70_000]) {
    const data = bytes(n, 7 * n + 3);
    for (const chunk of [1, 7, 64, 100, 65_536]) {
      const h = new Sha256();
      for (let off = 0; off < n; off += chunk) h.update(data.subarray(off, off + chunk));
      assertEquals(h.hex(), createHash("sha256").update(data).digest("hex"), `${n}/${chunk}`);
    }
  }
  const done = new Sha256();
  done.digest();
  assertThrows(() => done.update(new Uint8Array(1)), Error, "after digest");
});

Deno.test("WebCrypto gives the same X25519 and Ed25519 public keys as node:crypto", async () => {
  for (let i = 0; i < 8; i++) {
    const prv = crypto.getRandomValues(new Uint8Array(32));
    assertEquals(await x25519PublicOfAsync(prv), x25519PublicOf(prv));
    assertEquals(await ed25519PublicOfAsync(prv), ed25519PublicOf(prv));
  }
  await assertRejects(() => x25519PublicOfAsync(new Uint8Array(31)), RangeError);
});
