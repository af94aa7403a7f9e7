/**
 * `enqueueJob`: puts one complete job file into a queue's `jobs/` safely,
 * like `fspl queue-write`: written under `jobs/tmp-fspl-<uuid>.fspl.tmp`
 * (a name no scan looks at), fsynced, then renamed to `fspl-<uuid>.fspl`,
 * and the folder fsynced. A file under a job name is always complete.
 *
 * Unlike fspl, ferry verifies before the rename ("verify-then-enqueue"):
 * the header is read back from disk (through the decoder when one is given,
 * which must then exit 0 over the whole file), so a damaged or foreign file
 * is refused with the reason, and nothing appears in the queue. On any
 * failure (including a full disk) the temporary file is removed.
 *
 * @example
 * ```ts ignore
 * import { enqueueJob } from "./enqueue.ts";
 * const { fileName, header } = await enqueueJob("q", Deno.stdin.readable);
 * ```
 * @module
 */

import { decodeFully } from "./decoder.ts";
import {
  decodeJobHeader,
  type JobHeader,
  parsePrefix,
  PREFIX_BYTES,
  readJobHeaderSync,
} from "./job_file.ts";
import { decodedBytesMaxDefault, enqueueBytesMaxDefault } from "./limits.ts";
import {
  isJobFileName,
  newJobFileName,
  queuePaths,
  requireJobsDir,
  tempJobFileName,
} from "./queue_dir.ts";
import { syncDir } from "./seqfile.ts";
import { Sha256 } from "../crypto/sha256_stream.ts";

/** Options for {@linkcode enqueueJob}. */
export interface EnqueueOptions {
  /** Check the job (default true). `false` queues whatever arrives, as fspl does. */
  verify?: boolean;
  /** Decoder the queue's jobs need (`-d`); verification then runs it over the whole file. */
  decoder?: string | undefined;
  /** Largest job file accepted. */
  bytesMax?: number;
  /** Largest decoded job accepted during verification. */
  decodedBytesMax?: number;
  /** Name to use inside `jobs/` (must match `fspl-*.fspl` and not exist); default a fresh UUID name. */
  fileName?: string;
  /**
   * Name the file after the SHA-256 of its bytes (`fspl-sha256-<hex>.fspl`),
   * and treat an existing file of that name as this job already queued. This
   * makes delivery idempotent: an NNCP exec handler that runs twice for the
   * same packet (after a crash) queues the job once.
   */
  contentNamed?: boolean;
}

/** What {@linkcode enqueueJob} did. */
export interface EnqueueResult {
  /** The new file's name inside `jobs/`. */
  fileName: string;
  /** Bytes written. */
  bytes: number;
  /** The verified header (`null` when verification was off). */
  header: JobHeader | null;
  /** True when `contentNamed` found the same job already queued (nothing was added). */
  duplicate?: boolean;
}

async function writeSource(
  path: string,
  source: ReadableStream<Uint8Array> | Uint8Array,
  bytesMax: number,
  hash?: Sha256,
): Promise<number> {
  const file = Deno.openSync(path, { write: true, createNew: true });
  try {
    let size = 0;
    const put = (chunk: Uint8Array) => {
      hash?.update(chunk);
      size += chunk.length;
      if (size > bytesMax) {
        throw new RangeError(`the job is larger than the ${bytesMax}-byte limit`);
      }
      let off = 0;
      while (off < chunk.length) off += file.writeSync(chunk.subarray(off));
    };
    if (source instanceof Uint8Array) put(source);
    else for await (const chunk of source) put(chunk);
    file.syncSync();
    return size;
  } finally {
    file.close();
  }
}

/** Collects just the header bytes from a stream of chunks. */
function headerCollector(): { add(chunk: Uint8Array): void; header(): JobHeader } {
  let head = new Uint8Array(0);
  let need = PREFIX_BYTES;
  let sized = false;
  return {
    add(chunk) {
      let rest = chunk;
      while (rest.length > 0 && head.length < need) {
        const take = Math.min(need - head.length, rest.length);
        const grown = new Uint8Array(head.length + take);
        grown.set(head);
        grown.set(rest.subarray(0, take), head.length);
        head = grown;
        rest = rest.subarray(take);
        if (!sized && head.length === PREFIX_BYTES) {
          need = PREFIX_BYTES + parsePrefix(head).metaLen;
          sized = true;
        }
      }
    },
    header: () => decodeJobHeader(head),
  };
}

async function verify(path: string, options: EnqueueOptions): Promise<JobHeader> {
  if (options.decoder === undefined) {
    const file = Deno.openSync(path, { read: true });
    try {
      return readJobHeaderSync(file);
    } finally {
      file.close();
    }
  }
  const collector = headerCollector();
  const limit = options.decodedBytesMax ?? decodedBytesMaxDefault;
  await decodeFully(path, options.decoder, (chunk) => collector.add(chunk), limit);
  return collector.header();
}

/** Writes `source` (one complete job file) into `queueDir/jobs/`. */
export async function enqueueJob(
  queueDir: string,
  source: ReadableStream<Uint8Array> | Uint8Array,
  options: EnqueueOptions = {},
): Promise<EnqueueResult> {
  requireJobsDir(queueDir);
  const jobsDir = queuePaths(queueDir).jobs;
  let fileName = options.fileName ?? newJobFileName();
  if (!isJobFileName(fileName) || fileName.includes("/")) {
    throw new TypeError(
      `${JSON.stringify(fileName)} is not a job file name (fspl-*.fspl, no slash)`,
    );
  }
  const temp = `${jobsDir}/${tempJobFileName(fileName)}`;
  let final = `${jobsDir}/${fileName}`;
  let header: JobHeader | null = null;
  let bytes: number;
  const hash = options.contentNamed ? new Sha256() : undefined;
  try {
    bytes = await writeSource(temp, source, options.bytesMax ?? enqueueBytesMaxDefault, hash);
    if (options.verify !== false) header = await verify(temp, options);
    if (hash) {
      fileName = `fspl-sha256-${hash.hex()}.fspl`;
      final = `${jobsDir}/${fileName}`;
      if (exists(final)) {
        Deno.removeSync(temp);
        return { fileName, bytes, header, duplicate: true };
      }
    }
    if (options.fileName !== undefined && exists(final)) {
      throw new Deno.errors.AlreadyExists(`${final} already exists`);
    }
    Deno.renameSync(temp, final);
  } catch (err) {
    try {
      Deno.removeSync(temp);
    } catch {
      // Never created, or already gone.
    }
    const why = err instanceof Error ? err.message : String(err);
    if (err instanceof Error) err.message = `not queued in ${queueDir}: ${why}`;
    throw err;
  }
  syncDir(jobsDir);
  return { fileName, bytes, header };
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
