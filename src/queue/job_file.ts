/**
 * The Filespooler v1 job file: a 30-byte prefix (magic `*FILESPOOLER`,
 * version 1, metadata length, metadata CRC-32, prefix CRC-32, all
 * big-endian), the MessagePack metadata, then the payload up to end of file.
 *
 * Readers here consume exactly the header and nothing more, so the same file
 * or pipe can go on to deliver the payload. Checks run in fspl's order, and
 * each {@linkcode JobFormatError} message starts with fspl's words.
 *
 * @example
 * ```ts
 * import { decodeJobHeader, encodeJobHeader } from "./job_file.ts";
 * const meta = { seq: 3n, ctimeSecs: 0n, ctimeNanos: 0, kind: "NOP" as const, params: [], env: [] };
 * const header = decodeJobHeader(encodeJobHeader(meta));
 * console.assert(header.meta.seq === 3n && header.payloadOffset === 30 + header.metaLen);
 * ```
 * @module
 */

import { crc32 } from "../encoding/crc32.ts";
import { JobFormatError } from "./errors.ts";
import { decodeMeta, encodeMeta, type JobMeta } from "./job_meta.ts";
import { metaBytesMax } from "./limits.ts";

/** The 12 magic bytes every job file starts with. */
export const JOB_MAGIC: Uint8Array = new TextEncoder().encode("*FILESPOOLER");
/** The only format version there is. */
export const JOB_VERSION = 1;
/** Size of the fixed prefix. */
export const PREFIX_BYTES = 30;

/** A parsed job header. */
export interface JobHeader {
  meta: JobMeta;
  /** Length of the metadata block. */
  metaLen: number;
  /** Stored CRC-32 of the metadata block. */
  metaCrc: number;
  /** Stored CRC-32 of prefix bytes 0..25. */
  prefixCrc: number;
  /** Offset of the first payload byte (`30 + metaLen`). */
  payloadOffset: number;
}

/** What the prefix says. */
export interface JobPrefix {
  metaLen: number;
  metaCrc: number;
  prefixCrc: number;
}

const hex = (n: number) => n.toString(16).padStart(8, "0");

/** Builds the prefix and metadata of a job: everything before the payload. */
export function encodeJobHeader(meta: JobMeta): Uint8Array {
  const block = encodeMeta(meta);
  const out = new Uint8Array(PREFIX_BYTES + block.length);
  const view = new DataView(out.buffer);
  out.set(JOB_MAGIC, 0);
  view.setUint16(12, JOB_VERSION);
  view.setBigUint64(14, BigInt(block.length));
  view.setUint32(22, crc32(block));
  view.setUint32(26, crc32(out.subarray(0, 26)));
  out.set(block, PREFIX_BYTES);
  return out;
}

/** Checks the 30-byte prefix (magic, version, then CRC, as fspl does) and returns its fields. */
export function parsePrefix(prefix: Uint8Array, limitBytes: number = metaBytesMax): JobPrefix {
  if (prefix.length < PREFIX_BYTES) {
    throw new JobFormatError(
      "truncated",
      `failed to fill whole buffer: the file ends after ${prefix.length} of the ${PREFIX_BYTES} prefix bytes`,
    );
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, PREFIX_BYTES);
  for (let i = 0; i < JOB_MAGIC.length; i++) {
    if (prefix[i] !== JOB_MAGIC[i]) {
      throw new JobFormatError(
        "magic",
        `Input doesn't appear to be a filespooler file (it does not start with "*FILESPOOLER"; ` +
          `if the queue holds compressed or encrypted jobs, give the decoder with -d)`,
      );
    }
  }
  const version = view.getUint16(12);
  if (version !== JOB_VERSION) {
    throw new JobFormatError(
      "version",
      `Input version ${version} != ${JOB_VERSION} (only version 1 exists)`,
    );
  }
  const metaLen64 = view.getBigUint64(14);
  const metaCrc = view.getUint32(22);
  const prefixCrc = view.getUint32(26);
  const computed = crc32(prefix.subarray(0, 26));
  if (computed !== prefixCrc) {
    throw new JobFormatError(
      "prefix-crc",
      `CRC-32 mismatch on file prefix (stored ${hex(prefixCrc)}, computed ${
        hex(computed)
      }): the file is damaged`,
    );
  }
  if (metaLen64 > BigInt(limitBytes)) {
    throw new JobFormatError(
      "meta-too-large",
      `metadata length ${metaLen64} is over ferry's limit of ${limitBytes} bytes: such a job could not run`,
    );
  }
  return { metaLen: Number(metaLen64), metaCrc, prefixCrc };
}

/** Checks the metadata block against the prefix and decodes it. */
export function parseMetaBlock(block: Uint8Array, prefix: JobPrefix): JobHeader {
  if (block.length < prefix.metaLen) {
    throw new JobFormatError(
      "truncated",
      `failed to fill whole buffer: the file ends after ${block.length} of the ${prefix.metaLen} metadata bytes`,
    );
  }
  const computed = crc32(block.subarray(0, prefix.metaLen));
  if (computed !== prefix.metaCrc) {
    throw new JobFormatError(
      "meta-crc",
      `CRC-32 mismatch on metadata (stored ${hex(prefix.metaCrc)}, computed ${
        hex(computed)
      }): the file is damaged`,
    );
  }
  let meta: JobMeta;
  try {
    meta = decodeMeta(block.subarray(0, prefix.metaLen));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw new JobFormatError("metadata", `Cannot decode the metadata: ${err.message}`);
  }
  return { meta, ...prefix, payloadOffset: PREFIX_BYTES + prefix.metaLen };
}

/** Parses the header at the start of `bytes` (which may hold the payload too). */
export function decodeJobHeader(bytes: Uint8Array, limitBytes: number = metaBytesMax): JobHeader {
  const prefix = parsePrefix(bytes.subarray(0, PREFIX_BYTES), limitBytes);
  return parseMetaBlock(bytes.subarray(PREFIX_BYTES), prefix);
}

/** A source of bytes read synchronously (a `Deno.FsFile`, `Deno.stdin`, a raw descriptor). */
export interface SyncReader {
  readSync(p: Uint8Array): number | null;
}

/** A source of bytes read asynchronously (`Deno.FsFile`, `Deno.stdin`, a stream adapter). */
export interface AsyncReader {
  read(p: Uint8Array): Promise<number | null>;
}

function readFullSync(r: SyncReader, n: number): Uint8Array {
  const buf = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const k = r.readSync(buf.subarray(got));
    if (k === null || k === 0) break;
    got += k;
  }
  return buf.subarray(0, got);
}

async function readFull(r: AsyncReader, n: number): Promise<Uint8Array> {
  const buf = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const k = await r.read(buf.subarray(got));
    if (k === null || k === 0) break;
    got += k;
  }
  return buf.subarray(0, got);
}

/** Reads exactly the header from `r`, leaving it at the first payload byte. */
export function readJobHeaderSync(r: SyncReader, limitBytes: number = metaBytesMax): JobHeader {
  const prefix = parsePrefix(readFullSync(r, PREFIX_BYTES), limitBytes);
  return parseMetaBlock(readFullSync(r, prefix.metaLen), prefix);
}

/** Reads exactly the header from `r`, leaving it at the first payload byte. */
export async function readJobHeader(
  r: AsyncReader,
  limitBytes: number = metaBytesMax,
): Promise<JobHeader> {
  const prefix = parsePrefix(await readFull(r, PREFIX_BYTES), limitBytes);
  return parseMetaBlock(await readFull(r, prefix.metaLen), prefix);
}
