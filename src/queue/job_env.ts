/**
 * The `FSPL_*` variables a job runs with, in the order fspl prints them
 * (`queue info`, `stdin-info`): `FSPL_SEQ`, the four `FSPL_CTIME_*`, the
 * three `FSPL_JOB_*` (queue commands only), `FSPL_PARAM_1..n` and the
 * job's `FSPL_SET_*` pairs. Keys and values are raw bytes: a job may carry
 * values that are not UTF-8, and they pass through unchanged.
 *
 * @example
 * ```ts
 * import { jobVariables, formatVariables } from "./job_env.ts";
 * const meta = { seq: 1n, ctimeSecs: 0n, ctimeNanos: 0, kind: "NOP" as const, params: [], env: [] };
 * const text = new TextDecoder().decode(formatVariables(jobVariables(meta)));
 * console.assert(text.startsWith("FSPL_SEQ=1\nFSPL_CTIME_SECS=0\n"));
 * ```
 * @module
 */

import type { JobMeta } from "./job_meta.ts";
import { formatCtimeLocal, formatCtimeUtc } from "./time_format.ts";

/** A variable as raw bytes: `[name, value]`. */
export type RawVar = [Uint8Array, Uint8Array];

/** Where a job sits, for the `FSPL_JOB_*` variables. */
export interface JobLocation {
  /** The queue directory exactly as the user gave it (not normalised). */
  queueDir: string;
  /** The file name inside `jobs/`. */
  fileName: string;
}

const encoder = new TextEncoder();
const text = (name: string, value: string): RawVar => [encoder.encode(name), encoder.encode(value)];
const SET_PREFIX = encoder.encode("FSPL_SET_");

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The variables for `meta`, in fspl's order; `FSPL_JOB_*` only when `where` is given. */
export function jobVariables(meta: JobMeta, where?: JobLocation): RawVar[] {
  const vars: RawVar[] = [
    text("FSPL_SEQ", String(meta.seq)),
    text("FSPL_CTIME_SECS", String(meta.ctimeSecs)),
    text("FSPL_CTIME_NANOS", String(meta.ctimeNanos)),
    text("FSPL_CTIME_RFC3339_UTC", formatCtimeUtc(meta.ctimeSecs, meta.ctimeNanos)),
    text("FSPL_CTIME_RFC3339_LOCAL", formatCtimeLocal(meta.ctimeSecs, meta.ctimeNanos)),
  ];
  if (where !== undefined) {
    vars.push(text("FSPL_JOB_FILENAME", where.fileName));
    vars.push(text("FSPL_JOB_QUEUEDIR", where.queueDir));
    vars.push(text("FSPL_JOB_FULLPATH", `${where.queueDir}/jobs/${where.fileName}`));
  }
  meta.params.forEach((p, i) => vars.push([encoder.encode(`FSPL_PARAM_${i + 1}`), p]));
  for (const [key, value] of meta.env) vars.push([concat(SET_PREFIX, key), value]);
  return vars;
}

/** `KEY=VALUE\n` for each variable, raw bytes, no quoting: fspl's `*-info` output. */
export function formatVariables(vars: RawVar[]): Uint8Array {
  let size = 0;
  for (const [k, v] of vars) size += k.length + v.length + 2;
  const out = new Uint8Array(size);
  let at = 0;
  for (const [k, v] of vars) {
    out.set(k, at);
    out[at + k.length] = 0x3d; // "="
    out.set(v, at + k.length + 1);
    at += k.length + v.length + 2;
    out[at - 1] = 0x0a; // "\n"
  }
  return out;
}

/** Where a NUL byte sits in a job's params or env, or `null` if none: such a job cannot be run. */
export function findNul(meta: JobMeta): string | null {
  const i = meta.params.findIndex((p) => p.includes(0));
  if (i >= 0) return `param ${i + 1}`;
  const j = meta.env.findIndex(([k, v]) => k.includes(0) || v.includes(0));
  if (j >= 0) return `FSPL_SET_ variable ${j + 1}`;
  return null;
}
