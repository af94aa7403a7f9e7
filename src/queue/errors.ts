/**
 * The errors queue code throws for conditions callers are meant to catch.
 * Messages name the file or queue, say what is wrong and what to do.
 * @module
 */

/** Why a job file could not be read; the first words are fspl's own error text. */
export type JobFormatProblem =
  | "truncated"
  | "magic"
  | "version"
  | "prefix-crc"
  | "meta-too-large"
  | "meta-crc"
  | "metadata";

/** A job file's header cannot be parsed. Nothing from it runs. */
export class JobFormatError extends SyntaxError {
  override name = "JobFormatError";
  /** Which check failed. */
  readonly problem: JobFormatProblem;
  constructor(problem: JobFormatProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

/** Another process (fspl or ferry) holds the lock of a queue or sequence file. */
export class QueueBusyError extends Error {
  override name = "QueueBusyError";
}

/** Two job files in one queue carry the same sequence number. */
export class DuplicateSeqError extends Error {
  override name = "DuplicateSeqError";
  constructor(
    readonly seq: bigint,
    readonly first: string,
    readonly second: string,
    jobsDir: string,
  ) {
    super(
      `seq ${seq} is in two job files: ${jobsDir}/${first} and ${jobsDir}/${second}. ` +
        `Nothing was run. Compare them (ferry queue info), then move the one that should not ` +
        `run out of ${jobsDir}/ (or rename it so it no longer matches fspl-*.fspl) and run again`,
    );
  }
}

/** The queue directory is missing something it needs, or is of the wrong kind. */
export class QueueLayoutError extends Error {
  override name = "QueueLayoutError";
}

/** A decoder (`-d CMD`) exited unsuccessfully, so its output cannot be trusted. */
export class DecoderFailedError extends Error {
  override name = "DecoderFailedError";
}

/** A decoded job grew past the configured spool limit. */
export class DecodedTooLargeError extends Error {
  override name = "DecodedTooLargeError";
}
