/**
 * Runs one queued job the way fspl does: a NOP succeeds and a Fail fails
 * without spawning anything; a Command execs `COMMAND ARGS... [PARAMS...]`
 * directly (no shell) with the `FSPL_*` variables added to the environment,
 * and the job file's own descriptor, positioned at the payload, as stdin.
 *
 * Where fspl is silently unsafe, ferry is safe:
 * - with a decoder, the decoded job is spooled to an unlinked file in the
 *   queue folder first (bounded by `decodedBytesMax`), and a decoder that
 *   exits non-zero fails the job instead of feeding it a truncated payload;
 *   the command still gets a regular, seekable file;
 * - a NUL byte in a param or `FSPL_SET_*` variable (which `execve` cannot
 *   pass) fails the job with a message saying which one, instead of an
 *   error at spawn time.
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { currentEnviron } from "./_libc.ts";
import { decodeFully } from "./decoder.ts";
import { DecoderFailedError, JobFormatError } from "./errors.ts";
import { findNul, jobVariables } from "./job_env.ts";
import { type JobHeader, readJobHeaderSync } from "./job_file.ts";
import { RawFile } from "./raw_file.ts";
import type { ScannedJob } from "./scan.ts";
import { mergeEnvironment, spawnProcess, waitProcess } from "./spawn.ts";

/** Where the command's stdout and stderr go. */
export type OutputTo = "PassBoth" | "SaveBoth";

/** How to run jobs. */
export interface RunOptions {
  /** The program to run for Command jobs (no shell; `PATH` lookup). */
  command: string;
  /** Arguments given before the job's params. */
  args: string[];
  /** Append the job's params to argv (otherwise they are only in `FSPL_PARAM_n`). */
  allowJobParams: boolean;
  /** Leave stdin alone (the command inherits ferry's) instead of giving it the payload. */
  ignorePayload: boolean;
  /** Kill the command (SIGKILL) after this many seconds; the job then fails. */
  timeoutSecs?: number | undefined;
  /** `PassBoth` (inherit) or `SaveBoth` (`jobs/<file>.out`, truncated each run). */
  outputTo: OutputTo;
  /** Decoder command (`-d`). */
  decoder?: string | undefined;
  /** Largest decoded job spooled before running it. */
  decodedBytesMax: number;
  /** Environment entries (`NAME=value`) commands start from; default ferry's current environment. */
  environ?: Uint8Array[] | undefined;
  log: Logger;
}

/** Whether a job succeeded, and if not, why. */
export type JobOutcome = { ok: true } | { ok: false; reason: string };

const encoder = new TextEncoder();

/** Prefix of the spool files of decoded jobs, in the queue folder. */
export const SPOOL_PREFIX = ".ferry-decoded-";

/** Removes spool files left by a crash (call while holding the queue lock). */
export function removeStaleSpools(queueDir: string): void {
  for (const entry of Deno.readDirSync(queueDir)) {
    if (entry.name.startsWith(SPOOL_PREFIX) && entry.name.endsWith(".tmp")) {
      Deno.removeSync(`${queueDir}/${entry.name}`);
    }
  }
}

/** Opens the job (decoded into an unlinked spool file when there is a decoder). */
async function openJob(
  queueDir: string,
  path: string,
  opts: RunOptions,
): Promise<RawFile | string> {
  if (opts.decoder === undefined) return RawFile.open(path);
  const spoolPath = `${queueDir}/${SPOOL_PREFIX}${Deno.pid}.tmp`;
  const spool = RawFile.createExclusive(spoolPath);
  Deno.removeSync(spoolPath); // stays readable through the descriptor; nothing to clean up later
  try {
    await decodeFully(
      path,
      opts.decoder,
      (chunk) => spool.writeAllSync(chunk),
      opts.decodedBytesMax,
    );
  } catch (err) {
    spool.close();
    if (err instanceof DecoderFailedError) return err.message;
    throw err;
  }
  spool.seek(0);
  return spool;
}

/** Reads the header again at run time and checks it is still the job the scan saw. */
function checkHeader(file: RawFile, job: ScannedJob): JobHeader | string {
  let header: JobHeader;
  try {
    header = readJobHeaderSync(file);
  } catch (err) {
    if (err instanceof JobFormatError) return `its header no longer parses: ${err.message}`;
    throw err;
  }
  if (header.meta.seq !== job.seq || header.meta.kind !== job.kind) {
    throw new Error(
      `${file.path} changed while the queue was being processed (seq ${job.seq} became ` +
        `${header.meta.seq}); job files must not change once they are named fspl-*.fspl`,
    );
  }
  return header;
}

/**
 * Runs `job` from `queueDir` (the path as the user gave it). Returns the
 * outcome; throws for errors that must stop processing whatever
 * `--on-error` says (the command cannot be started, I/O errors).
 */
export async function runJob(
  queueDir: string,
  job: ScannedJob,
  opts: RunOptions,
): Promise<JobOutcome> {
  if (job.kind === "NOP") return { ok: true };
  if (job.kind === "Fail") return { ok: false, reason: "it is a Fail job" };
  const path = `${queueDir}/jobs/${job.fileName}`;
  const opened = await openJob(queueDir, path, opts);
  if (typeof opened === "string") return { ok: false, reason: opened };
  let output: RawFile | undefined;
  let pid: number;
  try {
    const header = checkHeader(opened, job);
    if (typeof header === "string") return { ok: false, reason: header };
    const meta = header.meta;
    const nul = findNul(meta);
    if (nul !== null) {
      return { ok: false, reason: `its ${nul} contains a NUL byte, which no command can receive` };
    }
    if (meta.params.length > 0 && !opts.allowJobParams) {
      opts.log.warn("queue-job-params-ignored", { file: job.fileName, hint: "--allow-job-params" });
    }
    const argv: Uint8Array[] = [opts.command, ...opts.args].map((a) => encoder.encode(a));
    if (opts.allowJobParams) argv.push(...meta.params);
    const vars = jobVariables(meta, { queueDir, fileName: job.fileName });
    if (opts.outputTo === "SaveBoth") output = RawFile.createTruncate(`${path}.out`);
    if (!opts.ignorePayload) opened.seek(header.payloadOffset);
    pid = spawnProcess({
      file: argv[0]!,
      argv,
      env: mergeEnvironment(opts.environ ?? currentEnviron(), vars),
      ...(opts.ignorePayload ? {} : { stdinFd: opened.fd }),
      ...(output !== undefined ? { outputFd: output.fd } : {}),
    });
  } finally {
    opened.close();
    output?.close();
  }
  return await waitWithTimeout(pid, opts.timeoutSecs);
}

async function waitWithTimeout(pid: number, timeoutSecs: number | undefined): Promise<JobOutcome> {
  let timedOut = false;
  const timer = timeoutSecs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // It ended just now.
    }
  }, timeoutSecs * 1000);
  const status = await waitProcess(pid);
  clearTimeout(timer);
  if (status.code === 0) return { ok: true };
  if (timedOut) {
    return { ok: false, reason: `the command was killed after the ${timeoutSecs} s timeout` };
  }
  if (status.signal !== null) {
    return { ok: false, reason: `the command was killed by signal ${status.signal}` };
  }
  return { ok: false, reason: `the command exited with status ${status.code}` };
}
