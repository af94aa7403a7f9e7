/**
 * Building queues for the processing tests: jobs made with ferry's own
 * library, written straight into `jobs/` under arbitrary names.
 * @module
 */

import { createLogger, type Logger, memorySink } from "../../src/log/logger.ts";
import {
  encodeJobHeader,
  initQueue,
  type JobSpec,
  makeJobMeta,
  type ProcessOptions,
  processQueue,
  type ProcessSummary,
} from "../../src/queue/mod.ts";

/** Writes a job with `spec` and `payload` as `QUEUE/jobs/<name>`; returns the name. */
export async function putJob(
  queue: string,
  spec: JobSpec,
  payload: string | Uint8Array = "",
  name = `fspl-${crypto.randomUUID()}.fspl`,
): Promise<string> {
  const header = encodeJobHeader(makeJobMeta(spec));
  const body = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const bytes = new Uint8Array(header.length + body.length);
  bytes.set(header);
  bytes.set(body, header.length);
  await Deno.writeFile(`${queue}/jobs/${name}`, bytes);
  return name;
}

/** Makes a queue at `dir/q` and returns its path. */
export function newQueue(dir: string, name = "q"): string {
  initQueue(`${dir}/${name}`, { appendOnly: false });
  return `${dir}/${name}`;
}

/** A logger whose lines the test can read. */
export function testLog(): { log: Logger; lines: string[] } {
  const sink = memorySink();
  return {
    log: createLogger({ sink: sink.write, level: "debug", journald: false }),
    lines: sink.lines,
  };
}

/** Process options with fspl's defaults, running `command`. */
export function options(
  command: string,
  log: Logger,
  over: Partial<ProcessOptions> = {},
): ProcessOptions {
  return {
    command,
    args: [],
    allowJobParams: true,
    ignorePayload: false,
    outputTo: "PassBoth",
    decodedBytesMax: 1 << 20,
    log,
    onError: "Retry",
    orderBy: "Sequence",
    neverDelete: false,
    ...over,
  };
}

/** Runs `processQueue` with {@linkcode options}. */
export function process(
  queue: string,
  command: string,
  over: Partial<ProcessOptions> = {},
  log: Logger = testLog().log,
): Promise<ProcessSummary> {
  return processQueue(queue, options(command, log, over));
}

/** The number in `QUEUE/nextseq`. */
export async function nextseq(queue: string): Promise<string> {
  return (await Deno.readTextFile(`${queue}/nextseq`)).trim();
}
