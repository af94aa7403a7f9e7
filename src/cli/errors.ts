/**
 * Errors the command line turns into exit codes: {@linkcode UsageError} is
 * exit 2 (the command line itself is wrong), {@linkcode CliError} is exit 1
 * (the command was understood but failed). Messages say what failed and what
 * to do about it.
 * @module
 */

/** The command was understood but could not be done. Exit code 1. */
export class CliError extends Error {
  override name = "CliError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The command line is wrong. Exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(message: string) {
    super(message);
  }
}
