/**
 * Running an exec handler for a received exec packet, as NNCP does: the
 * configured command with the packet's arguments appended, the body on
 * standard input as a file (zstd-decompressed first for `exec`, as is for `exec-fat`), and
 * only `NNCP_SELF`, `NNCP_SENDER`, `NNCP_NICE` (plus a plain `PATH`) in its
 * environment. The handler's output is kept (bounded) for the log.
 * @module
 */

import { createReadStream, createWriteStream } from "node:fs";
import { Transform } from "node:stream";
import { dirname, freeBytes, tempName } from "../fsutil/mod.ts";
import { pipeline } from "node:stream/promises";
import { createZstdDecompress } from "node:zlib";

/** Output kept from a handler for the log. */
export const handlerOutputBytesMax = 64 * 1024;

/** How a handler run ended. */
export interface HandlerResult {
  code: number;
  signal: string | null;
  timedOut: boolean;
  /** Combined standard output and error (the last {@linkcode handlerOutputBytesMax} bytes). */
  output: string;
}

/** What to run. */
export interface HandlerRun {
  argv: string[];
  /** File holding the body (compressed when `compressed`). */
  bodyPath: string;
  compressed: boolean;
  env: { NNCP_SELF: string; NNCP_SENDER: string; NNCP_NICE: string };
  timeoutMs: number;
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  keep: Uint8Array[],
  size: { n: number },
) {
  for await (const chunk of stream) {
    keep.push(chunk);
    size.n += chunk.length;
    while (size.n - keep[0]!.length >= handlerOutputBytesMax) size.n -= keep.shift()!.length;
  }
}

/** Free space left on the spool's filesystem when decompressing an exec body. */
export const decompressReserveBytes = 64 * 1024 * 1024;

/**
 * Decompresses a zstd body into a new file `to`, stopping (and removing it)
 * when it would leave less than {@linkcode decompressReserveBytes} free: a
 * small packet may unpack to any size.
 */
async function decompressBody(from: string, to: string): Promise<void> {
  let budget = (await freeBytes(dirname(to))) - decompressReserveBytes;
  const guard = new Transform({
    transform(chunk: Uint8Array, _enc, done) {
      budget -= chunk.length;
      if (budget < 0) done(new RangeError("the decompressed exec body does not fit on the disk"));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(
      createReadStream(from, { highWaterMark: 256 * 1024 }),
      createZstdDecompress(),
      guard,
      createWriteStream(to, { flags: "wx", mode: 0o600 }),
    );
  } catch (err) {
    await Deno.remove(to).catch(() => {});
    throw new Error(`cannot decompress the exec body: ${(err as Error).message}`);
  }
}

/**
 * Runs one handler to completion (or until its timeout, then kills it). The
 * body reaches the handler as a regular file on its standard input (through
 * `/bin/sh`'s redirection), never as a pipe ferry feeds: a handler that
 * outlives a killed ferry still reads the whole body, not a truncated one.
 */
export async function runHandler(run: HandlerRun): Promise<HandlerResult> {
  if (run.argv.length === 0 || !run.argv[0]) throw new RangeError("the exec handler is empty");
  const plain = run.compressed ? tempName(dirname(run.bodyPath), "exec") : run.bodyPath;
  if (run.compressed) await decompressBody(run.bodyPath, plain);
  try {
    const child = new Deno.Command("/bin/sh", {
      args: ["-c", 'body=$1; shift; exec "$@" < "$body"', "ferry-exec", plain, ...run.argv],
      env: { ...run.env, PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, run.timeoutMs);
    const kept: Uint8Array[] = [];
    const size = { n: 0 };
    const outputs = Promise.all([
      collect(child.stdout, kept, size),
      collect(child.stderr, kept, size),
    ]);
    const status = await child.status;
    clearTimeout(timer);
    await outputs;
    const bytes = new Uint8Array(size.n);
    let off = 0;
    for (const c of kept) {
      bytes.set(c, off);
      off += c.length;
    }
    return {
      code: status.code,
      signal: status.signal,
      timedOut,
      output: new TextDecoder().decode(bytes),
    };
  } finally {
    if (plain !== run.bodyPath) await Deno.remove(plain).catch(() => {});
  }
}
