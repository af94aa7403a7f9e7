/**
 * Operating-system errors in words a person can act on. Deno reports them as
 * `No such file or directory (os error 2): stat 'x'`; ferry says
 * `cannot stat x: No such file or directory`, and for a permission problem
 * names the running user, the file's owner and mode, and the fix.
 *
 * @example
 * ```ts
 * import { describeOsError } from "./os_errors.ts";
 * const err = new Deno.errors.NotFound("No such file or directory (os error 2): stat 'x'");
 * console.assert(describeOsError(err) === "cannot stat x: No such file or directory");
 * ```
 * @module
 */

import { permissionHint, processUser } from "./owner.ts";

const OS_ERROR = /^(.*?) \(os error (\d+)\)(?:: (\w+) '(.*)')?$/s;

/** A readable message for an operating-system error, or undefined for other errors. */
export function describeOsError(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const m = OS_ERROR.exec(err.message);
  if (!m) return undefined;
  const reason = m[1]!;
  const op = m[3];
  const path = m[4];
  const head = op && path !== undefined ? `cannot ${op} ${path}: ${reason}` : reason;
  if (err instanceof Deno.errors.PermissionDenied && path !== undefined) {
    return `${head} (running as ${processUser()}); ${permissionHint(path)}`;
  }
  return head;
}

/** The message of `err` for a log line or a status file: OS errors in words, others as they are. */
export function errorText(err: unknown): string {
  return describeOsError(err) ?? (err instanceof Error ? err.message : String(err));
}
