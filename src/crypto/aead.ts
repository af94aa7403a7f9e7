/**
 * ChaCha20-Poly1305 (IETF, 12-byte nonce, 16-byte tag) through `node:crypto`,
 * which runs natively at over a gigabyte a second. Every call is one
 * independent AEAD message, as NNCP seals each 128 KiB block on its own.
 *
 * @example
 * ```ts
 * import { aeadOpen, aeadSeal, AEAD_TAG_BYTES } from "./aead.ts";
 * const key = new Uint8Array(32), nonce = new Uint8Array(12), ad = new Uint8Array(0);
 * const sealed = aeadSeal(key, nonce, ad, new Uint8Array([1, 2, 3]));
 * console.assert(sealed.tag.length === AEAD_TAG_BYTES);
 * const opened = aeadOpen(key, nonce, ad, sealed.ciphertext, sealed.tag);
 * console.assert(opened !== null && opened[2] === 3);
 * ```
 * @module
 */

import { createCipheriv, createDecipheriv } from "node:crypto";

/** Poly1305 tag length in bytes. */
export const AEAD_TAG_BYTES = 16;
/** ChaCha20-Poly1305 key length in bytes. */
export const AEAD_KEY_BYTES = 32;
/** IETF ChaCha20-Poly1305 nonce length in bytes. */
export const AEAD_NONCE_BYTES = 12;

const ALGORITHM = "chacha20-poly1305";

/** One sealed message: the ciphertext (as long as the plaintext) and its tag. */
export interface Sealed {
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

/** Encrypts and authenticates `plaintext` with associated data `ad`. */
export function aeadSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  plaintext: Uint8Array,
): Sealed {
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: AEAD_TAG_BYTES });
  cipher.setAAD(ad, { plaintextLength: plaintext.length });
  const ciphertext = plainView(cipher.update(plaintext));
  cipher.final();
  return { ciphertext, tag: plainView(cipher.getAuthTag()) };
}

/**
 * Decrypts `ciphertext` and checks `tag`. Returns the plaintext, or `null`
 * when the tag does not match (wrong key, nonce, data or tag): the
 * unauthenticated bytes are never returned.
 */
export function aeadOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
): Uint8Array | null {
  if (tag.length !== AEAD_TAG_BYTES) return null;
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: AEAD_TAG_BYTES });
  decipher.setAAD(ad, { plaintextLength: ciphertext.length });
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch {
    return null;
  }
  return plainView(plaintext);
}

/** The same bytes as a plain Uint8Array (node's Buffer subclass compares differently). */
function plainView(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
