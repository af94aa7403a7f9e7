/**
 * Node and area ids: BLAKE2b-256 of the node's Ed25519 public key (of the
 * area's X25519 public key), computed with no dependency so that reading a
 * configuration loads no native or npm module.
 *
 * @example
 * ```ts
 * import { nodeIdOf } from "./node_id.ts";
 * console.assert(nodeIdOf(new Uint8Array(32)).length === 32);
 * ```
 * @module
 */

import { blake2bSmall } from "../crypto/blake2b_small.ts";

/** Bytes in an id. */
const ID_BYTES = 32;

/** A node id is BLAKE2b-256 of the node's Ed25519 public key. */
export function nodeIdOf(signPub: Uint8Array): Uint8Array {
  return blake2bSmall(signPub, ID_BYTES);
}

/** An area id is BLAKE2b-256 of the area's X25519 public key. */
export function areaIdOf(pub: Uint8Array): Uint8Array {
  return blake2bSmall(pub, ID_BYTES);
}

/** Constant-shape byte comparison. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
