/**
 * Finding one job by seq (`queue info -j`, `queue payload -j`) and copying
 * a job's payload out. Like fspl, the seq must be unique in the whole queue.
 *
 * @example
 * ```ts ignore
 * import { findJob, copyPayload } from "./lookup.ts";
 * const found = await findJob("q", 5n);
 * await copyPayload(`q/jobs/${found.job.fileName}`, undefined, Deno.stdout.writable);
 * ```
 * @module
 */

import { decodeFully } from "./decoder.ts";
import { JobFormatError } from "./errors.ts";
import { decodeJobHeader, type JobHeader, readJobHeader } from "./job_file.ts";
import { queuePaths } from "./queue_dir.ts";
import {
  indexBySeq,
  type InvalidJob,
  readStoredHeader,
  scanJobs,
  type ScannedJob,
} from "./scan.ts";

/** No job in the queue has the requested seq. */
export class JobNotFoundError extends Error {
  override name = "JobNotFoundError";
}

/** A job found by {@linkcode findJob}. */
export interface FoundJob {
  job: ScannedJob;
  header: JobHeader;
  /** Files skipped during the scan. */
  invalid: InvalidJob[];
}

/** Finds the job with `seq` in `queueDir` and reads its full header. */
export async function findJob(queueDir: string, seq: bigint, decoder?: string): Promise<FoundJob> {
  const jobsDir = queuePaths(queueDir).jobs;
  const scan = await scanJobs(queueDir, { decoder });
  const job = indexBySeq(scan.jobs, jobsDir).get(seq);
  if (job === undefined) {
    throw new JobNotFoundError(`Job ${seq} not found in directory ${JSON.stringify(queueDir)}`);
  }
  const header = await readStoredHeader(`${jobsDir}/${job.fileName}`, decoder);
  return { job, header, invalid: scan.invalid };
}

/**
 * Copies the payload of the stored job at `path` to `out` (left open).
 * With a decoder, its output after the header is streamed, and a decoder
 * that fails makes this throw after the bytes it produced.
 */
export async function copyPayload(
  path: string,
  decoder: string | undefined,
  out: WritableStream<Uint8Array>,
): Promise<void> {
  const writer = out.getWriter();
  try {
    if (decoder === undefined) {
      const file = await Deno.open(path, { read: true });
      try {
        await readJobHeader(file);
        for await (const chunk of file.readable) await writer.write(chunk);
      } finally {
        try {
          file.close();
        } catch {
          // The stream closed it.
        }
      }
      return;
    }
    let skip = -1;
    const head: Uint8Array[] = [];
    await decodeFully(path, decoder, async (chunk) => {
      if (skip < 0) {
        head.push(chunk);
        const all = concatAll(head);
        const header = headerIfComplete(all);
        if (header === null) return;
        skip = header.payloadOffset;
        chunk = all;
      }
      const rest = chunk.subarray(Math.min(skip, chunk.length));
      skip = Math.max(0, skip - chunk.length);
      if (rest.length > 0) await writer.write(rest);
    }, Number.MAX_SAFE_INTEGER);
    if (skip < 0) decodeJobHeader(concatAll(head)); // throws: the decoded job ends inside its header
  } finally {
    writer.releaseLock();
  }
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function headerIfComplete(bytes: Uint8Array): JobHeader | null {
  try {
    return decodeJobHeader(bytes);
  } catch (err) {
    if (err instanceof JobFormatError && err.problem === "truncated") return null; // wait for more
    throw err;
  }
}
