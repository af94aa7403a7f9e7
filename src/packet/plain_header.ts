/**
 * The plain packet header (276 bytes of XDR) that starts the plaintext of
 * every encrypted packet: magic `NNCPP\0\0\x03`, type, niceness, path length
 * and a 255-byte path (plus one byte of XDR padding). The `uint8` fields
 * take four bytes each, as Go's XDR writes them.
 *
 * @example
 * ```ts
 * import { decodePlainHeader, encodePlainHeader, PlainType } from "./plain_header.ts";
 * const raw = encodePlainHeader({ type: PlainType.file, nice: 224, path: new TextEncoder().encode("a.txt") });
 * console.assert(raw.length === 276 && decodePlainHeader(raw).nice === 224);
 * ```
 * @module
 */

import { PacketFormatError, PacketVersionError } from "./errors.ts";
import { PATH_BYTES_MAX, PLAIN_HEADER_BYTES } from "./limits.ts";
import { describeMagic, formatMagic, hasMagic, MAGIC } from "./magic.ts";
import { readU32, writeU32 } from "./xdr.ts";

/** Plain packet types and their numbers on the wire (there is no type 0). */
export const PlainType = {
  file: 1,
  freq: 2,
  exec: 3,
  trns: 4,
  execFat: 5,
  area: 6,
  ack: 7,
} as const;

/** A plain packet type number. */
export type PlainTypeNumber = typeof PlainType[keyof typeof PlainType];

/** NNCP's names for the types, as logs and manifests show them. */
export const PLAIN_TYPE_NAMES: Readonly<Record<PlainTypeNumber, string>> = {
  1: "file",
  2: "freq",
  3: "exec",
  4: "trns",
  5: "exec-fat",
  6: "area",
  7: "ack",
};

/** A decoded plain header. */
export interface PlainHeader {
  type: PlainTypeNumber;
  /** 0–255: the packet's own niceness (file, ack), the reply niceness (exec, freq), or 0 (trns, area). */
  nice: number;
  /** The path bytes (at most 255): a name, NUL-separated exec arguments, or a 32-byte id. */
  path: Uint8Array;
}

const OFFSET_TYPE = 8;
const OFFSET_NICE = 12;
const OFFSET_PATH_LEN = 16;
const OFFSET_PATH = 20;

function checkByte(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new RangeError(`Cannot build plain header: ${what} ${value} is not in 0..255`);
  }
}

/** Encodes a plain header into exactly 276 bytes. */
export function encodePlainHeader(header: PlainHeader): Uint8Array {
  if (!(header.type in PLAIN_TYPE_NAMES)) {
    throw new RangeError(`Cannot build plain header: type ${header.type} is not 1..7`);
  }
  checkByte("niceness", header.nice);
  if (header.path.length > PATH_BYTES_MAX) {
    throw new RangeError(
      `Cannot build plain header: path has ${header.path.length} bytes, at most ${PATH_BYTES_MAX} fit`,
    );
  }
  const out = new Uint8Array(PLAIN_HEADER_BYTES);
  out.set(MAGIC.plain, 0);
  writeU32(out, OFFSET_TYPE, header.type);
  writeU32(out, OFFSET_NICE, header.nice);
  writeU32(out, OFFSET_PATH_LEN, header.path.length);
  out.set(header.path, OFFSET_PATH);
  return out;
}

/**
 * Decodes the first 276 bytes of `raw` as a plain header.
 *
 * @throws {PacketVersionError} for an older or foreign magic number.
 * @throws {PacketFormatError} (`bad-plain`) for short input, an unknown
 * type, or an impossible niceness or path length.
 */
export function decodePlainHeader(raw: Uint8Array): PlainHeader {
  if (raw.length < PLAIN_HEADER_BYTES) {
    throw new PacketFormatError(
      "bad-plain",
      `Cannot parse plain header: payload has ${raw.length} bytes, the header alone needs ${PLAIN_HEADER_BYTES}`,
    );
  }
  if (!hasMagic(raw, MAGIC.plain)) {
    const info = describeMagic(raw);
    const shown = formatMagic(raw);
    if (info?.kind === "plain packet") {
      throw new PacketVersionError(
        "old-version",
        shown,
        `Cannot parse plain header: magic "${shown}" is from NNCP before ${info.usedBefore}; ` +
          `the sender must upgrade to NNCP 8`,
      );
    }
    throw new PacketFormatError(
      "bad-plain",
      `Cannot parse plain header: magic "${shown}" is not a plain packet's "NNCPP\\0\\0\\x03"`,
    );
  }
  const type = readU32(raw, OFFSET_TYPE);
  if (!(type in PLAIN_TYPE_NAMES)) {
    throw new PacketFormatError("bad-plain", `Cannot parse plain header: unknown type ${type}`);
  }
  const nice = readU32(raw, OFFSET_NICE);
  if (nice > 255) {
    throw new PacketFormatError("bad-plain", `Cannot parse plain header: niceness ${nice} > 255`);
  }
  const pathLen = readU32(raw, OFFSET_PATH_LEN);
  if (pathLen > PATH_BYTES_MAX) {
    throw new PacketFormatError(
      "bad-plain",
      `Cannot parse plain header: path length ${pathLen} > ${PATH_BYTES_MAX}`,
    );
  }
  return {
    type: type as PlainTypeNumber,
    nice,
    path: raw.slice(OFFSET_PATH, OFFSET_PATH + pathLen),
  };
}
