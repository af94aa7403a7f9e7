/**
 * Two network namespaces joined by a veth pair, for LAN discovery tests:
 * IPv6 link-local only (the kernel's own addresses, nothing configured by
 * hand), unique names, deleted in `finally`. Needs root and `ip`.
 * @module
 */

import { run } from "../helpers.ts";

/** True when namespaces can be made here (root, with iproute2). */
export const canNetns = Deno.uid() === 0 &&
  (() => {
    try {
      return new Deno.Command("ip", { args: ["-V"], stdout: "null", stderr: "null" })
        .outputSync().success;
    } catch {
      return false;
    }
  })();

/** Longest wait for the link-local addresses to become usable, ms. */
export const linkLocalWaitMs = 20_000;

/** One side of the pair. */
export interface NetnsSide {
  ns: string;
  iface: string;
}

async function ip(args: string[]): Promise<string> {
  const r = await run("ip", args);
  if (r.code !== 0) throw new Error(`ip ${args.join(" ")} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Runs `fn` with two namespaces joined by a veth pair; removes both afterwards. */
export async function withVethPair<T>(fn: (a: NetnsSide, b: NetnsSide) => Promise<T>): Promise<T> {
  const tag = `${Deno.pid % 10000}${Math.floor(Math.random() * 1296).toString(36)}`;
  const a = { ns: `ferry-spnet-${tag}-a`, iface: `spn${tag}a` };
  const b = { ns: `ferry-spnet-${tag}-b`, iface: `spn${tag}b` };
  const made: string[] = [];
  try {
    for (const side of [a, b]) {
      await ip(["netns", "add", side.ns]);
      made.push(side.ns);
    }
    await ip([
      "link",
      "add",
      a.iface,
      "netns",
      a.ns,
      "type",
      "veth",
      "peer",
      "name",
      b.iface,
      "netns",
      b.ns,
    ]);
    for (const side of [a, b]) {
      await ip(["-n", side.ns, "link", "set", "lo", "up"]);
      await ip(["-n", side.ns, "link", "set", side.iface, "up"]);
    }
    // Wait for the kernel's link-local addresses to pass duplicate address detection.
    const end = Date.now() + linkLocalWaitMs;
    for (const side of [a, b]) {
      for (;;) {
        const out = await ip(["-n", side.ns, "-6", "addr", "show", "dev", side.iface]);
        if (/scope link/.test(out) && !/tentative/.test(out)) break;
        if (Date.now() > end) {
          throw new Error(`no usable link-local address on ${side.iface}: ${out}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return await fn(a, b);
  } finally {
    for (const ns of made) await run("ip", ["netns", "del", ns]);
  }
}

/** A process running inside a namespace, its output appended to a log file. */
export class NsProcess {
  readonly #pumped: Promise<void>;
  private constructor(
    readonly child: Deno.ChildProcess,
    readonly logFile: string,
    pumped: Promise<void>,
  ) {
    this.#pumped = pumped;
  }

  /** Starts `cmd args` in `ns` (`ip netns exec` runs it in place, so the pid is the program's). */
  static start(ns: string, cmd: string, args: string[], logFile: string): NsProcess {
    return NsProcess.#spawn("ip", ["netns", "exec", ns, cmd, ...args], logFile);
  }

  /** Starts `cmd args` in the test's own namespace. */
  static startHere(cmd: string, args: string[], logFile: string): NsProcess {
    return NsProcess.#spawn(cmd, args, logFile);
  }

  static #spawn(cmd: string, args: string[], logFile: string): NsProcess {
    const child = new Deno.Command(cmd, {
      args,
      env: { NO_PROGRESS: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const file = Deno.openSync(logFile, { write: true, create: true, append: true });
    const pump = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s) file.writeSync(chunk);
    };
    const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]).then(() => file.close());
    return new NsProcess(child, logFile, pumped);
  }

  /** Stops it by pid: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<Deno.CommandStatus> {
    try {
      this.child.kill("SIGTERM");
    } catch { /* gone */ }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const killed = new Promise<void>((r) =>
      timer = setTimeout(() => {
        try {
          this.child.kill("SIGKILL");
        } catch { /* gone */ }
        r();
      }, graceMs)
    );
    const status = await Promise.race([this.child.status, killed.then(() => this.child.status)]);
    clearTimeout(timer);
    await this.#pumped;
    return status;
  }

  /** What it logged so far. */
  async log(): Promise<string> {
    return await Deno.readTextFile(this.logFile).catch(() => "");
  }
}

/** Waits until `cond` holds, checking every 250 ms, at most `ms`; throws `what` on timeout. */
export async function waitFor(
  cond: () => Promise<boolean> | boolean,
  ms: number,
  what: () => Promise<string> | string,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${await what()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
