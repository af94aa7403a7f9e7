/**
 * Ordered job queues, compatible with Filespooler (fspl 1.2.2): the same
 * job file format and queue layout, so jobs made by either program run
 * under the other, in the exact order they were made, whatever order the
 * transport delivers them in.
 *
 * The pieces, in the order a job travels:
 *
 * - **Make a job** (sender): {@linkcode takeSenderSeq} gives the next number
 *   from a sender sequence file; {@linkcode jobStream} / {@linkcode prepareJob}
 *   produce the job file (header, then the payload streamed through).
 * - **Queue it** (receiver): {@linkcode enqueueJob} writes one complete job
 *   file into `QUEUE/jobs/` atomically (temp name, fsync, verify, rename,
 *   fsync), refusing anything that does not parse.
 * - **Run the queue**: {@linkcode processQueue} runs jobs in sequence order
 *   under the queue lock and returns a {@linkcode ProcessSummary}.
 * - **Look**: {@linkcode scanJobs}, {@linkcode findJob},
 *   {@linkcode formatListing}, {@linkcode jobVariables}.
 *
 * An NNCP exec handler that appends an incoming body to a queue calls
 * `enqueueJob(queueDir, body)` when the body is a complete job file (made by
 * `ferry queue prepare` or `fspl prepare` on the sending node), or
 * `enqueueJob(queueDir, jobStream({ seq, params }, body))` to wrap a raw
 * payload, with `seq` from a sequence file it keeps per queue.
 *
 * Where fspl is silently unsafe, ferry is safe (and says so):
 * - a decoder that exits non-zero fails the job; the decoded job is spooled
 *   (bounded) and checked before the command starts;
 * - job files that cannot be parsed are reported by name with the reason
 *   (they never block the other jobs);
 * - a duplicate sequence number names both files and how to fix it;
 * - a NUL byte in a param or variable is refused with a clear message;
 * - `enqueueJob` verifies a job before it appears in the queue;
 * - a prepare whose input cannot be opened does not use up a sequence number.
 *
 * Delivery is at least once: a job interrupted by a crash or power cut runs
 * again from the start on the next run (fspl does the same).
 *
 * @example
 * ```ts
 * import { enqueueJob, initQueue, jobStream, processQueue } from "./mod.ts";
 * import { silentLogger } from "../log/logger.ts";
 * const dir = await Deno.makeTempDir();
 * initQueue(`${dir}/q`, { appendOnly: false });
 * await enqueueJob(`${dir}/q`, jobStream({ seq: 1n, params: ["hello"] }, new TextEncoder().encode("payload")));
 * const summary = await processQueue(`${dir}/q`, {
 *   command: "true", args: [], allowJobParams: true, ignorePayload: false, outputTo: "PassBoth",
 *   decodedBytesMax: 1 << 20, log: silentLogger, onError: "Retry", orderBy: "Sequence", neverDelete: false,
 * });
 * console.assert(summary.succeeded === 1 && summary.nextSeq === 2n);
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */

export { crc32 } from "../encoding/crc32.ts";
export {
  DecodedTooLargeError,
  DecoderFailedError,
  DuplicateSeqError,
  JobFormatError,
  type JobFormatProblem,
  QueueBusyError,
  QueueLayoutError,
} from "./errors.ts";
export { decodeMeta, encodeMeta, type JobKind, type JobMeta } from "./job_meta.ts";
export {
  decodeJobHeader,
  encodeJobHeader,
  JOB_MAGIC,
  JOB_VERSION,
  type JobHeader,
  PREFIX_BYTES,
  readJobHeader,
  readJobHeaderSync,
} from "./job_file.ts";
export {
  findNul,
  formatVariables,
  type JobLocation,
  jobVariables,
  type RawVar,
} from "./job_env.ts";
export { formatCtimeLocal, formatCtimeUtc } from "./time_format.ts";
export {
  initQueue,
  isJobFileName,
  newJobFileName,
  type QueuePaths,
  queuePaths,
  requireJobsDir,
} from "./queue_dir.ts";
export {
  lockSeqfile,
  parseSeq,
  readNextSeq,
  readSeqfile,
  type SeqLock,
  writeSeqfile,
} from "./seqfile.ts";
export {
  fsplSetVariables,
  type JobSpec,
  jobStream,
  makeJobMeta,
  nowCtime,
  prepareJob,
  senderNextSeq,
  setSenderNextSeq,
  takeSenderSeq,
} from "./prepare.ts";
export { enqueueJob, type EnqueueOptions, type EnqueueResult } from "./enqueue.ts";
export {
  indexBySeq,
  type InvalidJob,
  readStoredHeader,
  scanJobs,
  type ScannedJob,
  type ScanResult,
} from "./scan.ts";
export { copyPayload, findJob, type FoundJob, JobNotFoundError } from "./lookup.ts";
export { formatListing } from "./listing.ts";
export { type JobOutcome, type OutputTo, runJob, type RunOptions } from "./run_job.ts";
export {
  type OnError,
  type OrderBy,
  type ProcessOptions,
  processQueue,
  type ProcessSummary,
  type StopReason,
} from "./process.ts";
export { decoderShell } from "./decoder.ts";
export * as limits from "./limits.ts";
export { decodedBytesMaxDefault, enqueueBytesMaxDefault } from "./limits.ts";
