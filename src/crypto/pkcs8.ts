/**
 * PKCS#8 DER (RFC 8410) around a raw 32-byte X25519 private key or Ed25519
 * seed, the form in which WebCrypto and `node:crypto` import them. Imports
 * nothing, so the light commands' key-pair check can use it.
 *
 * @example
 * ```ts
 * import { pkcs8Der } from "./pkcs8.ts";
 * const der = pkcs8Der("Ed25519", new Uint8Array(32));
 * console.assert(der.length === 48 && der[11] === 0x70);
 * ```
 * @module
 */

/** Bytes of a raw private key (X25519) or seed (Ed25519). */
export const RAW_KEY_BYTES = 32;

/** The curve's object identifier's last byte: 1.3.101.112 (Ed25519), 1.3.101.110 (X25519). */
const OID_LAST = { Ed25519: 0x70, X25519: 0x6e } as const;

/** The 16 bytes before the raw key: version 0, the algorithm, an OCTET STRING in an OCTET STRING. */
export function pkcs8Prefix(algorithm: "Ed25519" | "X25519"): Uint8Array<ArrayBuffer> {
  // deno-fmt-ignore
  return Uint8Array.of(
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, OID_LAST[algorithm],
    0x04, 0x22, 0x04, 0x20,
  );
}

/** The whole DER of `raw` (32 bytes); the caller zeroes it after use. */
export function pkcs8Der(
  algorithm: "Ed25519" | "X25519",
  raw: Uint8Array,
): Uint8Array<ArrayBuffer> {
  if (raw.length !== RAW_KEY_BYTES) {
    throw new RangeError(`A private key has ${RAW_KEY_BYTES} bytes, not ${raw.length}`);
  }
  const prefix = pkcs8Prefix(algorithm);
  const der = new Uint8Array(prefix.length + RAW_KEY_BYTES);
  der.set(prefix, 0);
  der.set(raw, prefix.length);
  return der;
}
