/**
 * `processQueue`: runs a queue's jobs in order, like `fspl queue-process`.
 *
 * Sequence order (the default): under the `nextseq.lock` flock, read N from
 * `nextseq`, scan `jobs/` once (a duplicate seq anywhere stops everything
 * before anything runs), then run the job with seq N, N+1, ... until one is
 * missing (a gap waits for it), `maxJobs` is reached, or a job fails under
 * `Retry`. After a job succeeds (or fails under `Delete`/`Leave`), `nextseq`
 * becomes N+1 (temp, fsync, rename, fsync of the folder) before its file is
 * deleted, so a job that finished never runs again.
 *
 * At-least-once: if ferry dies while a command runs (power cut, SIGKILL),
 * `nextseq` still names that job, and the next run starts it again from the
 * beginning. fspl does the same. Commands should be safe to repeat.
 *
 * Jobs that spawn nothing (NOP, and Fail under Delete or Leave) are
 * committed together, up to {@linkcode quietJobsPerCommitMax} at a time, or
 * with the next command's commit: repeating them after a crash is harmless.
 *
 * Timestamp order walks all valid jobs by creation time instead, and
 * neither reads nor writes `nextseq` (it still takes the lock).
 *
 * @example
 * ```ts ignore
 * import { processQueue } from "./process.ts";
 * const summary = await processQueue("q", { command: "sh", args: ["-c", "cat > out"], ...rest });
 * ```
 * @module
 */

import { currentEnviron } from "./_libc.ts";
import { quietJobsPerCommitMax } from "./limits.ts";
import { queuePaths } from "./queue_dir.ts";
import { type JobOutcome, removeStaleSpools, runJob, type RunOptions } from "./run_job.ts";
import { byTimestamp, indexBySeq, type InvalidJob, scanJobs, type ScannedJob } from "./scan.ts";
import { lockSeqfile, readNextSeq, writeSeqfile } from "./seqfile.ts";
import { crashPoint } from "../fsutil/crash_point.ts";

/** What to do when a job fails (a Fail job, a non-zero exit, a signal, the timeout, a failed decoder). */
export type OnError = "Retry" | "Delete" | "Leave";
/** The order jobs run in. */
export type OrderBy = "Sequence" | "Timestamp";

/** Options for {@linkcode processQueue}. */
export interface ProcessOptions extends RunOptions {
  /** Default `Retry`: stop, keep the job, and leave `nextseq` on it. */
  onError: OnError;
  /** Default `Sequence`. */
  orderBy: OrderBy;
  /** Stop after this many jobs (every NOP and Fail counts). */
  maxJobs?: number | undefined;
  /** Never delete a job file. */
  neverDelete: boolean;
}

/** Why processing stopped. */
export type StopReason = "waiting" | "max-jobs" | "all-done" | "failed";

/** What a run did. */
export interface ProcessSummary {
  /** Jobs taken (including NOP and Fail). */
  attempted: number;
  succeeded: number;
  failed: number;
  stop: StopReason;
  /** Sequence order: `nextseq` at the end. */
  nextSeq: bigint | null;
  /** Sequence order: the first job that failed under Retry and stays at the head. */
  failure?: { seq: bigint; fileName: string; reason: string };
  /** Files named like jobs that could not be read (skipped, not fatal). */
  invalid: InvalidJob[];
}

/** Processes `queueDir` (the path as given; it also becomes `FSPL_JOB_QUEUEDIR`). */
export async function processQueue(
  queueDir: string,
  opts: ProcessOptions,
): Promise<ProcessSummary> {
  const paths = queuePaths(queueDir);
  const lock = lockSeqfile(paths.nextseq, { create: false, label: `queue ${queueDir}` });
  try {
    removeStaleSpools(queueDir);
    const scan = await scanJobs(queueDir, { decoder: opts.decoder });
    for (const bad of scan.invalid) {
      opts.log.warn("queue-job-invalid", {
        file: `${paths.jobs}/${bad.fileName}`,
        reason: bad.reason,
      });
    }
    const summary: ProcessSummary = {
      attempted: 0,
      succeeded: 0,
      failed: 0,
      stop: "all-done",
      nextSeq: null,
      invalid: scan.invalid,
    };
    const run = { ...opts, environ: opts.environ ?? currentEnviron() }; // read once, not per job
    if (opts.orderBy === "Timestamp") {
      await inTimestampOrder(queueDir, byTimestamp(scan.jobs), run, summary);
    } else await inSequenceOrder(queueDir, scan.jobs, run, summary);
    return summary;
  } finally {
    lock.release();
  }
}

function removeJob(queueDir: string, fileName: string): void {
  try {
    Deno.removeSync(`${queueDir}/jobs/${fileName}`);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

async function inSequenceOrder(
  queueDir: string,
  jobs: ScannedJob[],
  opts: ProcessOptions,
  summary: ProcessSummary,
): Promise<void> {
  const paths = queuePaths(queueDir);
  const index = indexBySeq(jobs, paths.jobs);
  let next = readNextSeq(paths.nextseq);
  let committed = next;
  let pendingDeletes: string[] = [];
  const commit = () => {
    if (next !== committed) {
      writeSeqfile(paths.nextseq, next);
      committed = next;
      crashPoint("queue.next-advanced");
    }
    for (const name of pendingDeletes) removeJob(queueDir, name);
    pendingDeletes = [];
  };
  try {
    for (let round = 0; round <= index.size; round++) {
      const job = index.get(next);
      if (job === undefined) {
        summary.stop = [...index.keys()].some((s) => s > next) ? "waiting" : "all-done";
        break;
      }
      if (opts.maxJobs !== undefined && summary.attempted >= opts.maxJobs) {
        summary.stop = "max-jobs";
        break;
      }
      const outcome = await attempt(queueDir, job, opts, summary);
      crashPoint("queue.job-done");
      if (!outcome.ok && opts.onError === "Retry") break;
      next = job.seq + 1n;
      if (!keepAfter(outcome, opts)) pendingDeletes.push(job.fileName);
      const batchFull = next - committed >= BigInt(quietJobsPerCommitMax);
      if (job.kind === "Command" || batchFull) commitAfterRun(commit, job);
    }
  } catch (err) {
    try {
      commit(); // what ran before the error stays done
    } catch {
      // The original error says more.
    }
    throw err;
  }
  commit();
  summary.nextSeq = committed;
}

/** Runs one job and books its outcome; under Retry a failure marks the stop. */
async function attempt(
  queueDir: string,
  job: ScannedJob,
  opts: ProcessOptions,
  summary: ProcessSummary,
): Promise<JobOutcome> {
  opts.log.debug("queue-job-start", { seq: job.seq, file: job.fileName, kind: job.kind });
  const outcome = await runJob(queueDir, job, opts);
  summary.attempted++;
  if (outcome.ok) {
    summary.succeeded++;
    return outcome;
  }
  summary.failed++;
  opts.log.warn("queue-job-failed", { seq: job.seq, file: job.fileName, reason: outcome.reason });
  if (opts.onError === "Retry") {
    summary.stop = "failed";
    summary.failure = { seq: job.seq, fileName: job.fileName, reason: outcome.reason };
  }
  return outcome;
}

/** True when the job file stays after this outcome. */
function keepAfter(outcome: JobOutcome, opts: ProcessOptions): boolean {
  return opts.neverDelete || (!outcome.ok && opts.onError === "Leave");
}

function commitAfterRun(commit: () => void, job: ScannedJob): void {
  try {
    commit();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `job ${job.seq} (${job.fileName}) has run, but nextseq could not be updated (${why}); ` +
        `it will run again on the next run unless you set-next ${job.seq + 1n}`,
    );
  }
}

async function inTimestampOrder(
  queueDir: string,
  jobs: ScannedJob[],
  opts: ProcessOptions,
  summary: ProcessSummary,
): Promise<void> {
  for (const job of jobs) {
    if (opts.maxJobs !== undefined && summary.attempted >= opts.maxJobs) {
      summary.stop = "max-jobs";
      return;
    }
    const outcome = await attempt(queueDir, job, opts, summary);
    if (!outcome.ok && opts.onError === "Retry") return;
    if (!keepAfter(outcome, opts)) removeJob(queueDir, job.fileName);
  }
}
