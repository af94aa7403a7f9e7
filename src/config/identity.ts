/**
 * Node identities: how NNCP derives a node id from its signing key, and how
 * fresh key sets are made.
 *
 * Public keys are derived with the runtime's native Ed25519/X25519
 * (`node:crypto`): every command checks the configuration's key pairs on
 * load, and the pure-JavaScript curve code would cost a one-shot command
 * about 0.15 s and 10 MiB for its tables. Tests check both against
 * `@noble/curves`.
 *
 * @example
 * ```ts
 * import { generateKeys, nodeIdOf } from "./identity.ts";
 * const keys = generateKeys();
 * console.assert(nodeIdOf(keys.signPub).length === 32);
 * ```
 * @module
 */

import { createPrivateKey, createPublicKey } from "node:crypto";
export { areaIdOf, bytesEqual, nodeIdOf } from "./node_id.ts";

/** PKCS#8 DER prefixes of a 32-byte Ed25519 seed and X25519 private key (RFC 8410). */
const PKCS8_ED25519 = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
const PKCS8_X25519 = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e];
const PKCS8_KEY = [0x04, 0x22, 0x04, 0x20];
const KEY_BYTES = 32;

function publicOf(prefix: readonly number[], prv: Uint8Array): Uint8Array {
  if (prv.length !== KEY_BYTES) {
    throw new RangeError(`A private key has ${KEY_BYTES} bytes, not ${prv.length}`);
  }
  const der = new Uint8Array(prefix.length + PKCS8_KEY.length + KEY_BYTES);
  der.set(prefix, 0);
  der.set(PKCS8_KEY, prefix.length);
  der.set(prv, prefix.length + PKCS8_KEY.length);
  try {
    const key = createPrivateKey({ key: der as unknown as Buffer, format: "der", type: "pkcs8" });
    const spki = createPublicKey(key).export({ format: "der", type: "spki" });
    return new Uint8Array(spki.subarray(spki.length - KEY_BYTES));
  } finally {
    der.fill(0);
  }
}

function randomKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(KEY_BYTES));
}

/** A complete key set for a new node. */
export interface KeySet {
  exchPub: Uint8Array;
  exchPrv: Uint8Array;
  signPub: Uint8Array;
  /** Seed then public key, 64 bytes, as NNCP stores it. */
  signPrv: Uint8Array;
  noisePub: Uint8Array;
  noisePrv: Uint8Array;
}

/** Makes fresh keys from the system's secure random source. */
export function generateKeys(): KeySet {
  const exchPrv = randomKey();
  const seed = randomKey();
  const signPub = ed25519PublicOf(seed);
  const signPrv = new Uint8Array(64);
  signPrv.set(seed, 0);
  signPrv.set(signPub, 32);
  const noisePrv = randomKey();
  return {
    exchPub: x25519PublicOf(exchPrv),
    exchPrv,
    signPub,
    signPrv,
    noisePub: x25519PublicOf(noisePrv),
    noisePrv,
  };
}

/** The X25519 public key of a private key. */
export function x25519PublicOf(prv: Uint8Array): Uint8Array {
  return publicOf(PKCS8_X25519, prv);
}

/** The Ed25519 public key of a 32-byte seed. */
export function ed25519PublicOf(seed: Uint8Array): Uint8Array {
  return publicOf(PKCS8_ED25519, seed);
}
