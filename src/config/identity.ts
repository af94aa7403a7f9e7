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
import { pkcs8Der, RAW_KEY_BYTES } from "../crypto/pkcs8.ts";
export { areaIdOf, bytesEqual, nodeIdOf } from "./node_id.ts";

/** The public key of a raw X25519 private key or Ed25519 seed (node:crypto). */
function publicOf(algorithm: "Ed25519" | "X25519", prv: Uint8Array): Uint8Array {
  const der = pkcs8Der(algorithm, prv);
  try {
    const key = createPrivateKey({ key: der as unknown as Buffer, format: "der", type: "pkcs8" });
    const spki = createPublicKey(key).export({ format: "der", type: "spki" });
    return new Uint8Array(spki.subarray(spki.length - RAW_KEY_BYTES));
  } finally {
    der.fill(0);
  }
}

function randomKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(RAW_KEY_BYTES));
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
  return publicOf("X25519", prv);
}

/** The Ed25519 public key of a 32-byte seed. */
export function ed25519PublicOf(seed: Uint8Array): Uint8Array {
  return publicOf("Ed25519", seed);
}
