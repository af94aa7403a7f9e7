import { assertEquals, assertThrows } from "../assert.ts";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { ed25519PublicOf, generateKeys, x25519PublicOf } from "../../src/config/identity.ts";

Deno.test("native Ed25519/X25519 public keys equal @noble/curves' for random private keys", () => {
  for (let i = 0; i < 200; i++) {
    const prv = crypto.getRandomValues(new Uint8Array(32));
    assertEquals(ed25519PublicOf(prv), ed25519.getPublicKey(prv));
    assertEquals(x25519PublicOf(prv), x25519.getPublicKey(prv));
  }
  // All-zero and all-ones keys too (clamping of X25519 scalars).
  for (const fill of [0, 0xff]) {
    const prv = new Uint8Array(32).fill(fill);
    assertEquals(ed25519PublicOf(prv), ed25519.getPublicKey(prv));
    assertEquals(x25519PublicOf(prv), x25519.getPublicKey(prv));
  }
});

Deno.test("generated key sets are consistent pairs, and a short key is refused", () => {
  const keys = generateKeys();
  assertEquals(keys.signPub, ed25519.getPublicKey(keys.signPrv.subarray(0, 32)));
  assertEquals(keys.signPrv.subarray(32), keys.signPub);
  assertEquals(keys.exchPub, x25519.getPublicKey(keys.exchPrv));
  assertEquals(keys.noisePub, x25519.getPublicKey(keys.noisePrv));
  assertThrows(() => x25519PublicOf(new Uint8Array(31)), RangeError, "32 bytes");
});
