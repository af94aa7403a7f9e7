/**
 * The `ferry.queues` settings: Filespooler queues the agent runs, in strict
 * sequence order, after each toss (so jobs that arrive as NNCP exec packets
 * run as soon as they can, and never out of order).
 *
 * ```hjson
 * queues: [
 *   {
 *     dir: "/var/spool/ferry/jobs"      # made with `ferry queue init -q DIR`
 *     command: ["/usr/local/bin/apply-job"]   # run for each job, payload on stdin
 *     allow-job-params: false
 *     on-error: "retry"                # retry, delete or leave
 *     timeout-sec: 3600
 *     decoder: "zcat"                  # optional
 *   }
 * ]
 * ```
 * @module
 */

import { type IssueList, joinPath } from "./issues.ts";
import {
  isObj,
  type Obj,
  readAbsPath,
  readBool,
  readInt,
  readStr,
  warnUnknownKeys,
} from "./read.ts";

/** One queue the agent processes. */
export interface QueueSettings {
  dir: string;
  command: string[];
  allowJobParams: boolean;
  onError: "Retry" | "Delete" | "Leave";
  timeoutSec?: number;
  decoder?: string;
}

const KEYS = ["dir", "command", "allow-job-params", "on-error", "timeout-sec", "decoder"] as const;
const ON_ERROR = { retry: "Retry", delete: "Delete", leave: "Leave" } as const;

/** Reads `ferry.queues`. */
export function readQueues(issues: IssueList, section: Obj): QueueSettings[] {
  const raw = section["queues"];
  if (raw === undefined) return [];
  const at = "ferry.queues";
  if (!Array.isArray(raw)) {
    issues.error(at, "must be a list [ { dir: ..., command: [...] } ]");
    return [];
  }
  const out: QueueSettings[] = [];
  raw.forEach((item, i) => {
    const iat = joinPath(at, i);
    if (!isObj(item)) return issues.error(iat, "must be an object { dir, command }");
    warnUnknownKeys(issues, item, iat, KEYS, true);
    const dir = readAbsPath(issues, item, "dir", iat, true);
    const command = item["command"];
    let argv: string[] | undefined;
    if (
      !Array.isArray(command) || command.length === 0 ||
      command.some((c) => typeof c !== "string" || c === "")
    ) {
      issues.error(
        joinPath(iat, "command"),
        'must be a non-empty list of strings, e.g. ["/usr/local/bin/apply-job"]',
      );
    } else argv = command as string[];
    const onErrorText = (readStr(issues, item, "on-error", iat) ?? "retry").toLowerCase();
    const onError = ON_ERROR[onErrorText as keyof typeof ON_ERROR];
    if (!onError) {
      issues.error(
        joinPath(iat, "on-error"),
        `must be retry, delete or leave, not ${JSON.stringify(onErrorText)}`,
      );
    }
    const timeoutSec = readInt(issues, item, "timeout-sec", iat, 1, 86400 * 7);
    const decoder = readStr(issues, item, "decoder", iat);
    if (dir === undefined || argv === undefined || !onError) return;
    out.push({
      dir,
      command: argv,
      allowJobParams: readBool(issues, item, "allow-job-params", iat) ?? false,
      onError,
      ...(timeoutSec !== undefined ? { timeoutSec } : {}),
      ...(decoder !== undefined ? { decoder } : {}),
    });
  });
  return out;
}
