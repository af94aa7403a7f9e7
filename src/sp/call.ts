/**
 * Placing and answering sessions: {@linkcode callNode} dials a neighbour
 * (`host:port`, or `|command args` to speak over a command's stdin/stdout,
 * as NNCP does), {@linkcode serveStream} answers one session on a pair of
 * streams (inetd, `ssh`, `socat`), and both optionally toss what arrived
 * from that peer afterwards.
 * @module
 */

import type { AutoTossFlags } from "../config/calls.ts";
import type { Neighbour } from "../config/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { toss } from "../toss/mod.ts";
import { dialTcp, pipeConn, type SpConn, streamConn } from "./conn.ts";
import { spHandshakeTimeoutMs } from "./limits.ts";
import { runSession, type SessionResult, type SessionStatus } from "./session.ts";

/** What `ferry call` asks for. */
export interface CallOptions {
  /** Neighbour id, base32. */
  node: string;
  /** `host:port` or `|command args`. */
  addr: string;
  /** 1..255: only packets at least this urgent go either way. */
  nice: number;
  rxOnly?: boolean;
  txOnly?: boolean;
  onlineDeadlineSec?: number;
  maxOnlineTimeSec?: number;
  /** Only these packet ids are requested from the peer. */
  pkts?: string[];
  /** Overrides the neighbour's `rxrate`/`txrate` (SP payloads per second, 0: no limit). */
  rxRate?: number;
  txRate?: number;
  /** Toss what arrived from the peer once the session ends. */
  autotoss?: boolean;
  /** NNCP's `autotoss-*` refinements of that toss. */
  autotossFlags?: Partial<AutoTossFlags>;
  signal?: AbortSignal;
  onStatus?: (s: SessionStatus) => void;
}

/** Time allowed for a `|command` to exit after its session closed it. */
const pipeExitTimeoutMs = 5_000;
/** Exec handlers started by an automatic toss may run this long. */
export const autotossExecTimeoutMs = 3_600_000;

/** Calls a neighbour once and runs one session. Never throws for network or peer trouble. */
export async function callNode(ctx: NodeContext, opts: CallOptions): Promise<SessionResult> {
  const node = ctx.config.neighById.get(opts.node);
  const failed = (error: string): SessionResult => ({
    peer: opts.node,
    ok: false,
    rxPackets: 0,
    txPackets: 0,
    rxBytes: 0,
    txBytes: 0,
    error,
  });
  if (!node || node.idText === ctx.self.idText) {
    return failed(`${opts.node} is not a neighbour in ${ctx.config.path}`);
  }
  checkNice(opts.nice);
  let conn: SpConn;
  let exited: Promise<Deno.CommandStatus> | null = null;
  try {
    if (opts.addr.startsWith("|")) {
      const p = pipeConn(opts.addr.slice(1));
      conn = p.conn;
      exited = p.exited;
    } else {
      conn = await dialTcp(opts.addr, spHandshakeTimeoutMs);
    }
  } catch (err) {
    const error = `cannot reach ${node.name} at ${opts.addr}: ${(err as Error).message}`;
    ctx.log.error("sp-call-failed", { node: node.name, addr: opts.addr, error });
    await ctx.record("calling", [
      ["Node", node.idText],
      ["Addr", opts.addr],
      ["Err", (err as Error).message],
      ["Msg", `Calling ${node.name} (${opts.addr})`],
    ]);
    return failed(error);
  }
  const result = await runSession(ctx, conn, {
    direction: "call",
    node,
    nice: opts.nice,
    ...(opts.rxOnly ? { rxOnly: true } : {}),
    ...(opts.txOnly ? { txOnly: true } : {}),
    ...(opts.onlineDeadlineSec !== undefined ? { onlineDeadlineSec: opts.onlineDeadlineSec } : {}),
    ...(opts.maxOnlineTimeSec !== undefined ? { maxOnlineTimeSec: opts.maxOnlineTimeSec } : {}),
    ...(opts.rxRate !== undefined ? { rxRate: opts.rxRate } : {}),
    ...(opts.txRate !== undefined ? { txRate: opts.txRate } : {}),
    ...(opts.pkts ? { pkts: opts.pkts } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onStatus ? { onStatus: opts.onStatus } : {}),
  });
  conn.close();
  if (exited) await waitExit(exited);
  if (opts.autotoss) await autoToss(ctx, node, opts.signal, opts.autotossFlags);
  return result;
}

async function waitExit(exited: Promise<Deno.CommandStatus>): Promise<void> {
  let t: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([exited, new Promise((r) => (t = setTimeout(r, pipeExitTimeoutMs)))]);
  clearTimeout(t);
}

/** Answers one session on `r`/`w` (our stdin/stdout under inetd). */
export async function serveStream(
  ctx: NodeContext,
  r: ReadableStream<Uint8Array>,
  w: WritableStream<Uint8Array>,
  opts: { nice: number; autotoss?: boolean; signal?: AbortSignal },
): Promise<SessionResult> {
  checkNice(opts.nice);
  return await answer(ctx, streamConn(r, w, "stdio"), opts);
}

/** Answers one session on `conn` and tosses afterwards when asked. */
export async function answer(
  ctx: NodeContext,
  conn: SpConn,
  opts: {
    nice: number;
    autotoss?: boolean;
    signal?: AbortSignal;
    onStatus?: (s: SessionStatus) => void;
  },
): Promise<SessionResult> {
  let peer: Neighbour | null = null;
  const result = await runSession(ctx, conn, {
    direction: "answer",
    nice: opts.nice,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onStatus ? { onStatus: opts.onStatus } : {}),
    onPeer: (n) => (peer = n),
  });
  conn.close();
  if (opts.autotoss && peer) await autoToss(ctx, peer, opts.signal);
  return result;
}

/** Tosses what `node` sent us (as NNCP's `-autotoss`); failures are logged, never thrown. */
export async function autoToss(
  ctx: NodeContext,
  node: Neighbour,
  signal?: AbortSignal,
  flags: Partial<AutoTossFlags> = {},
): Promise<void> {
  try {
    const summary = await toss(ctx, {
      nodes: [node],
      seen: flags.doSeen || ctx.config.ferry.toss.seen,
      ...(flags.noFile ? { noFile: true } : {}),
      ...(flags.noFreq ? { noFreq: true } : {}),
      ...(flags.noExec ? { noExec: true } : {}),
      ...(flags.noTrns ? { noTrns: true } : {}),
      ...(flags.noArea ? { noArea: true } : {}),
      execTimeoutMs: autotossExecTimeoutMs,
      ...(signal ? { signal } : {}),
    });
    ctx.log.info("sp-autotoss", {
      node: node.name,
      tossed: summary.tossed,
      failed: summary.failed,
    });
  } catch (err) {
    ctx.log.error("sp-autotoss-failed", { node: node.name, error: (err as Error).message });
  }
}

function checkNice(nice: number): void {
  if (!Number.isInteger(nice) || nice < 1 || nice > 255) {
    throw new RangeError(`Niceness must be 1..255, got ${nice}`);
  }
}
