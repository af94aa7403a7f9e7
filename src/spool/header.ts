/**
 * The 172-byte encrypted packet header as the spool needs it: who sent a
 * packet, to whom, and how nice it is, without decrypting anything. Used to
 * list, sort and route packets; the packet codec checks the signature.
 * @module
 */

import { encodeBase32 } from "../encoding/base32.ts";

/** Size of an NNCP 8 encrypted packet header. */
export const encHeaderBytes = 172;

const MAGIC_CURRENT = "NNCPE\0\0\x06";
const MAGIC_OLD: Record<string, string> = {
  "NNCPE\0\0\x01": "NNCP before 0.12",
  "NNCPE\0\0\x02": "NNCP before 1.0",
  "NNCPE\0\0\x03": "NNCP before 3.4",
  "NNCPE\0\0\x04": "NNCP before 6.0",
  "NNCPE\0\0\x05": "NNCP before 7.0",
};

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
  if (bytes.length < encHeaderBytes) {
    throw new NotAPacketError(
      `only ${bytes.length} bytes: an encrypted packet header is ${encHeaderBytes}`,
    );
  }
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MAGIC_CURRENT) {
    const old = MAGIC_OLD[magic];
    throw new NotAPacketError(
      old
        ? `magic ${JSON.stringify(magic)} is from ${old}; ask the sender to upgrade`
        : `magic ${JSON.stringify(magic)} is not an NNCP encrypted packet`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, encHeaderBytes);
  const nice = view.getUint32(8);
  if (nice > 255) throw new NotAPacketError(`niceness ${nice} is out of range`);
  return {
    nice,
    sender: encodeBase32(bytes.subarray(12, 44)),
    recipient: encodeBase32(bytes.subarray(44, 76)),
    raw: bytes.slice(0, encHeaderBytes),
  };
}
