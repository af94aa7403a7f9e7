/**
 * Every limit the queue code works under, in one place, with units last.
 * @module
 */

/**
 * Largest metadata block ferry reads (fspl has no cap). Linux refuses a
 * single argument over 128 KiB and all of argv plus environment over about
 * 2 MiB, and each byte takes one or two bytes in the metadata, so a larger
 * block could never run anyway.
 */
export const metaBytesMax = 4 * 1024 * 1024;

/** Default cap on a decoded job spooled to disk before it runs (`--decoded-max-bytes`). */
export const decodedBytesMaxDefault = 1024 * 1024 * 1024;

/** Default cap on one job file that `enqueueJob` / `queue write` accepts. */
export const enqueueBytesMaxDefault = 64 * 1024 * 1024 * 1024;

/** Chunk size for copying payloads and decoder output. */
export const copyChunkBytes = 256 * 1024;

/** Most job files one scan of `jobs/` considers; beyond it the scan fails with a clear error. */
export const scanJobsMax = 1_000_000;

/**
 * Most consecutive jobs that spawn nothing (NOP, and Fail under Delete or
 * Leave) whose `nextseq` updates are written as one; a crash repeats at most
 * this many of them, which is harmless as they have no effect.
 */
export const quietJobsPerCommitMax = 1000;

/** Largest sequence file ferry reads (a u64 in decimal and a newline need 21). */
export const seqfileBytesMax = 4096;

/** Most bytes of a decoder's standard error kept for the failure message. */
export const decoderStderrBytesMax = 4096;

/** How long a scan waits for a decoder whose output ended early to exit, to report its status. */
export const decoderExitWaitMs = 5000;
