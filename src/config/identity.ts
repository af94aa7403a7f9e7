/**
 * Node identities: how NNCP derives a node id from its signing key, and how
 * fresh key sets are made.
 *
 * @example
 * ```ts
 * import { generateKeys, nodeIdOf } from "./identity.ts";
 * const keys = generateKeys();
 * console.assert(nodeIdOf(keys.signPub).length === 32);
 * ```
 * @module
 */

import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { blake2b } from "@noble/hashes/blake2.js";

/** A node id is BLAKE2b-256 of the node's Ed25519 public key. */
export function nodeIdOf(signPub: Uint8Array): Uint8Array {
  return blake2b(signPub, { dkLen: 32 });
}

/** An area id is BLAKE2b-256 of the area's X25519 public key. */
export function areaIdOf(pub: Uint8Array): Uint8Array {
  return blake2b(pub, { dkLen: 32 });
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
  const exchPrv = x25519.utils.randomSecretKey();
  const seed = ed25519.utils.randomSecretKey();
  const signPub = ed25519.getPublicKey(seed);
  const signPrv = new Uint8Array(64);
  signPrv.set(seed, 0);
  signPrv.set(signPub, 32);
  const noisePrv = x25519.utils.randomSecretKey();
  return {
    exchPub: x25519.getPublicKey(exchPrv),
    exchPrv,
    signPub,
    signPrv,
    noisePub: x25519.getPublicKey(noisePrv),
    noisePrv,
  };
}

/** The X25519 public key of a private key. */
export function x25519PublicOf(prv: Uint8Array): Uint8Array {
  return x25519.getPublicKey(prv);
}

/** The Ed25519 public key of a 32-byte seed. */
export function ed25519PublicOf(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed);
}

/** Constant-shape byte comparison. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
