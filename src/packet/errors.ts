/**
 * The errors packet work throws. All are {@linkcode PacketError}s with a
 * stable `code`, so callers (toss, xfer, the link) can catch them, log the
 * code and keep serving other work. Messages say what failed, quote the
 * value and say what to do.
 *
 * @example
 * ```ts
 * import { PacketError, PacketFormatError } from "./errors.ts";
 * const err = new PacketFormatError("truncated", "Cannot read packet: it ends after 12 bytes");
 * console.assert(err instanceof PacketError && err.code === "truncated");
 * ```
 * @module
 */

/** Why a packet was refused. */
export type PacketErrorCode =
  /** The input ended before the packet did. */
  | "truncated"
  /** Bytes follow the end of the packet. */
  | "trailing-data"
  /** The encrypted header has an impossible field (niceness above 255). */
  | "bad-header"
  /** The size block contradicts what was read. */
  | "bad-size"
  /** The plain header inside is malformed (magic, type, path length). */
  | "bad-plain"
  /** The packet or payload is bigger than allowed. */
  | "too-big"
  /** The magic number belongs to an older NNCP. */
  | "old-version"
  /** The magic number is NNCP's but marks another kind of file. */
  | "wrong-kind"
  /** The magic number is not NNCP's at all. */
  | "bad-magic"
  /** The header's Ed25519 signature does not verify. */
  | "bad-signature"
  /** The ephemeral public key is unusable (low order). */
  | "bad-key"
  /** A block fails ChaCha20-Poly1305 authentication. */
  | "bad-block"
  /** The padding is not the zeros or the BLAKE3 stream it must be. */
  | "bad-padding"
  /** The packet is addressed to another node. */
  | "wrong-recipient"
  /** The sender is not a known node. */
  | "unknown-sender";

/** Base class of every packet error. */
export class PacketError extends Error {
  /** The stable reason. */
  readonly code: PacketErrorCode;

  /** Makes an error with a stable `code` and a readable message. */
  constructor(code: PacketErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = "PacketError";
  }
}

/** The bytes do not form a well-built packet (truncated, inconsistent, too big). */
export class PacketFormatError extends PacketError {
  /** Makes a format error. */
  constructor(
    code: "truncated" | "trailing-data" | "bad-header" | "bad-size" | "bad-plain" | "too-big",
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = "PacketFormatError";
  }
}

/** The magic number is from another NNCP version, another kind of file, or not NNCP's. */
export class PacketVersionError extends PacketError {
  /** The magic bytes found, rendered readably (`NNCPE\0\0\x04`). */
  readonly magic: string;

  /** Makes a version error for the magic `magic`. */
  constructor(
    code: "old-version" | "wrong-kind" | "bad-magic",
    magic: string,
    message: string,
  ) {
    super(code, message);
    this.magic = magic;
    this.name = "PacketVersionError";
  }
}

/** Authentication failed: signature, block tag, key or padding. Nothing of it is trusted. */
export class PacketAuthError extends PacketError {
  /** Makes an authentication error. */
  constructor(
    code: "bad-signature" | "bad-key" | "bad-block" | "bad-padding",
    message: string,
  ) {
    super(code, message);
    this.name = "PacketAuthError";
  }
}

/** The packet is not for us, or comes from a node we do not know. */
export class PacketAddressError extends PacketError {
  /** Makes an address error. */
  constructor(code: "wrong-recipient" | "unknown-sender", message: string) {
    super(code, message);
    this.name = "PacketAddressError";
  }
}
