/**
 * The key of MTH leaf hashes, BLAKE3-256("NNCP MTH LEAF"), written out so
 * that the hashing worker starts without loading a BLAKE3 library (the
 * packet tests check it against the derivation and NNCP's vectors).
 *
 * @example
 * ```ts
 * import { MTH_LEAF_KEY } from "./mth_leaf_key.ts";
 * console.assert(MTH_LEAF_KEY.length === 32);
 * ```
 * @module
 */

/** BLAKE3-256("NNCP MTH LEAF"). */
export const MTH_LEAF_KEY: Uint8Array = Uint8Array.from(
  "e18bccbb41cb5a1110514fe50d85ea750f3d56f6238c12ac84ee2736d1f48b0b".match(/../g)!,
  (hex) => parseInt(hex, 16),
);
