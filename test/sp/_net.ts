/**
 * Helpers for online-protocol tests: free loopback ports, long-running
 * programs (ferry daemon, nncp-daemon, socat) started and stopped by pid,
 * and queueing packets with either ferry or NNCP.
 * @module
 */

import { REPO_ROOT } from "../helpers.ts";
import { ferryOk, nncp, type TestNode } from "../node/_world.ts";

/** A free TCP port on 127.0.0.1 (bound, then released). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Time a started server gets to accept connections. */
const serverStartMs = 20_000;
/** Time a stopped program gets to exit before it is killed. */
const stopGraceMs = 10_000;

/** Waits until something accepts on 127.0.0.1:`port`. */
export async function waitPort(
  port: number,
  timeoutMs = serverStartMs,
  bg?: Background,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  bg?.status.then(() => (exited = true));
  while (Date.now() < until) {
    if (exited) throw new Error(`the server exited before listening:\n${bg!.output()}`);
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** A program running in the background; its output is collected. */
export interface Background {
  pid: number;
  /** Standard output and error so far. */
  output(): string;
  /** Sends `signal` (default SIGTERM) by pid and waits for the exit (SIGKILL after a grace time). */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
  status: Promise<Deno.CommandStatus>;
}

/** Starts `cmd args` with output collected. */
export function background(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Background {
  const child = new Deno.Command(cmd, {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const dec = new TextDecoder();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) text += dec.decode(chunk, { stream: true });
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]).catch(() => {});
  const status = child.status.then(async (s) => {
    await pumps;
    return s;
  });
  return {
    pid: child.pid,
    output: () => text,
    status,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        Deno.kill(child.pid, signal);
      } catch { /* already gone */ }
      const t = setTimeout(() => {
        try {
          Deno.kill(child.pid, "SIGKILL");
        } catch { /* gone */ }
      }, stopGraceMs);
      const s = await status;
      clearTimeout(t);
      return s;
    },
  };
}

/** `deno run main.ts` as argv for ferry. */
export function ferryArgv(node: TestNode, args: string[]): string[] {
  return ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, "-c", node.cfg, ...args];
}

/** Starts `ferry daemon` for `node` on 127.0.0.1:`port` and waits until it listens. */
export async function ferryDaemon(
  node: TestNode,
  port: number,
  extra: string[] = [],
): Promise<Background> {
  const bg = background(
    Deno.execPath(),
    ferryArgv(node, ["daemon", "--bind", `127.0.0.1:${port}`, ...extra]),
  );
  await waitPort(port, serverStartMs, bg);
  return bg;
}

/** Starts `nncp-daemon` for `node` on 127.0.0.1:`port` and waits until it listens. */
export async function nncpDaemon(node: TestNode, port: number): Promise<Background> {
  const bg = background("nncp-daemon", ["-cfg", node.cfg, "-bind", `127.0.0.1:${port}`]);
  await waitPort(port, serverStartMs, bg);
  return bg;
}

/** Which program acts for a node. */
export type Impl = "ferry" | "nncp";

/** Queues a file from `node` to `dst` ("bob:name.txt"), optionally via relays. */
export async function queueFile(
  impl: Impl,
  node: TestNode,
  src: string,
  dst: string,
  via?: string,
): Promise<void> {
  if (impl === "ferry") {
    await ferryOk(node, ["file", ...(via ? ["--via", via] : []), src, dst]);
  } else await nncp("file", node, [...(via ? ["-via", via] : []), src, dst]);
}

/** Queues an exec of `handle` at `to` with `body` on its stdin. */
export async function queueExec(
  impl: Impl,
  node: TestNode,
  to: string,
  handle: string,
  args: string[],
  body: string,
): Promise<void> {
  if (impl === "ferry") await ferryOk(node, ["exec", to, handle, ...args], body);
  else await nncp("exec", node, [to, handle, ...args], body);
}

/** Queues a file request `src` ("bob:file") to be saved as `dst`. */
export async function queueFreq(impl: Impl, node: TestNode, src: string, dst: string) {
  if (impl === "ferry") await ferryOk(node, ["freq", src, dst]);
  else await nncp("freq", node, [src, dst]);
}

/** Tosses what arrived at `node`. */
export async function tossAll(impl: Impl, node: TestNode): Promise<void> {
  if (impl === "ferry") await ferryOk(node, ["toss"]);
  else await nncp("toss", node, []);
}
