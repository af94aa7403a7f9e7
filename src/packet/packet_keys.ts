/**
 * The per-packet keys: the X25519 secret shared between the ephemeral key
 * and the recipient's exchange key gives three keys through BLAKE3
 * `derive_key` with the contexts `"NNCPE\0\0\x06 FULL"`, `" SIZE"` and
 * `" PAD"`; the AEAD associated data is BLAKE3-256 of the signed header.
 *
 * @example
 * ```ts
 * import { derivePacketKeys } from "./packet_keys.ts";
 * const keys = derivePacketKeys(new Uint8Array(32), new Uint8Array(108));
 * console.assert(keys.full.length === 32 && keys.ad.length === 32);
 * ```
 * @module
 */

import { blake3DeriveKey, blake3Sum256 } from "../crypto/blake3.ts";

/** Keys and associated data for one packet. */
export interface PacketKeys {
  /** Seals full 128 KiB blocks. */
  full: Uint8Array;
  /** Seals the block that starts with SIZE. */
  size: Uint8Array;
  /** Keys the BLAKE3 XOF that makes the outer padding. */
  pad: Uint8Array;
  /** Associated data of every block: BLAKE3-256 of the signed header. */
  ad: Uint8Array;
}

const CONTEXT_PREFIX = "NNCPE\0\0\x06";

/** Derives the packet keys from the X25519 shared secret and the signed header bytes. */
export function derivePacketKeys(shared: Uint8Array, tbs: Uint8Array): PacketKeys {
  return {
    full: blake3DeriveKey(`${CONTEXT_PREFIX} FULL`, shared),
    size: blake3DeriveKey(`${CONTEXT_PREFIX} SIZE`, shared),
    pad: blake3DeriveKey(`${CONTEXT_PREFIX} PAD`, shared),
    ad: blake3Sum256(tbs),
  };
}
