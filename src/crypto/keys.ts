/**
 * Curve25519 keys as NNCP uses them: X25519 for key exchange and Ed25519
 * signatures with 64-byte private keys (32-byte seed followed by the
 * 32-byte public key), through `@noble/curves`.
 *
 * @example
 * ```ts
 * import { ed25519Sign, ed25519Verify, generateSignKeys } from "./keys.ts";
 * const keys = generateSignKeys();
 * const msg = new Uint8Array([1, 2, 3]);
 * console.assert(ed25519Verify(keys.pub, msg, ed25519Sign(keys.prv, msg)));
 * ```
 * @module
 */

import { ed25519, x25519 } from "@noble/curves/ed25519.js";

/** X25519 key length (private, public and shared), in bytes. */
export const X25519_BYTES = 32;
/** Ed25519 public key length in bytes. */
export const ED25519_PUB_BYTES = 32;
/** Ed25519 private key length in NNCP's encoding (seed then public key), in bytes. */
export const ED25519_PRV_BYTES = 64;
/** Ed25519 signature length in bytes. */
export const ED25519_SIG_BYTES = 64;

/**
 * Window of noble's precomputed base-point table. Its default (6 bits) keeps
 * about 5 MiB of tables and garbage on the heap for a gain of 0.2 ms per
 * signature; ferry signs once per packet and runs on small boards.
 */
export const ED25519_BASE_WINDOW_BITS = 4;
ed25519.Point.BASE.precompute(ED25519_BASE_WINDOW_BITS, true);

/** A key pair. */
export interface KeyPair {
  prv: Uint8Array;
  pub: Uint8Array;
}

function checkLength(what: string, bytes: Uint8Array, want: number): void {
  if (bytes.length !== want) {
    throw new RangeError(`Cannot use ${what}: it has ${bytes.length} bytes, not ${want}`);
  }
}

/** A fresh random X25519 key pair. */
export function generateExchKeys(): KeyPair {
  const prv = x25519.utils.randomSecretKey();
  return { prv, pub: x25519.getPublicKey(prv) };
}

/** The X25519 public key of `prv`. */
export function x25519PublicKey(prv: Uint8Array): Uint8Array {
  checkLength("X25519 private key", prv, X25519_BYTES);
  return x25519.getPublicKey(prv);
}

/**
 * The X25519 shared secret of `prv` and `pub`, or `null` when `pub` is a
 * low-order point that gives the all-zero secret (a hostile or broken key).
 */
export function x25519Shared(prv: Uint8Array, pub: Uint8Array): Uint8Array | null {
  checkLength("X25519 private key", prv, X25519_BYTES);
  checkLength("X25519 public key", pub, X25519_BYTES);
  try {
    return x25519.getSharedSecret(prv, pub);
  } catch {
    return null;
  }
}

/** A fresh random Ed25519 key pair; `prv` is 64 bytes (seed then public key). */
export function generateSignKeys(): KeyPair {
  const seed = ed25519.utils.randomSecretKey();
  const pub = ed25519.getPublicKey(seed);
  const prv = new Uint8Array(ED25519_PRV_BYTES);
  prv.set(seed, 0);
  prv.set(pub, 32);
  return { prv, pub };
}

/** The Ed25519 public key inside a 64-byte NNCP private key. */
export function ed25519PublicKey(prv: Uint8Array): Uint8Array {
  checkLength("Ed25519 private key", prv, ED25519_PRV_BYTES);
  return ed25519.getPublicKey(prv.subarray(0, 32));
}

/** Signs `msg` with a 64-byte NNCP Ed25519 private key. */
export function ed25519Sign(prv: Uint8Array, msg: Uint8Array): Uint8Array {
  checkLength("Ed25519 private key", prv, ED25519_PRV_BYTES);
  return ed25519.sign(msg, prv.subarray(0, 32));
}

/**
 * Checks an Ed25519 signature strictly (RFC 8032, as Go's crypto/ed25519
 * does: non-canonical encodings are rejected). Never throws for bad input;
 * returns false instead.
 */
export function ed25519Verify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (pub.length !== ED25519_PUB_BYTES || sig.length !== ED25519_SIG_BYTES) return false;
  try {
    return ed25519.verify(sig, msg, pub, { zip215: false });
  } catch {
    return false;
  }
}
