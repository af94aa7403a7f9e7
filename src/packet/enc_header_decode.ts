/**
 * Reading the 172-byte encrypted packet header (see {@linkcode ./enc_header.ts}),
 * apart from signing and verifying, so that a command that only reads
 * headers (`ferry stat`) loads no curve code.
 *
 * @example
 * ```ts
 * import { checkEncryptedMagic } from "./enc_header_decode.ts";
 * checkEncryptedMagic(new TextEncoder().encode("NNCPE")); // a prefix passes
 * ```
 * @module
 */

import { PacketFormatError, PacketVersionError } from "./errors.ts";
import { ENC_HEADER_BYTES, ID_BYTES, TBS_BYTES } from "./limits.ts";
import { describeMagic, formatMagic, hasMagic, MAGIC } from "./magic.ts";
import { readU32 } from "./xdr.ts";

/** A parsed encrypted packet header. */
export interface EncryptedHeader {
  /** Packet niceness, 0–255 (NNCP writes 1–255). */
  nice: number;
  /** Sender node id (BLAKE2b-256 of its signing key). */
  sender: Uint8Array;
  /** Recipient node id, or area id for packets inside area packets. */
  recipient: Uint8Array;
  /** The sender's ephemeral X25519 public key. */
  exchPub: Uint8Array;
  /** Ed25519 signature over {@linkcode EncryptedHeader.tbs}. */
  signature: Uint8Array;
  /** The signed first 108 bytes. */
  tbs: Uint8Array;
  /** All 172 bytes. */
  raw: Uint8Array;
}

/** Where the fields start. */
export const OFFSET_NICE = 8;
export const OFFSET_SENDER = 12;
export const OFFSET_RECIPIENT = OFFSET_SENDER + ID_BYTES;
export const OFFSET_EXCH_PUB = OFFSET_RECIPIENT + ID_BYTES;

/**
 * Parses the first 172 bytes of `raw`. Checks the magic number and the
 * field ranges, not the signature (see {@linkcode verifyHeaderSignature}).
 *
 * @throws {PacketFormatError} (`truncated`, `bad-header`).
 * @throws {PacketVersionError} for an older, foreign or unknown magic number.
 */
export function decodeEncryptedHeader(raw: Uint8Array): EncryptedHeader {
  checkEncryptedMagic(raw);
  if (raw.length < ENC_HEADER_BYTES) {
    throw new PacketFormatError(
      "truncated",
      `Cannot parse packet header: it ends after ${raw.length} of ${ENC_HEADER_BYTES} bytes`,
    );
  }
  const nice = readU32(raw, OFFSET_NICE);
  if (nice > 255) {
    throw new PacketFormatError("bad-header", `Cannot parse packet header: niceness ${nice} > 255`);
  }
  const own = raw.slice(0, ENC_HEADER_BYTES);
  return {
    nice,
    sender: own.subarray(OFFSET_SENDER, OFFSET_RECIPIENT),
    recipient: own.subarray(OFFSET_RECIPIENT, OFFSET_EXCH_PUB),
    exchPub: own.subarray(OFFSET_EXCH_PUB, TBS_BYTES),
    signature: own.subarray(TBS_BYTES, ENC_HEADER_BYTES),
    tbs: own.subarray(0, TBS_BYTES),
    raw: own,
  };
}

/**
 * Checks that `raw` starts with the current encrypted packet magic number.
 * A prefix shorter than 8 bytes that could still become it passes.
 */
export function checkEncryptedMagic(raw: Uint8Array): void {
  if (raw.length < MAGIC.encrypted.length) {
    if (MAGIC.encrypted.subarray(0, raw.length).every((b, i) => b === raw[i])) return;
  } else if (hasMagic(raw, MAGIC.encrypted)) return;
  const shown = formatMagic(raw);
  const info = describeMagic(raw);
  const what = "Cannot parse packet header";
  if (info?.kind === "encrypted packet") {
    throw new PacketVersionError(
      "old-version",
      shown,
      `${what}: magic "${shown}" is from NNCP before ${info.usedBefore}; ` +
        "the sender must upgrade to NNCP 8 (or use ferry) and send it again",
    );
  }
  if (info !== undefined) {
    throw new PacketVersionError(
      "wrong-kind",
      shown,
      `${what}: magic "${shown}" marks ${info.kind === "area packet" ? "an" : "a"} ${info.kind} ` +
        `(${info.name}), not an encrypted packet; this file does not belong in a spool or medium`,
    );
  }
  throw new PacketVersionError(
    "bad-magic",
    shown,
    `${what}: magic "${shown}" is not an NNCP encrypted packet's "NNCPE\\0\\0\\x06"; ` +
      "the file is damaged or not a packet",
  );
}
