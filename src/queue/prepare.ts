/**
 * Making jobs (the sender side, like `fspl prepare`): a sequence number from
 * the sender's sequence file, the metadata, then the payload streamed
 * behind it. Memory does not grow with the payload.
 *
 * @example
 * ```ts
 * import { jobStream } from "./prepare.ts";
 * const bytes = new Uint8Array(await new Response(jobStream({ seq: 1n, params: ["x"] }, new Uint8Array([1, 2]))).arrayBuffer());
 * console.assert(new TextDecoder().decode(bytes.subarray(0, 12)) === "*FILESPOOLER");
 * ```
 * @module
 */

import { currentEnviron } from "./_libc.ts";
import { encodeJobHeader } from "./job_file.ts";
import type { JobKind, JobMeta } from "./job_meta.ts";
import { lockSeqfile, readSeqfile, writeSeqfile } from "./seqfile.ts";

/** What a new job is. Text is stored as UTF-8. */
export interface JobSpec {
  seq: bigint;
  /** Default `Command`. */
  kind?: JobKind;
  /** Params (Command only). */
  params?: (string | Uint8Array)[];
  /** `FSPL_SET_` variables without the prefix (Command only). */
  env?: [string | Uint8Array, string | Uint8Array][];
  /** Creation time; default now (nanosecond field from the high-resolution clock). */
  ctime?: { secs: bigint; nanos: number };
}

const encoder = new TextEncoder();
const bytesOf = (v: string | Uint8Array) => (typeof v === "string" ? encoder.encode(v) : v);
const U64_MAX = (1n << 64n) - 1n;

/** The wall clock as `{secs, nanos}`, to the microsecond or better. */
export function nowCtime(): { secs: bigint; nanos: number } {
  const ms = performance.timeOrigin + performance.now();
  const secs = Math.floor(ms / 1000);
  const nanos = Math.min(999_999_999, Math.round((ms - secs * 1000) * 1e6));
  return { secs: BigInt(secs), nanos };
}

/** Builds and checks the metadata for `spec`. A NUL byte in a param or variable is refused. */
export function makeJobMeta(spec: JobSpec): JobMeta {
  const kind = spec.kind ?? "Command";
  const params = (spec.params ?? []).map(bytesOf);
  const env = (spec.env ?? []).map(([k, v]) =>
    [bytesOf(k), bytesOf(v)] as [Uint8Array, Uint8Array]
  );
  if (kind !== "Command" && (params.length > 0 || env.length > 0)) {
    throw new TypeError(`a ${kind} job cannot carry params or variables`);
  }
  params.forEach((p, i) => {
    if (p.includes(0)) {
      throw new TypeError(`param ${i + 1} contains a NUL byte; no command could receive it`);
    }
  });
  env.forEach(([k, v]) => {
    const name = new TextDecoder().decode(k);
    if (k.includes(0) || v.includes(0)) {
      throw new TypeError(`FSPL_SET_${name} contains a NUL byte; no command could receive it`);
    }
    if (k.includes(0x3d)) {
      throw new TypeError(`FSPL_SET_${name}: a variable name cannot contain "="`);
    }
  });
  const ctime = spec.ctime ?? nowCtime();
  return { seq: spec.seq, ctimeSecs: ctime.secs, ctimeNanos: ctime.nanos, kind, params, env };
}

/** A complete job file as a stream: header, then `payload` (if any) passed through as it is read. */
export function jobStream(
  spec: JobSpec,
  payload?: ReadableStream<Uint8Array> | Uint8Array | null,
): ReadableStream<Uint8Array> {
  const header = encodeJobHeader(makeJobMeta(spec));
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(header);
      if (payload instanceof Uint8Array) {
        if (payload.length > 0) controller.enqueue(payload);
        controller.close();
      } else if (payload === undefined || payload === null) controller.close();
      else reader = payload.getReader();
    },
    async pull(controller) {
      if (reader === null) return;
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  }, { highWaterMark: 1 });
}

/** Writes a complete job to `out` (closing it at the end). */
export async function prepareJob(
  spec: JobSpec,
  payload: ReadableStream<Uint8Array> | Uint8Array | null,
  out: WritableStream<Uint8Array>,
): Promise<void> {
  await jobStream(spec, payload).pipeTo(out);
}

function withSenderLock<T>(seqfile: string, fn: () => T): T {
  const lock = lockSeqfile(seqfile, { create: true, label: `sequence file ${seqfile}` });
  try {
    return fn();
  } finally {
    lock.release();
  }
}

function readOrCreate(seqfile: string): bigint {
  try {
    return readSeqfile(seqfile);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    writeSeqfile(seqfile, 1n);
    return 1n;
  }
}

/** Takes the next number from a sender sequence file (made with 1 if missing); `-` gives 1. */
export function takeSenderSeq(seqfile: string): bigint {
  if (seqfile === "-") return 1n;
  return withSenderLock(seqfile, () => {
    const n = readOrCreate(seqfile);
    if (n >= U64_MAX) {
      throw new RangeError(`${seqfile} is at ${n}: the sequence numbers are used up`);
    }
    writeSeqfile(seqfile, n + 1n);
    return n;
  });
}

/** The number the next job from `seqfile` gets (the file is made with 1 if missing). */
export function senderNextSeq(seqfile: string): bigint {
  if (seqfile === "-") return 1n;
  return withSenderLock(seqfile, () => readOrCreate(seqfile));
}

/** Sets the number the next job from `seqfile` gets. */
export function setSenderNextSeq(seqfile: string, next: bigint): void {
  withSenderLock(seqfile, () => writeSeqfile(seqfile, next));
}

/** The `FSPL_SET_*` variables of the current environment (prefix removed), raw, in `environ` order. */
export function fsplSetVariables(
  entries: Uint8Array[] = currentEnviron(),
): [Uint8Array, Uint8Array][] {
  const prefix = encoder.encode("FSPL_SET_");
  const out: [Uint8Array, Uint8Array][] = [];
  for (const entry of entries) {
    if (entry.length < prefix.length || !prefix.every((b, i) => entry[i] === b)) continue;
    const eq = entry.indexOf(0x3d, prefix.length);
    if (eq < 0) continue;
    out.push([entry.slice(prefix.length, eq), entry.slice(eq + 1)]);
  }
  return out;
}
