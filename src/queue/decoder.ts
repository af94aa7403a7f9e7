/**
 * Decoders (`-d CMD`): a shell command (`$SHELL -c CMD`, `/bin/sh` when
 * `SHELL` is unset) that gets a stored job file on stdin and writes the real
 * job file to stdout, e.g. `zcat` or `gpg -d`.
 *
 * fspl reads just what it needs from the decoder and never checks its exit
 * status, so a truncated or corrupt input runs with a truncated payload.
 * ferry reads only the header when it merely looks (`ls`, `info`, scans),
 * but before a job runs it reads the decoder's output to the end (bounded by
 * a size limit), and a decoder that exits non-zero fails the job.
 *
 * @example
 * ```ts ignore
 * import { readHeaderViaDecoder } from "./decoder.ts";
 * const header = await readHeaderViaDecoder("q/jobs/fspl-1.fspl", "zcat");
 * ```
 * @module
 */

import { DecodedTooLargeError, DecoderFailedError, JobFormatError } from "./errors.ts";
import { type AsyncReader, type JobHeader, readJobHeader } from "./job_file.ts";
import { decoderExitWaitMs, decoderStderrBytesMax } from "./limits.ts";

/** The shell decoders run under: `$SHELL`, else `/bin/sh`. */
export function decoderShell(): string {
  const shell = Deno.env.get("SHELL");
  return shell !== undefined && shell !== "" ? shell : "/bin/sh";
}

interface RunningDecoder {
  child: Deno.ChildProcess;
  stderr: Promise<string>;
}

async function keepHead(stream: ReadableStream<Uint8Array>, max: number): Promise<string> {
  const kept: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    if (size < max) kept.push(chunk.subarray(0, max - size));
    size += chunk.length;
  }
  const all = new Uint8Array(Math.min(size, max));
  let at = 0;
  for (const k of kept) {
    all.set(k, at);
    at += k.length;
  }
  return new TextDecoder().decode(all).trim();
}

async function startDecoder(path: string, command: string): Promise<RunningDecoder> {
  const input = await Deno.open(path, { read: true });
  const child = new Deno.Command(decoderShell(), {
    args: ["-c", command],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // The decoder may stop reading early (or be killed once the header is in): ignore broken pipes.
  input.readable.pipeTo(child.stdin).catch(() => {});
  return { child, stderr: keepHead(child.stderr, decoderStderrBytesMax) };
}

function kill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch {
    // Already gone.
  }
}

async function describeEnd(run: RunningDecoder, command: string): Promise<string> {
  const status = await run.child.status;
  const how = status.signal !== null
    ? `was killed by ${status.signal}`
    : `exited with status ${status.code}`;
  const err = await run.stderr;
  return `decoder ${JSON.stringify(command)} ${how}${err === "" ? "" : `: ${err}`}`;
}

/** An {@linkcode AsyncReader} over a stream: reads never take more than asked. */
export function streamReader(
  stream: ReadableStream<Uint8Array>,
): AsyncReader & { release(): void } {
  const reader = stream.getReader();
  let rest: Uint8Array = new Uint8Array(0);
  return {
    async read(p: Uint8Array): Promise<number | null> {
      if (rest.length === 0) {
        const { value, done } = await reader.read();
        if (done) return null;
        rest = value;
      }
      const n = Math.min(p.length, rest.length);
      p.set(rest.subarray(0, n));
      rest = rest.subarray(n);
      return n;
    },
    release: () => reader.releaseLock(),
  };
}

/**
 * Reads only the header of the job the decoder produces for `path`, then
 * stops the decoder. A header that does not parse is reported together
 * with how the decoder ended.
 */
export async function readHeaderViaDecoder(path: string, command: string): Promise<JobHeader> {
  const run = await startDecoder(path, command);
  const reader = streamReader(run.child.stdout);
  try {
    return await readJobHeader(reader);
  } catch (err) {
    // Output that ends inside the header usually means the decoder failed: say how it ended.
    if (!(err instanceof JobFormatError) || err.problem !== "truncated") throw err;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = await Promise.race([
      run.child.status.then(() => true),
      new Promise<false>((
        resolve,
      ) => (timer = setTimeout(() => resolve(false), decoderExitWaitMs))),
    ]);
    clearTimeout(timer);
    if (ended) err.message += ` (${await describeEnd(run, command)})`;
    throw err;
  } finally {
    kill(run.child);
    reader.release();
    await run.child.stdout.cancel().catch(() => {});
    await run.child.status;
    await run.stderr;
  }
}

/**
 * Runs the decoder over `path` to the end, giving each output chunk to
 * `sink`. Throws {@linkcode DecodedTooLargeError} past `bytesMax` bytes and
 * {@linkcode DecoderFailedError} when the decoder does not exit 0. Returns
 * the decoded size.
 */
export async function decodeFully(
  path: string,
  command: string,
  sink: (chunk: Uint8Array) => void | Promise<void>,
  bytesMax: number,
): Promise<number> {
  const run = await startDecoder(path, command);
  let size = 0;
  try {
    for await (const chunk of run.child.stdout) {
      size += chunk.length;
      if (size > bytesMax) {
        kill(run.child);
        throw new DecodedTooLargeError(
          `decoder ${JSON.stringify(command)} produced more than ${bytesMax} bytes for ${path}; ` +
            `raise the limit (--decoded-max-bytes) if the job is that large`,
        );
      }
      await sink(chunk);
    }
  } catch (err) {
    kill(run.child);
    await run.child.status;
    await run.stderr;
    throw err;
  }
  const status = await run.child.status;
  if (!status.success) {
    throw new DecoderFailedError(
      `${await describeEnd(run, command)} on ${path}; its output was not used`,
    );
  }
  await run.stderr;
  return size;
}
