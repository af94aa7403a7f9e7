/**
 * One pass over a queue's `jobs/` folder: every `fspl-*.fspl` file's header
 * is read (through the decoder, if any) and only the header, in directory
 * order. Files whose header does not parse are returned with the reason, so
 * callers can warn about them by name; they never stop the queue.
 *
 * @example
 * ```ts ignore
 * import { scanJobs, indexBySeq } from "./scan.ts";
 * const { jobs, invalid } = await scanJobs("q");
 * const bySeq = indexBySeq(jobs, "q/jobs"); // throws on a duplicate seq
 * ```
 * @module
 */

import { readHeaderViaDecoder } from "./decoder.ts";
import { DuplicateSeqError, QueueLayoutError } from "./errors.ts";
import { type JobHeader, readJobHeaderSync } from "./job_file.ts";
import type { JobKind } from "./job_meta.ts";
import { scanJobsMax } from "./limits.ts";
import { isJobFileName, queuePaths, requireJobsDir } from "./queue_dir.ts";

/** What a scan keeps of each valid job. */
export interface ScannedJob {
  /** Name inside `jobs/`. */
  fileName: string;
  seq: bigint;
  ctimeSecs: bigint;
  ctimeNanos: number;
  kind: JobKind;
}

/** A job file that was skipped, and why. */
export interface InvalidJob {
  fileName: string;
  reason: string;
}

/** Result of {@linkcode scanJobs}. */
export interface ScanResult {
  /** Valid jobs, in directory order. */
  jobs: ScannedJob[];
  /** Files named like jobs whose header could not be read. */
  invalid: InvalidJob[];
}

/** Options for {@linkcode scanJobs}. */
export interface ScanOptions {
  /** Decoder command (`-d`), run for every job file. */
  decoder?: string | undefined;
}

/** Reads the header of one stored job (through `decoder` when given). */
export async function readStoredHeader(path: string, decoder?: string): Promise<JobHeader> {
  if (decoder !== undefined) return await readHeaderViaDecoder(path, decoder);
  const file = Deno.openSync(path, { read: true });
  try {
    return readJobHeaderSync(file);
  } finally {
    file.close();
  }
}

/**
 * The `fspl-*.fspl` names in `jobs/`, in directory order. Entries named like
 * jobs that are not regular files (a FIFO would block the reader forever, a
 * device would never end) are left out and reported in `skipped`; a symlink
 * counts only when it leads to a regular file.
 */
export function listJobFiles(queueDir: string, skipped: InvalidJob[] = []): string[] {
  requireJobsDir(queueDir);
  const jobsDir = queuePaths(queueDir).jobs;
  const names: string[] = [];
  for (const entry of Deno.readDirSync(jobsDir)) {
    if (!isJobFileName(entry.name)) continue;
    const kind = notRegular(`${jobsDir}/${entry.name}`, entry);
    if (kind !== undefined) {
      skipped.push({
        fileName: entry.name,
        reason: `${kind}, not a regular file: skipped (move it out of ${jobsDir})`,
      });
      continue;
    }
    if (names.length >= scanJobsMax) {
      throw new QueueLayoutError(
        `${queuePaths(queueDir).jobs} holds more than ${scanJobsMax} job files; ` +
          `move some aside and feed them back in smaller batches`,
      );
    }
    names.push(entry.name);
  }
  return names;
}

/** What a non-regular entry is, or undefined for a regular file (or a symlink to one). */
function notRegular(path: string, entry: Deno.DirEntry): string | undefined {
  if (entry.isFile) return undefined;
  if (entry.isDirectory) return "a folder";
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch {
    return entry.isSymlink ? "a dangling symlink" : "unreadable";
  }
  if (info.isFile) return undefined;
  if (info.isFifo) return "a FIFO";
  if (info.isCharDevice || info.isBlockDevice) return "a device";
  if (info.isSocket) return "a socket";
  if (info.isDirectory) return "a symlink to a folder";
  return "not a file";
}

/** Scans `queueDir/jobs` once. */
export async function scanJobs(queueDir: string, options: ScanOptions = {}): Promise<ScanResult> {
  const jobsDir = queuePaths(queueDir).jobs;
  const result: ScanResult = { jobs: [], invalid: [] };
  for (const fileName of listJobFiles(queueDir, result.invalid)) {
    let header: JobHeader;
    try {
      header = await readStoredHeader(`${jobsDir}/${fileName}`, options.decoder);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue; // processed or moved since readdir
      result.invalid.push({ fileName, reason: err instanceof Error ? err.message : String(err) });
      continue;
    }
    const { seq, ctimeSecs, ctimeNanos, kind } = header.meta;
    result.jobs.push({ fileName, seq, ctimeSecs, ctimeNanos, kind });
  }
  return result;
}

/** Maps seq to job; throws {@linkcode DuplicateSeqError} naming both files of the first duplicate. */
export function indexBySeq(jobs: ScannedJob[], jobsDir: string): Map<bigint, ScannedJob> {
  const bySeq = new Map<bigint, ScannedJob>();
  for (const job of jobs) {
    const other = bySeq.get(job.seq);
    if (other !== undefined) {
      throw new DuplicateSeqError(job.seq, other.fileName, job.fileName, jobsDir);
    }
    bySeq.set(job.seq, job);
  }
  return bySeq;
}

/** Jobs sorted by creation time (stable: equal times keep directory order). */
export function byTimestamp(jobs: ScannedJob[]): ScannedJob[] {
  return [...jobs].sort((a, b) =>
    a.ctimeSecs !== b.ctimeSecs ? (a.ctimeSecs < b.ctimeSecs ? -1 : 1) : a.ctimeNanos - b.ctimeNanos
  );
}

/** Jobs sorted by seq (stable). */
export function bySeq(jobs: ScannedJob[]): ScannedJob[] {
  return [...jobs].sort((a, b) => (a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1));
}
