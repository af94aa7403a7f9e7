/**
 * The agent's online half: the daemon (when `ferry.daemon` is configured),
 * the neighbours' scheduled `calls` placed like `nncp-caller` does (one call
 * per neighbour at a time, `when-tx-exists` checked when a call is due), LAN
 * announcements sent and heard (`mcd-send`, `mcd-listen`), announced
 * addresses tried first, and — beyond NNCP — a neighbour announcing itself
 * while packets wait for it is called at once (`ferry.call-on-announce`; at
 * most one such call per neighbour per `min-gap-sec`).
 *
 * The SP engine is passed in ({@linkcode OnlineEngine}), so the scheduling
 * here is tested on its own and the engine on its own.
 * @module
 */

import type { CallSettings } from "../config/calls.ts";
import type { Neighbour } from "../config/types.ts";
import type { NodeContext } from "../node/context.ts";
import {
  type Announcement,
  listenAnnouncements,
  McdAddressBook,
  McdReceiver,
  sendAnnouncements,
} from "../mcd/mod.ts";
import {
  callNode,
  type CallOptions,
  type DaemonOptions,
  serveDaemon,
  type SessionResult,
  type SessionStatus,
  spHandshakeTimeoutMs,
} from "../sp/mod.ts";
import { sleep } from "./kick.ts";
import type { CallState, SessionState } from "./status.ts";

/** The SP engine: `callNode` and `serveDaemon` of `src/sp/`. */
export interface OnlineEngine {
  callNode(ctx: NodeContext, opts: CallOptions): Promise<SessionResult>;
  serveDaemon(ctx: NodeContext, opts: DaemonOptions): Promise<void>;
}

/** The real engine. */
export const spEngine: OnlineEngine = { callNode, serveDaemon };

/** First pause after the daemon failed; doubles up to {@linkcode daemonRetryMsMax}. */
export const daemonRetryMsMin = 2_000;
/** Longest pause between daemon restarts. */
export const daemonRetryMsMax = 60_000;
/** Longest single sleep of a call loop (it looks at the clock again after it). */
export const callSleepMsMax = 3_600_000;
/** Least time between two looks at a neighbour's queue prompted by its announcements, ms. */
export const announceCheckMsMin = 1_000;
/** A session still in its handshake after this long is counted as ended (it was refused). */
export const handshakeStaleMs = 2 * spHandshakeTimeoutMs;
/** Sessions listed in the status at once (finished ones are dropped first). */
export const sessionsShownMax = 64;

/** The agent's online state, shared with its status file. */
export interface OnlineState {
  sessions: SessionState[];
  calls: CallState[];
  /** Announced addresses by neighbour name. */
  discovered: Record<string, string[]>;
}

/** Runs the online loops until `signal` aborts; resolves when all have ended. */
export class OnlineAgent {
  readonly state: OnlineState = { sessions: [], calls: [], discovered: {} };
  readonly book = new McdAddressBook();
  readonly #busy = new Set<string>();
  readonly #lastAnnounceCall = new Map<string, number>();
  readonly #lastAnnounceCheck = new Map<string, number>();
  #sessionSeq = 0;

  constructor(
    readonly ctx: NodeContext,
    readonly engine: OnlineEngine,
    readonly signal: AbortSignal,
    /** Called when something changed that the status file should show. */
    readonly changed: () => void = () => {},
    /** Called when packets arrived (the toss loop should run). */
    readonly received: () => void = () => {},
  ) {}

  /** The loops to run: daemon, calls, announcements. */
  loops(): Promise<void>[] {
    const { ctx } = this;
    const out: Promise<void>[] = [];
    const daemon = ctx.config.ferry.daemon;
    if (daemon) out.push(this.#daemonLoop());
    for (const n of ctx.config.neigh.values()) {
      if (n.name === "self") continue;
      for (const call of n.calls) {
        if (!n.noisePub) {
          ctx.log.warn("call-skipped", {
            node: n.name,
            call: call.index,
            reason: "the neighbour has no noisepub, so it cannot be called online",
          });
          continue;
        }
        const st: CallState = { node: n.name, call: call.index, cron: call.cron.text };
        this.state.calls.push(st);
        out.push(this.#callLoop(n, call, st));
      }
    }
    if (ctx.config.mcdListen.length > 0) out.push(this.#listenLoop());
    if (daemon) out.push(announceDaemon(ctx, daemon.bind, this.signal));
    else if (ctx.config.mcdSend.length > 0) {
      ctx.log.warn("mcd-send-skipped", {
        reason: "mcd-send needs ferry.daemon: there is nothing to announce",
      });
    }
    return out;
  }

  async #daemonLoop(): Promise<void> {
    const { ctx, signal } = this;
    const d = ctx.config.ferry.daemon!;
    let pauseMs = daemonRetryMsMin;
    while (!signal.aborted) {
      const started = Date.now();
      try {
        ctx.log.info("daemon-start", { bind: d.bind.join(","), maxconn: d.maxConn });
        await this.engine.serveDaemon(ctx, {
          bind: d.bind,
          maxConn: d.maxConn,
          nice: d.nice,
          autotoss: d.autoToss,
          signal,
          onStatus: this.#tracker("answer"),
        });
        if (signal.aborted) break;
        ctx.log.warn("daemon-stopped", { reason: "returned before the agent stopped" });
      } catch (err) {
        if (signal.aborted) break;
        ctx.log.error("daemon-failed", { error: (err as Error).message, retryMs: pauseMs });
      }
      pauseMs = Date.now() - started > daemonRetryMsMax
        ? daemonRetryMsMin
        : Math.min(pauseMs * 2, daemonRetryMsMax);
      await sleep(pauseMs, signal);
    }
  }

  /** A status callback keeping one entry per session in {@linkcode state}. */
  #tracker(direction: "call" | "answer"): (s: SessionStatus) => void {
    const byPeer = new Map<string, SessionState>();
    return (s) => {
      // The daemon reports many sessions through one callback: one entry per peer while it
      // lasts; a session reports "unknown" until its handshake names the peer.
      const key = direction === "answer" ? s.peer : "";
      let entry = byPeer.get(key);
      if ((!entry || isFinished(entry.state)) && key !== "unknown" && byPeer.has("unknown")) {
        entry = byPeer.get("unknown")!;
        byPeer.delete("unknown");
        byPeer.set(key, entry);
      }
      if (!entry || isFinished(entry.state)) {
        entry = {
          id: ++this.#sessionSeq,
          peer: this.#nameOf(s.peer),
          direction: s.direction ?? direction,
          state: s.state,
          since: new Date().toISOString(),
          rxBytes: 0,
          txBytes: 0,
          rxRate: 0,
          txRate: 0,
        };
        byPeer.set(key, entry);
        this.#addSession(entry);
      }
      entry.peer = this.#nameOf(s.peer);
      entry.state = s.state;
      entry.rxBytes = s.rxBytes;
      entry.txBytes = s.txBytes;
      entry.rxRate = s.rxRate;
      entry.txRate = s.txRate;
      if (s.etaSec !== undefined) entry.etaSec = s.etaSec;
      else delete entry.etaSec;
      entry.updatedAt = new Date().toISOString();
      this.changed();
    };
  }

  /** Adds a session; finished ones and handshakes that never completed make room first. */
  #addSession(entry: SessionState): void {
    const list = this.state.sessions;
    const now = Date.now();
    for (const x of list) {
      if (x.state === "handshake" && now - Date.parse(x.updatedAt ?? x.since) > handshakeStaleMs) {
        x.state = "finished";
      }
    }
    list.push(entry);
    while (list.length > sessionsShownMax) {
      const i = list.findIndex((x) => isFinished(x.state));
      list.splice(i >= 0 ? i : 0, 1);
    }
  }

  #nameOf(peer: string): string {
    return this.ctx.config.neighById.get(peer)?.name ?? peer;
  }

  /** Drops finished sessions of a call from the status. */
  #endSessions(peer: string): void {
    for (const s of this.state.sessions) {
      if (s.peer === peer && s.direction === "call") s.state = "finished";
    }
  }

  async #callLoop(n: Neighbour, call: CallSettings, st: CallState): Promise<void> {
    const { ctx, signal } = this;
    while (!signal.aborted) {
      const at = call.cron.next(Date.now());
      if (at === null) {
        ctx.log.warn("call-never", { node: n.name, call: call.index, cron: call.cron.text });
        st.nextAt = null;
        return;
      }
      st.nextAt = new Date(at).toISOString();
      ctx.log.debug("call-next", { node: n.name, call: call.index, at: st.nextAt });
      while (!signal.aborted && Date.now() < at) {
        await sleep(Math.min(at - Date.now(), callSleepMsMax), signal);
      }
      if (signal.aborted) break;
      if (this.#busy.has(n.idText)) {
        ctx.log.debug("call-busy", { node: n.name, call: call.index });
        continue;
      }
      if (call.whenTxExists && call.xx !== "rx" && !(await this.txWaiting(n, call.nice))) {
        ctx.log.debug("call-no-tx", { node: n.name, call: call.index });
        continue;
      }
      const addrs = this.addrsFor(n, call);
      const result = await this.place(n, addrs, {
        nice: call.nice,
        ...(call.xx === "rx" ? { rxOnly: true } : {}),
        ...(call.xx === "tx" ? { txOnly: true } : {}),
        ...(call.onlineDeadlineSec !== undefined
          ? { onlineDeadlineSec: call.onlineDeadlineSec }
          : n.onlineDeadlineSec !== undefined
          ? { onlineDeadlineSec: n.onlineDeadlineSec }
          : {}),
        ...(call.maxOnlineTimeSec !== undefined
          ? { maxOnlineTimeSec: call.maxOnlineTimeSec }
          : n.maxOnlineTimeSec !== undefined
          ? { maxOnlineTimeSec: n.maxOnlineTimeSec }
          : {}),
        ...(call.rxRate !== undefined ? { rxRate: call.rxRate } : {}),
        ...(call.txRate !== undefined ? { txRate: call.txRate } : {}),
        autotoss: call.autoToss,
        autotossFlags: call.autoTossFlags,
      }, `call ${call.index}`);
      if (result) {
        st.last = {
          at: new Date().toISOString(),
          ok: result.ok,
          rxPackets: result.rxPackets,
          txPackets: result.txPackets,
          ...(result.error !== undefined ? { error: result.error } : {}),
        };
      }
      this.changed();
    }
  }

  /** Whether packets at most `nice` wait in `tx/` for `n`. */
  async txWaiting(n: Neighbour, nice: number): Promise<boolean> {
    for await (const e of this.ctx.spool.list(n.idText, "tx")) {
      if (e.nice <= nice) return true;
    }
    return false;
  }

  /** Addresses for a call: announced ones first (unless ignored), then the configured ones. */
  addrsFor(n: Neighbour, call?: CallSettings): string[] {
    const announced = n.mcdIgnore || call?.mcdIgnore ? [] : this.book.addrsOf(n.idText, Date.now());
    const configured = call?.addr !== undefined ? [call.addr] : Object.values(n.addrs);
    const out: string[] = [];
    for (const a of [...announced, ...configured]) {
      if (!out.includes(a) && !a.startsWith("yggdrasilc://")) out.push(a);
    }
    return out;
  }

  /**
   * Calls `n` at the first address that gives a good session (one call per
   * neighbour at a time); null when it is busy or has no address.
   */
  async place(
    n: Neighbour,
    addrs: string[],
    opts: Omit<CallOptions, "node" | "addr" | "signal" | "onStatus">,
    why: string,
  ): Promise<SessionResult | null> {
    const { ctx, signal } = this;
    if (this.#busy.has(n.idText)) return null;
    if (addrs.length === 0) {
      ctx.log.warn("call-no-addr", { node: n.name, why, hint: "give the neighbour addrs" });
      return null;
    }
    this.#busy.add(n.idText);
    let last: SessionResult | null = null;
    try {
      for (const addr of addrs) {
        if (signal.aborted) break;
        ctx.log.info("call-start", { node: n.name, addr, why, nice: opts.nice });
        try {
          last = await this.engine.callNode(ctx, {
            ...opts,
            node: n.idText,
            addr,
            signal,
            onStatus: this.#tracker("call"),
          });
        } catch (err) {
          last = {
            peer: n.idText,
            ok: false,
            rxPackets: 0,
            txPackets: 0,
            rxBytes: 0,
            txBytes: 0,
            error: (err as Error).message,
          };
        }
        this.#endSessions(n.name);
        ctx.log.info("call-end", {
          node: n.name,
          addr,
          ok: last.ok,
          rxPackets: last.rxPackets,
          txPackets: last.txPackets,
          error: last.error,
        });
        if (last.rxPackets > 0) this.received();
        if (last.ok) break;
      }
    } finally {
      this.#busy.delete(n.idText);
      this.changed();
    }
    return last;
  }

  async #listenLoop(): Promise<void> {
    const { ctx } = this;
    const receiver = new McdReceiver(
      this.book,
      (id) => {
        const n = ctx.config.neighById.get(id);
        return n && n.name !== "self" ? { name: n.name, ignored: n.mcdIgnore } : undefined;
      },
      ctx.self.idText,
      ctx.log,
    );
    await listenAnnouncements({
      ifaces: ctx.config.mcdListen,
      receiver,
      signal: this.signal,
      onAnnounce: (a) => void this.onAnnounce(a),
    });
  }

  /** An accepted announcement: remember it, and call at once when packets wait. */
  async onAnnounce(a: Announcement): Promise<void> {
    const { ctx } = this;
    const n = ctx.config.neighById.get(a.nodeId);
    // Updated in place: the status file holds this very object.
    const d = this.state.discovered;
    for (const k of Object.keys(d)) delete d[k];
    for (const [id, addrs] of Object.entries(this.book.all(Date.now()))) {
      d[this.#nameOf(id)] = addrs;
    }
    if (a.isNew) this.changed();
    if (!n || !n.noisePub || ctx.config.ferry.callOnAnnounce.except.includes(n.name)) return;
    if (this.#busy.has(n.idText)) return;
    const gapMs = ctx.config.ferry.callOnAnnounce.minGapSec * 1000;
    const last = this.#lastAnnounceCall.get(n.idText);
    if (last !== undefined && Date.now() - last < gapMs) return;
    // A neighbour announcing itself very often costs at most one look at its queue per interval.
    const checked = this.#lastAnnounceCheck.get(n.idText);
    if (checked !== undefined && Date.now() - checked < announceCheckMsMin) return;
    this.#lastAnnounceCheck.set(n.idText, Date.now());
    if (!(await this.txWaiting(n, 255))) return;
    this.#lastAnnounceCall.set(n.idText, Date.now());
    const addrs = [a.addr, ...this.addrsFor(n).filter((x) => x !== a.addr)];
    await this.place(n, addrs, {
      nice: 255,
      ...(n.onlineDeadlineSec !== undefined ? { onlineDeadlineSec: n.onlineDeadlineSec } : {}),
      ...(n.maxOnlineTimeSec !== undefined ? { maxOnlineTimeSec: n.maxOnlineTimeSec } : {}),
      autotoss: false,
    }, `announced on ${a.iface}`);
  }
}

/**
 * Announces a daemon listening on `bind` on the interfaces of `mcd-send`
 * (what `nncp-daemon` does) until `signal` aborts; resolves at once when
 * there is nothing to announce (logging why when `mcd-send` is set).
 */
export async function announceDaemon(
  ctx: NodeContext,
  bind: string[],
  signal: AbortSignal,
): Promise<void> {
  if (ctx.config.mcdSend.length === 0) return;
  const port = announcePort(bind);
  if (port === undefined) {
    ctx.log.warn("mcd-send-skipped", {
      reason: "the daemon listens on no IPv6 wildcard or link-local address",
    });
    return;
  }
  await sendAnnouncements({
    entries: ctx.config.mcdSend,
    selfId: ctx.self.id,
    daemonPort: port,
    log: ctx.log,
    signal,
  });
}

/** True for a session that has ended. */
export function isFinished(state: string): boolean {
  return state === "finished";
}

/**
 * The port to announce: that of the first `bind` address reachable over a
 * link-local address (`[::]:PORT`, `:PORT`, or a link-local address).
 */
export function announcePort(bind: string[]): number | undefined {
  for (const b of bind) {
    const m = /^(?:\[(::|fe80:[^\]]*)\]|)?:(\d+)$/i.exec(b);
    if (m) return Number(m[2]);
  }
  return undefined;
}
