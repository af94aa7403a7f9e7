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

import { Buffer } from "node:buffer";
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from "node:crypto";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { pkcs8Prefix } from "./pkcs8.ts";

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
 * Computed natively (`node:crypto`, about 15 times faster than pure
 * JavaScript), with the pure version as the fallback.
 */
export function x25519Shared(prv: Uint8Array, pub: Uint8Array): Uint8Array | null {
  checkLength("X25519 private key", prv, X25519_BYTES);
  checkLength("X25519 public key", pub, X25519_BYTES);
  const native = nativeX25519(prv, pub);
  if (native !== undefined) return native;
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
  // The native check (node:crypto, about 10 times faster) decides a rejection; an
  // acceptance must also pass the strict encoding rules Go applies.
  const native = nativeEd25519Verify(pub, msg, sig);
  if (native === false) return false;
  if (native === true) return strictEncodings(pub, sig);
  try {
    return ed25519.verify(sig, msg, pub, { zip215: false });
  } catch {
    return false;
  }
}

/** Ed25519 group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const ORDER_L = Uint8Array.from(
  "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010".match(/../g)!,
  (h) => parseInt(h, 16),
);

/** `a` < `b` for 32-byte little-endian numbers. */
function lessLE(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (a[i]! !== b[i]!) return a[i]! < b[i]!;
  }
  return false;
}

/** A point encoding whose y is below p = 2^255 - 19 (sign bit ignored). */
function canonicalPoint(bytes: Uint8Array): boolean {
  if ((bytes[31]! & 0x7f) !== 0x7f) return true;
  for (let i = 30; i > 0; i--) if (bytes[i] !== 0xff) return true;
  return bytes[0]! < 0xed;
}

/** RFC 8032's encoding rules: S below L, R and A canonical. */
function strictEncodings(pub: Uint8Array, sig: Uint8Array): boolean {
  return lessLE(sig.subarray(32, 64), ORDER_L) && canonicalPoint(sig.subarray(0, 32)) &&
    canonicalPoint(pub);
}

// --- Native fast paths (node:crypto); `undefined` means "not available, use the pure code".

const SPKI_ED25519 = Uint8Array.from([
  0x30,
  0x2a,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x03,
  0x21,
  0x00,
]);
const SPKI_X25519 = Uint8Array.from([
  0x30,
  0x2a,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x03,
  0x21,
  0x00,
]);
const PKCS8_X25519 = pkcs8Prefix("X25519");
/** Key objects kept for reuse (senders' signing keys, our exchange key). */
export const nativeKeyCacheMax = 256;
const keyCache = new Map<string, KeyObject>();
let nativeBroken = false;

function cachedKey(kind: string, raw: Uint8Array, make: () => KeyObject): KeyObject {
  const id = kind + encodeBase64(raw);
  let key = keyCache.get(id);
  if (!key) {
    if (keyCache.size >= nativeKeyCacheMax) keyCache.delete(keyCache.keys().next().value!);
    key = make();
    keyCache.set(id, key);
  }
  return key;
}

function der(prefix: Uint8Array, raw: Uint8Array): Buffer {
  const out = Buffer.alloc(prefix.length + raw.length);
  out.set(prefix, 0);
  out.set(raw, prefix.length);
  return out;
}

function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64");
}

function nativeEd25519Verify(
  pub: Uint8Array,
  msg: Uint8Array,
  sig: Uint8Array,
): boolean | undefined {
  if (nativeBroken) return undefined;
  try {
    const key = cachedKey(
      "e",
      pub,
      () => createPublicKey({ key: der(SPKI_ED25519, pub), format: "der", type: "spki" }),
    );
    return nodeVerify(null, msg, key, sig);
  } catch (err) {
    if (err instanceof TypeError || (err as { code?: string }).code === "ERR_OSSL_UNSUPPORTED") {
      nativeBroken = true;
      return undefined;
    }
    return false; // an invalid key or signature
  }
}

function nativeX25519(prv: Uint8Array, pub: Uint8Array): Uint8Array | null | undefined {
  if (nativeBroken) return undefined;
  try {
    const privateKey = cachedKey(
      "x",
      prv,
      () => createPrivateKey({ key: der(PKCS8_X25519, prv), format: "der", type: "pkcs8" }),
    );
    const publicKey = createPublicKey({ key: der(SPKI_X25519, pub), format: "der", type: "spki" });
    const shared = new Uint8Array(diffieHellman({ privateKey, publicKey }));
    return shared.some((b) => b !== 0) ? shared : null;
  } catch (err) {
    if (err instanceof TypeError && !/key/i.test(err.message)) {
      nativeBroken = true;
      return undefined;
    }
    return null; // a low-order or invalid point: OpenSSL refuses the all-zero secret
  }
}

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519 = pkcs8Prefix("Ed25519");

/**
 * Signs like {@linkcode ed25519Sign}, with the native implementation
 * (node:crypto) where there is one: Ed25519 signatures are deterministic, so
 * the bytes are the same, but there are no tables to build on the first
 * signature (about 10 ms in JavaScript) and each takes about 0.1 ms. Falls
 * back to {@linkcode ed25519Sign} where the native one is missing. For a
 * signature on a latency path (an acknowledgement a peer waits for).
 */
export function ed25519SignNative(prv: Uint8Array, msg: Uint8Array): Uint8Array {
  checkLength("Ed25519 private key", prv, ED25519_PRV_BYTES);
  if (!nativeBroken) {
    try {
      const seed = prv.subarray(0, 32);
      const key = cachedKey(
        "s",
        seed,
        () => createPrivateKey({ key: der(PKCS8_ED25519, seed), format: "der", type: "pkcs8" }),
      );
      return new Uint8Array(nodeSign(null, msg, key));
    } catch (err) {
      if (err instanceof TypeError || (err as { code?: string }).code === "ERR_OSSL_UNSUPPORTED") {
        nativeBroken = true;
      }
    }
  }
  return ed25519Sign(prv, msg);
}
