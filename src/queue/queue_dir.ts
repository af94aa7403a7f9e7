/**
 * The queue directory layout fspl uses:
 *
 * ```text
 * QUEUE/
 *   nextseq        the next sequence number to run ("1\n" after init)
 *   nextseq.lock   empty; flock target while processing
 *   jobs/          job files named fspl-*.fspl
 * ```
 *
 * An append-only queue has only `jobs/`. Anything else in `QUEUE` is left
 * alone, and only `jobs/` entries named `fspl-*.fspl` are jobs.
 *
 * @example
 * ```ts
 * import { initQueue, isJobFileName } from "./queue_dir.ts";
 * const dir = Deno.makeTempDirSync();
 * initQueue(`${dir}/q`, { appendOnly: false });
 * console.assert(isJobFileName("fspl-1.fspl") && !isJobFileName("fspl-1.fspl.out"));
 * Deno.removeSync(dir, { recursive: true });
 * ```
 * @module
 */

import { QueueLayoutError } from "./errors.ts";
import { dirOf, syncDir, writeSeqfile } from "./seqfile.ts";

/** Paths inside a queue directory (joined to the directory string as given). */
export interface QueuePaths {
  /** The queue directory as given. */
  dir: string;
  /** `dir/jobs`. */
  jobs: string;
  /** `dir/nextseq` (its lock is `dir/nextseq.lock`). */
  nextseq: string;
}

/** The paths of queue `dir`. */
export function queuePaths(dir: string): QueuePaths {
  return { dir, jobs: `${dir}/jobs`, nextseq: `${dir}/nextseq` };
}

/** True for names that are jobs: `fspl-` ... `.fspl`. */
export function isJobFileName(name: string): boolean {
  return name.startsWith("fspl-") && name.endsWith(".fspl");
}

/** A fresh job name, `fspl-<uuid v4>.fspl`, like `fspl gen-filename`. */
export function newJobFileName(): string {
  return `fspl-${crypto.randomUUID()}.fspl`;
}

/** The temporary name a job is written under before its rename (never matches `fspl-*.fspl`). */
export function tempJobFileName(finalName: string): string {
  return `tmp-${finalName}.tmp`;
}

/**
 * Creates queue `dir` (its parent must exist, and `dir` must not): `jobs/`,
 * and unless `appendOnly`, `nextseq` holding 1 and an empty `nextseq.lock`.
 */
export function initQueue(dir: string, options: { appendOnly: boolean }): void {
  try {
    Deno.mkdirSync(dir);
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) {
      throw new QueueLayoutError(`${dir} already exists; init makes a new queue only`);
    }
    if (err instanceof Deno.errors.NotFound) {
      throw new QueueLayoutError(`cannot make ${dir}: its parent folder does not exist`);
    }
    throw err;
  }
  const paths = queuePaths(dir);
  Deno.mkdirSync(paths.jobs);
  if (!options.appendOnly) {
    writeSeqfile(paths.nextseq, 1n);
    Deno.writeFileSync(`${paths.nextseq}.lock`, new Uint8Array(0));
  }
  syncDir(dir);
  syncDir(dirOf(dir));
}

/** Throws a clear error unless `dir/jobs` is a folder. */
export function requireJobsDir(dir: string): void {
  const jobs = queuePaths(dir).jobs;
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(jobs);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new QueueLayoutError(`${dir} is not a queue: ${jobs} is missing (make one with init)`);
    }
    throw err;
  }
  if (!info.isDirectory) {
    throw new QueueLayoutError(`${dir} is not a queue: ${jobs} is not a folder`);
  }
}
