/**
 * The 172-byte encrypted packet header as the spool needs it: who sent a
 * packet, to whom, and how nice it is, without decrypting anything. Used to
 * list, sort and route packets; the packet codec checks signatures later.
 * @module
 */

import { encodeBase32 } from "../encoding/base32.ts";
import { decodeEncryptedHeader } from "../packet/enc_header_decode.ts";
import { PacketError } from "../packet/errors.ts";
import { ENC_HEADER_BYTES } from "../packet/limits.ts";

/** Size of an NNCP 8 encrypted packet header. */
export const encHeaderBytes = ENC_HEADER_BYTES;

/** What the spool reads from a packet header. */
export interface SpoolHeader {
  nice: number;
  sender: string;
  recipient: string;
  /** The raw 172 bytes (for `hdr/` files). */
  raw: Uint8Array;
}

/** Raised for a file that is not a current NNCP encrypted packet. */
export class NotAPacketError extends Error {
  override name = "NotAPacketError";
}

/**
 * Reads the fields of an encrypted header.
 * @throws {NotAPacketError} for short input, a foreign magic, or an old NNCP version (named).
 */
export function parseSpoolHeader(bytes: Uint8Array): SpoolHeader {
  try {
    const h = decodeEncryptedHeader(bytes);
    return {
      nice: h.nice,
      sender: encodeBase32(h.sender),
      recipient: encodeBase32(h.recipient),
      raw: h.raw,
    };
  } catch (err) {
    if (err instanceof PacketError) throw new NotAPacketError(err.message, { cause: err });
    throw err;
  }
}
