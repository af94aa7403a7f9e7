/**
 * Sizes fixed by NNCP's packet format, and ferry's own limits for packet
 * work (buffers and queues), all in bytes unless the name says otherwise.
 *
 * @example
 * ```ts
 * import { BLOCK_BYTES, ENC_HEADER_BYTES } from "./limits.ts";
 * console.assert(BLOCK_BYTES === 128 * 1024 && ENC_HEADER_BYTES === 172);
 * ```
 * @module
 */

/** Plaintext bytes in one full encrypted block (128 KiB), also the MTH leaf size. */
export const BLOCK_BYTES = 128 * 1024;
/** Poly1305 tag after every encrypted block. */
export const TAG_BYTES = 16;
/** One full encrypted block on the wire: plaintext plus tag. */
export const SEALED_BLOCK_BYTES = BLOCK_BYTES + TAG_BYTES;
/** The encrypted packet header: magic, nice, sender, recipient, ephemeral key, signature. */
export const ENC_HEADER_BYTES = 172;
/** The signed part of the encrypted header (everything before the signature). */
export const TBS_BYTES = 108;
/** The XDR SIZE structure (payload u64, pad u64) at the start of the size block. */
export const SIZE_BYTES = 16;
/** The plain packet header: magic, type, nice, path length, 255-byte path and XDR pad. */
export const PLAIN_HEADER_BYTES = 276;
/** Longest plain packet path. */
export const PATH_BYTES_MAX = 255;
/** Node ids, area ids and packet ids. */
export const ID_BYTES = 32;
/** Magic numbers. */
export const MAGIC_BYTES = 8;

/** Largest payload (or padding) ferry handles: beyond this, byte counts stop being exact in a JavaScript number. */
export const PAYLOAD_BYTES_MAX = Number.MAX_SAFE_INTEGER;
/** How much of a source is read at once when encrypting or decrypting. */
export const READ_BATCH_BYTES = 512 * 1024;
/** How much output is gathered before one write. */
export const WRITE_BATCH_BYTES = 512 * 1024;
/** Output buffers (each WRITE_BATCH_BYTES) queued for writing while encryption goes on. */
export const WRITES_IN_FLIGHT_MAX = 2;
/** Leaf-aligned staging buffer of the packet hasher (whole 128 KiB blocks). */
export const HASH_STAGE_BYTES = 4 * BLOCK_BYTES;
/** Buffers in flight to the hashing worker (each HASH_STAGE_BYTES): the queue bound. */
export const HASH_QUEUE_BUFFERS_MAX = 4;
/** Hashing worker threads a process runs at most (each holds HASH_QUEUE_BUFFERS_MAX buffers). */
export const HASH_WORKERS_MAX = 3;
/** Output size from which packet hashing moves to a worker thread. */
export const HASH_WORKER_THRESHOLD_BYTES = 8 * 1024 * 1024;
/** Processed bytes between two young-generation garbage collections (when `gc` is exposed). */
export const GC_INTERVAL_BYTES = 1024 * 1024;
/**
 * When a packet's last block fails authentication, how many bytes from its
 * end are tried off, to tell "bytes were appended" from "damaged" (one AEAD
 * attempt each, on the error path only).
 */
export const APPENDED_PROBE_BYTES_MAX = 1024;
