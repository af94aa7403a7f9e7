/**
 * The 172-byte encrypted packet header: magic `NNCPE\0\0\x06`, niceness
 * (u32), sender id, recipient id, ephemeral X25519 public key, and an
 * Ed25519 signature over the first 108 bytes. Spool `hdr/` files hold
 * exactly these bytes.
 *
 * @example
 * ```ts
 * import { buildEncryptedHeader, decodeEncryptedHeader } from "./enc_header.ts";
 * import { generateSignKeys } from "../crypto/keys.ts";
 * const keys = generateSignKeys();
 * const ids = new Uint8Array(32);
 * const header = buildEncryptedHeader(160, ids, ids, new Uint8Array(32), keys.prv);
 * console.assert(decodeEncryptedHeader(header.raw).nice === 160);
 * ```
 * @module
 */

import { ed25519Sign, ed25519Verify } from "../crypto/keys.ts";
import { ENC_HEADER_BYTES, ID_BYTES, TBS_BYTES } from "./limits.ts";
import { MAGIC } from "./magic.ts";
import { writeU32 } from "./xdr.ts";
import {
  decodeEncryptedHeader,
  type EncryptedHeader,
  OFFSET_EXCH_PUB,
  OFFSET_NICE,
  OFFSET_RECIPIENT,
  OFFSET_SENDER,
} from "./enc_header_decode.ts";

export { checkEncryptedMagic, decodeEncryptedHeader } from "./enc_header_decode.ts";
export type { EncryptedHeader } from "./enc_header_decode.ts";

/** Builds and signs a header with the sender's 64-byte Ed25519 private key. */
export function buildEncryptedHeader(
  nice: number,
  sender: Uint8Array,
  recipient: Uint8Array,
  exchPub: Uint8Array,
  signPrv: Uint8Array,
): EncryptedHeader {
  if (!Number.isInteger(nice) || nice < 0 || nice > 255) {
    throw new RangeError(`Cannot build packet header: niceness ${nice} is not in 0..255`);
  }
  for (const [what, bytes] of [["sender", sender], ["recipient", recipient], ["key", exchPub]]) {
    if ((bytes as Uint8Array).length !== ID_BYTES) {
      throw new RangeError(`Cannot build packet header: ${what} is not ${ID_BYTES} bytes`);
    }
  }
  const raw = new Uint8Array(ENC_HEADER_BYTES);
  raw.set(MAGIC.encrypted, 0);
  writeU32(raw, OFFSET_NICE, nice);
  raw.set(sender, OFFSET_SENDER);
  raw.set(recipient, OFFSET_RECIPIENT);
  raw.set(exchPub, OFFSET_EXCH_PUB);
  raw.set(ed25519Sign(signPrv, raw.subarray(0, TBS_BYTES)), TBS_BYTES);
  return decodeEncryptedHeader(raw);
}

/** True when the header's signature verifies with the sender's Ed25519 public key. */
export function verifyHeaderSignature(header: EncryptedHeader, signPub: Uint8Array): boolean {
  return ed25519Verify(signPub, header.tbs, header.signature);
}
