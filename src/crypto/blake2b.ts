/**
 * BLAKE2b-256, which NNCP uses for node ids (hash of the signing public key)
 * and for area message hashes.
 *
 * @example
 * ```ts
 * import { blake2b256 } from "./blake2b.ts";
 * console.assert(blake2b256(new Uint8Array(0)).length === 32);
 * ```
 * @module
 */

import { blake2b } from "@noble/hashes/blake2.js";

/** BLAKE2b with a 32-byte digest. */
export function blake2b256(data: Uint8Array): Uint8Array {
  return blake2b(data, { dkLen: 32 });
}
