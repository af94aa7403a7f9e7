/**
 * Every magic number NNCP has used, with what it marks and which NNCP
 * versions wrote it, so an old or foreign file gets a helpful error instead
 * of garbage. ferry reads and writes the current ones: encrypted packets
 * v6, plain packets v3, chunked meta v2.
 *
 * @example
 * ```ts
 * import { describeMagic, MAGIC } from "./magic.ts";
 * console.assert(describeMagic(MAGIC.encrypted)?.current);
 * const old = describeMagic(new TextEncoder().encode("NNCPE\0\0\x04"));
 * console.assert(old?.usedBefore === "7.0");
 * ```
 * @module
 */

import { MAGIC_BYTES } from "./limits.ts";

/** What a magic number marks. */
export type MagicKind =
  | "encrypted packet"
  | "plain packet"
  | "area packet"
  | "chunked meta"
  | "encrypted blob"
  | "sync protocol"
  | "multicast discovery";

/** One row of the table. */
export interface MagicInfo {
  /** The 8 bytes. */
  bytes: Uint8Array;
  /** NNCP's own name, e.g. `NNCPEv6`. */
  name: string;
  kind: MagicKind;
  /** True for the version NNCP 8.8.2 (and ferry) writes. */
  current: boolean;
  /** For retired versions: the first NNCP release that no longer reads them. */
  usedBefore?: string;
}

function magic(letter: string, version: number): Uint8Array {
  const bytes = new Uint8Array(MAGIC_BYTES);
  bytes.set(new TextEncoder().encode(`NNCP${letter}`), 0);
  bytes[7] = version;
  return bytes;
}

function row(
  letter: string,
  version: number,
  kind: MagicKind,
  usedBefore?: string,
): MagicInfo {
  const info: MagicInfo = {
    bytes: magic(letter, version),
    name: `NNCP${letter}v${version}`,
    kind,
    current: usedBefore === undefined,
  };
  if (usedBefore !== undefined) info.usedBefore = usedBefore;
  return info;
}

/** All known magic numbers, oldest first within each kind. */
export const MAGIC_TABLE: readonly MagicInfo[] = [
  row("E", 1, "encrypted packet", "1.0"),
  row("E", 2, "encrypted packet", "2.0"),
  row("E", 3, "encrypted packet", "4.0"),
  row("E", 4, "encrypted packet", "7.0"),
  row("E", 5, "encrypted packet", "8.0"),
  row("E", 6, "encrypted packet"),
  row("P", 1, "plain packet", "3.0"),
  row("P", 2, "plain packet", "5.0"),
  row("P", 3, "plain packet"),
  row("A", 1, "area packet"),
  row("M", 1, "chunked meta", "7.0"),
  row("M", 2, "chunked meta"),
  row("B", 1, "encrypted blob", "2.0"),
  row("B", 2, "encrypted blob", "4.0"),
  row("B", 3, "encrypted blob"),
  row("S", 1, "sync protocol"),
  row("D", 1, "multicast discovery"),
];

function current(kind: MagicKind): Uint8Array {
  const info = MAGIC_TABLE.find((m) => m.kind === kind && m.current);
  if (info === undefined) throw new Error(`no current magic for ${kind}`);
  return info.bytes;
}

/** The magic numbers ferry writes. */
export const MAGIC = {
  /** `NNCPE\0\0\x06`: encrypted packet v6 (NNCP 8.x). */
  encrypted: current("encrypted packet"),
  /** `NNCPP\0\0\x03`: plain packet v3. */
  plain: current("plain packet"),
  /** `NNCPM\0\0\x02`: chunked file meta v2. */
  chunkedMeta: current("chunked meta"),
} as const;

/** True when the first 8 bytes of `data` equal `magic`. */
export function hasMagic(data: Uint8Array, magicBytes: Uint8Array): boolean {
  if (data.length < MAGIC_BYTES) return false;
  for (let i = 0; i < MAGIC_BYTES; i++) if (data[i] !== magicBytes[i]) return false;
  return true;
}

/** The table row for the first 8 bytes of `data`, or undefined when unknown. */
export function describeMagic(data: Uint8Array): MagicInfo | undefined {
  return MAGIC_TABLE.find((m) => hasMagic(data, m.bytes));
}

/** Renders magic bytes readably: printable ASCII as is, others as `\0` or `\xNN`. */
export function formatMagic(data: Uint8Array): string {
  let out = "";
  for (const byte of data.subarray(0, MAGIC_BYTES)) {
    if (byte === 0) out += "\\0";
    else if (byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c) {
      out += String.fromCharCode(byte);
    } else out += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return out;
}
