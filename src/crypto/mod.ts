/**
 * ferry's cryptographic primitives, each the fastest correct one available
 * here: BLAKE3 (WebAssembly for bulk data), BLAKE2b-256, X25519, Ed25519 and
 * ChaCha20-Poly1305 (native: the system's libcrypto through FFI, else
 * `node:crypto`).
 *
 * @example
 * ```ts
 * import { blake2b256, blake3DeriveKey } from "./mod.ts";
 * const id = blake2b256(new Uint8Array(32));
 * const key = blake3DeriveKey("NNCPE\0\0\x06 FULL", new Uint8Array(32));
 * console.assert(id.length === 32 && key.length === 32);
 * ```
 * @module
 */

export * from "./blake3.ts";
export * from "./blake2b.ts";
export * from "./aead.ts";
export * from "./keys.ts";
