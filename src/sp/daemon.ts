/**
 * The listening side (`ferry daemon`, NNCP's `nncp-daemon`): accepts TCP
 * connections on each bind address and answers one session per
 * connection, at most `maxConn` at once (further connections are closed at
 * once with a log line). A refused or broken session never stops the
 * daemon. When `signal` aborts, the listeners close, running sessions are
 * told to stop, and the promise resolves once they ended (or after
 * `spDaemonDrainTimeoutMs`).
 * @module
 */

import type { NodeContext } from "../node/context.ts";
import { answer } from "./call.ts";
import { parseHostPort, tcpConn } from "./conn.ts";
import { spDaemonConnMax, spDaemonDrainTimeoutMs } from "./limits.ts";
import type { SessionStatus } from "./session.ts";

/** What `ferry daemon` listens with. */
export interface DaemonOptions {
  /** `[::]:5400` style addresses. */
  bind: string[];
  maxConn: number;
  nice: number;
  autotoss?: boolean;
  signal: AbortSignal;
  onStatus?: (s: SessionStatus) => void;
  /** Called with the bound addresses once listening (port 0 binds a free port). */
  onListen?: (addrs: Deno.NetAddr[]) => void;
}

/** Listens and answers sessions until `opts.signal` aborts. */
export async function serveDaemon(ctx: NodeContext, opts: DaemonOptions): Promise<void> {
  if (!Number.isInteger(opts.maxConn) || opts.maxConn < 1 || opts.maxConn > spDaemonConnMax) {
    throw new RangeError(`maxConn must be 1..${spDaemonConnMax}, got ${opts.maxConn}`);
  }
  if (opts.bind.length === 0) throw new RangeError("The daemon needs at least one bind address");
  const listeners: Deno.Listener[] = [];
  try {
    for (const b of opts.bind) {
      const { hostname, port } = parseHostPort(b);
      listeners.push(Deno.listen({ hostname, port, transport: "tcp" }));
    }
  } catch (err) {
    for (const l of listeners) l.close();
    throw err;
  }
  const addrs = listeners.map((l) => l.addr as Deno.NetAddr);
  ctx.log.info("sp-daemon-listening", {
    addrs: addrs.map((a) => `${a.hostname}:${a.port}`).join(","),
    maxconn: opts.maxConn,
    nice: opts.nice,
  });
  opts.onListen?.(addrs);
  const sessions = new Set<Promise<void>>();
  const stopSessions = new AbortController();
  const onAbort = () => {
    stopSessions.abort();
    for (const l of listeners) {
      try {
        l.close();
      } catch { /* closed */ }
    }
  };
  opts.signal.addEventListener("abort", onAbort, { once: true });
  if (opts.signal.aborted) onAbort();

  const acceptLoop = async (l: Deno.Listener) => {
    while (!opts.signal.aborted) {
      let c: Deno.Conn;
      try {
        c = await l.accept();
      } catch (err) {
        if (opts.signal.aborted) return;
        ctx.log.error("sp-daemon-accept", { error: (err as Error).message });
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const conn = tcpConn(c);
      if (sessions.size >= opts.maxConn) {
        ctx.log.warn("sp-daemon-busy", { addr: conn.remote, maxconn: opts.maxConn });
        conn.close();
        continue;
      }
      ctx.log.debug("sp-daemon-accepted", { addr: conn.remote });
      const p: Promise<void> = answer(ctx, conn, {
        nice: opts.nice,
        signal: stopSessions.signal,
        ...(opts.autotoss ? { autotoss: true } : {}),
        ...(opts.onStatus ? { onStatus: opts.onStatus } : {}),
      }).then(() => {}, (err) => {
        ctx.log.error("sp-daemon-session", { addr: conn.remote, error: String(err) });
      }).finally(() => sessions.delete(p));
      sessions.add(p);
    }
  };
  await Promise.all(listeners.map(acceptLoop));
  opts.signal.removeEventListener("abort", onAbort);
  let t: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.all([...sessions]),
    new Promise((r) => (t = setTimeout(r, spDaemonDrainTimeoutMs))),
  ]);
  clearTimeout(t);
  ctx.log.info("sp-daemon-stopped", {});
}
