/**
 * Running `ferry agent` (and other long-lived ferry commands) as real
 * subprocesses in tests: their standard error goes to a log file that
 * survives restarts, they are stopped by process id, and waits are bounded.
 * @module
 */

import { REPO_ROOT, run, runOk } from "../helpers.ts";

/** Longest wait for a condition in these tests, ms. */
export const waitMsMax = 60_000;
/** How often a condition is checked, ms. */
export const pollMs = 100;

/** A ferry command running in the background, logging to a file. */
export class FerryProcess {
  readonly child: Deno.ChildProcess;
  readonly logFile: string;
  readonly #pumped: Promise<void>;

  private constructor(child: Deno.ChildProcess, logFile: string, pumped: Promise<void>) {
    this.child = child;
    this.logFile = logFile;
    this.#pumped = pumped;
  }

  /** Starts `ferry ARGS`, appending its standard output and error to `logFile`. */
  static start(args: string[], logFile: string, env: Record<string, string> = {}): FerryProcess {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, ...args],
      env: { NO_PROGRESS: "1", ...env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const file = Deno.openSync(logFile, { write: true, create: true, append: true });
    const pump = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s) file.writeSync(chunk);
    };
    const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]).then(
      () => file.close(),
      (err) => {
        file.close();
        throw err;
      },
    );
    return new FerryProcess(child, logFile, pumped);
  }

  /** The process id. */
  get pid(): number {
    return this.child.pid;
  }

  /** Sends `signal` (by pid; a no-op when the process is gone). */
  signal(signal: Deno.Signal): void {
    try {
      this.child.kill(signal);
    } catch { /* already exited */ }
  }

  /** Waits for the exit and for the log to be written; returns the status. */
  async finished(): Promise<Deno.CommandStatus> {
    const status = await this.child.status;
    await this.#pumped;
    return status;
  }

  /** SIGKILLs the process and waits for it (a power cut for this process alone). */
  async kill(): Promise<Deno.CommandStatus> {
    this.signal("SIGKILL");
    return await this.finished();
  }
}

/** Reads a file as text ("" when it does not exist). */
export async function readOr(path: string): Promise<string> {
  return await Deno.readTextFile(path).catch(() => "");
}

/** Waits until `check` holds, polling; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = waitMsMax,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Sleeps `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Every file below `dir` (relative paths, sorted), or [] when it does not exist. */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(rel ? `${dir}/${rel}` : dir));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await visit(path);
      else out.push(path);
    }
  };
  await visit("");
  return out.sort();
}

/** Mounts a tmpfs of `sizeMiB` on `dir`. */
export async function mountTmpfs(dir: string, sizeMiB: number): Promise<void> {
  await runOk("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m`, "ferry-test", dir]);
}

/** Moves the mount on `from` to `to` (a medium appearing at `to` at once). */
export async function moveMount(from: string, to: string): Promise<void> {
  await runOk("mount", ["--move", from, to]);
}

/** Unmounts `dir`, lazily when it is busy; no error when nothing is mounted there. */
export async function unmountQuietly(dir: string): Promise<void> {
  if ((await run("umount", [dir])).code !== 0) await run("umount", ["-l", dir]);
}

/** True when this process may mount file systems (root). */
export const isRoot = Deno.uid() === 0;
