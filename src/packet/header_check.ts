/**
 * Checking an encrypted packet's header before anything is decrypted: magic
 * number, recipient, sender and signature; and reading just the header of a
 * packet (for xfer and spool checks) without decrypting it.
 *
 * @example
 * ```ts
 * import { readPacketHeader } from "./header_check.ts";
 * const bytes = await Deno.readFile(new URL(
 *   "../../test/vectors/nncp/packets/file-small.QOVCEAEVTP6MPRWEXVNZOBIH2V6EDFI3CSBEJ27KJOPM3WFZQ5VQ",
 *   import.meta.url,
 * ));
 * const { header } = await readPacketHeader(bytes);
 * console.assert(header.nice === 224);
 * ```
 * @module
 */

import { encodeBase32 } from "../encoding/base32.ts";
import { x25519Shared } from "../crypto/keys.ts";
import {
  decodeEncryptedHeader,
  type EncryptedHeader,
  verifyHeaderSignature,
} from "./enc_header.ts";
import { PacketAddressError, PacketAuthError } from "./errors.ts";
import { type ByteInput, readFull, toByteSource } from "./io.ts";
import { ENC_HEADER_BYTES } from "./limits.ts";
import { derivePacketKeys, type PacketKeys } from "./packet_keys.ts";
import { bytesEqual } from "./xdr.ts";

/** A node known to the reader: what is needed to check its signatures. */
export interface KnownSender {
  /** Ed25519 public key (`signpub`). */
  signPub: Uint8Array;
}

/** Finds a known node by its 32-byte id (undefined when unknown). */
export type SenderLookup = (id: Uint8Array) => KnownSender | undefined;

/** The reading node (or area): its id and X25519 private key (`exchprv`, or an area's `prv`). */
export interface ReceiverIdentity {
  id: Uint8Array;
  exchPrv: Uint8Array;
}

/** A header that passed the checks. */
export interface CheckedHeader {
  header: EncryptedHeader;
  /** The sender's keys, or undefined when it is unknown and that was allowed. */
  sender: KnownSender | undefined;
  /** True when the signature was verified (always, unless the sender is unknown). */
  signatureVerified: boolean;
}

/** What {@linkcode checkHeader} checks. */
export interface HeaderCheckOptions {
  /** When given, the packet must be addressed to this id. */
  selfId?: Uint8Array;
  /** When given, the sender must be known (or `allowUnknownSender`) and its signature valid. */
  senders?: SenderLookup;
  /** Accept an unknown sender without a signature check (NNCP's area `allow-unknown`). */
  allowUnknownSender?: boolean;
}

/**
 * Parses and checks a 172-byte header.
 *
 * @throws {PacketVersionError}, {PacketFormatError} from parsing;
 * {PacketAddressError} (`wrong-recipient`, `unknown-sender`);
 * {PacketAuthError} (`bad-signature`).
 */
export function checkHeader(raw: Uint8Array, options: HeaderCheckOptions): CheckedHeader {
  const header = decodeEncryptedHeader(raw);
  if (options.selfId !== undefined && !bytesEqual(header.recipient, options.selfId)) {
    throw new PacketAddressError(
      "wrong-recipient",
      `Cannot accept packet: it is for ${encodeBase32(header.recipient)}, ` +
        `not for this node ${encodeBase32(options.selfId)}`,
    );
  }
  if (options.senders === undefined) {
    return { header, sender: undefined, signatureVerified: false };
  }
  const sender = options.senders(header.sender);
  if (sender === undefined) {
    if (options.allowUnknownSender) return { header, sender, signatureVerified: false };
    throw new PacketAddressError(
      "unknown-sender",
      `Cannot accept packet: sender ${encodeBase32(header.sender)} is not a known node; ` +
        "add it to the configuration to accept its packets",
    );
  }
  if (!verifyHeaderSignature(header, sender.signPub)) {
    throw new PacketAuthError(
      "bad-signature",
      `Cannot accept packet: its header signature does not verify for sender ${
        encodeBase32(header.sender)
      }`,
    );
  }
  return { header, sender, signatureVerified: true };
}

/** The packet keys for a checked header, with the receiver's X25519 private key. */
export function keysForHeader(header: EncryptedHeader, exchPrv: Uint8Array): PacketKeys {
  const shared = x25519Shared(exchPrv, header.exchPub);
  if (shared === null) {
    throw new PacketAuthError(
      "bad-key",
      "Cannot accept packet: its ephemeral key is a low-order point, which no NNCP node makes",
    );
  }
  return derivePacketKeys(shared, header.tbs);
}

/**
 * Reads only the first 172 bytes of a packet (bytes in memory, a file, a
 * stream) and checks them as {@linkcode checkHeader} does, without
 * decrypting. For xfer and spool checks.
 */
export async function readPacketHeader(
  input: ByteInput,
  options: HeaderCheckOptions = {},
): Promise<CheckedHeader> {
  const raw = input instanceof Uint8Array
    ? input.subarray(0, ENC_HEADER_BYTES)
    : await (async () => {
      const buf = new Uint8Array(ENC_HEADER_BYTES);
      return buf.subarray(0, await readFull(toByteSource(input), buf));
    })();
  return checkHeader(raw, options);
}
