/**
 * Running an exec handler for a received exec packet, as NNCP does: the
 * configured command with the packet's arguments appended, the body on
 * standard input (zstd-decompressed for `exec`, as is for `exec-fat`), and
 * only `NNCP_SELF`, `NNCP_SENDER`, `NNCP_NICE` (plus a plain `PATH`) in its
 * environment. The handler's output is kept (bounded) for the log.
 * @module
 */

import { createReadStream } from "node:fs";
import { Writable } from "node:stream";
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

/** Runs one handler to completion (or until its timeout, then kills it). */
export async function runHandler(run: HandlerRun): Promise<HandlerResult> {
  const [cmd, ...args] = run.argv;
  if (!cmd) throw new RangeError("the exec handler is empty");
  const child = new Deno.Command(cmd, {
    args,
    env: { ...run.env, PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
    clearEnv: true,
    stdin: "piped",
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
  let feedError: Error | null = null;
  const feed = (async () => {
    const sink = Writable.fromWeb(child.stdin);
    const source = createReadStream(run.bodyPath, { highWaterMark: 256 * 1024 });
    try {
      if (run.compressed) await pipeline(source, createZstdDecompress(), sink);
      else await pipeline(source, sink);
    } catch (err) {
      const code = (err as { code?: string }).code;
      // A handler that exits without reading all of its input is not an error (as in NNCP).
      if (
        code !== "EPIPE" && code !== "ERR_STREAM_PREMATURE_CLOSE" &&
        !(err instanceof Deno.errors.BrokenPipe)
      ) {
        feedError = err as Error;
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }
    }
  })();
  const status = await child.status;
  clearTimeout(timer);
  await feed;
  await outputs;
  const bytes = new Uint8Array(size.n);
  let off = 0;
  for (const c of kept) {
    bytes.set(c, off);
    off += c.length;
  }
  if (feedError) {
    throw new Error(`cannot feed the body to the handler: ${(feedError as Error).message}`);
  }
  return {
    code: status.code,
    signal: status.signal,
    timedOut,
    output: new TextDecoder().decode(bytes),
  };
}
