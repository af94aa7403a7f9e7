/**
 * The `.nncp.meta` file of a chunked transfer (`NNCPM\0\0\x02`): whole
 * file size, chunk size, and the MTH of every chunk, in XDR.
 *
 * @example
 * ```ts
 * import { decodeChunkedMeta, encodeChunkedMeta } from "./chunked_meta.ts";
 * const raw = encodeChunkedMeta({ fileSize: 3, chunkSize: 4, checksums: [new Uint8Array(32)] });
 * console.assert(decodeChunkedMeta(raw).chunkSize === 4);
 * ```
 * @module
 */

import { PacketFormatError, PacketVersionError } from "./errors.ts";
import { ID_BYTES } from "./limits.ts";
import { describeMagic, formatMagic, hasMagic, MAGIC } from "./magic.ts";
import { readU32, readU64, writeU32, writeU64 } from "./xdr.ts";

/** A chunked file's meta. */
export interface ChunkedMeta {
  /** Size of the reassembled file. */
  fileSize: number;
  /** Size of every chunk but the last. */
  chunkSize: number;
  /** MTH of each chunk, in order. */
  checksums: Uint8Array[];
}

const FIXED_BYTES = 8 + 8 + 8 + 4;

/** Encodes a meta file. */
export function encodeChunkedMeta(meta: ChunkedMeta): Uint8Array {
  const out = new Uint8Array(FIXED_BYTES + meta.checksums.length * ID_BYTES);
  out.set(MAGIC.chunkedMeta, 0);
  writeU64(out, 8, meta.fileSize);
  writeU64(out, 16, meta.chunkSize);
  writeU32(out, 24, meta.checksums.length);
  meta.checksums.forEach((sum, i) => {
    if (sum.length !== ID_BYTES) {
      throw new RangeError(`Cannot encode chunk ${i} checksum: not 32 bytes`);
    }
    out.set(sum, FIXED_BYTES + i * ID_BYTES);
  });
  return out;
}

/**
 * Decodes a meta file.
 * @throws {PacketVersionError} for an older meta version; {PacketFormatError}
 * (`bad-plain`) for anything malformed.
 */
export function decodeChunkedMeta(raw: Uint8Array): ChunkedMeta {
  const fail = (why: string) =>
    new PacketFormatError("bad-plain", `Cannot parse chunked meta: ${why}`);
  if (!hasMagic(raw, MAGIC.chunkedMeta)) {
    const info = describeMagic(raw);
    const shown = formatMagic(raw);
    if (info?.kind === "chunked meta") {
      throw new PacketVersionError(
        "old-version",
        shown,
        `Cannot parse chunked meta: magic "${shown}" is from NNCP before ${info.usedBefore}`,
      );
    }
    throw fail(`magic "${shown}" is not "NNCPM\\0\\0\\x02"`);
  }
  if (raw.length < FIXED_BYTES) throw fail(`it has ${raw.length} bytes, less than ${FIXED_BYTES}`);
  const fileSize = readU64(raw, 8);
  const chunkSize = readU64(raw, 16);
  const count = readU32(raw, 24);
  if (fileSize < 0 || chunkSize <= 0) throw fail("file or chunk size out of range");
  if (raw.length !== FIXED_BYTES + count * ID_BYTES) {
    throw fail(
      `${count} checksums need ${FIXED_BYTES + count * ID_BYTES} bytes, it has ${raw.length}`,
    );
  }
  if (count !== Math.max(1, Math.ceil(fileSize / chunkSize))) {
    throw fail(`${count} chunks cannot make ${fileSize} bytes in chunks of ${chunkSize}`);
  }
  const checksums = Array.from(
    { length: count },
    (_, i) => raw.slice(FIXED_BYTES + i * ID_BYTES, FIXED_BYTES + (i + 1) * ID_BYTES),
  );
  return { fileSize, chunkSize, checksums };
}
