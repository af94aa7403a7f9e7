/**
 * One SP session with a neighbour, as NNCP 8.8.2 runs it, over any
 * {@linkcode SpConn}:
 *
 * 1. Handshake (`handshake.ts`). The caller's first message carries its
 *    INFOs padded with HALTs; the answering side refuses a key that is no
 *    neighbour's before it touches the spool or writes a byte, then answers
 *    with its own INFOs. Both lock the neighbour's `rx`/`tx` queues as NNCP
 *    does, so two sessions with one neighbour never overlap.
 * 2. Three loops: the receiver decrypts each envelope and hands its packets
 *    to {@linkcode Incoming} (INFO, FILE) or {@linkcode Outgoing} (FREQ,
 *    DONE, HALT); the sender sends queued replies first, then FILE chunks;
 *    the ticker checks deadlines, pings, and announces packets that appear
 *    in `tx/` meanwhile.
 * 3. The session ends when neither side sent anything but PINGs for the
 *    online deadline, at the maximum online time, when the peer falls silent
 *    (`spRxSilenceMaxMs`), closes the stream, breaks the protocol, or when
 *    the caller aborts.
 *
 * Memory per session: one envelope being read, one being written, a read-
 * ahead block, the INFO/FREQ maps (bounded by `spInfosTheirMax`,
 * `spFreqQueueMax`) and at most `spOpenPartialsMax` open parts.
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import { encodeBase32 } from "../encoding/base32.ts";
import type { HeldLock } from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import type { NodeContext } from "../node/context.ts";
import { GcPacer } from "../packet/young_gc.ts";
import { SpoolStore } from "../store/mod.ts";
import {
  decodePackets,
  encodePacket,
  packPayloads,
  padHandshake,
  type SpPacket,
  SpProtocolError,
  SpType,
} from "./codec.ts";
import { EnvelopeReader, EnvelopeWriter, type SpConn, SpEofError, SpTimeoutError } from "./conn.ts";
import {
  answerHello,
  initiate,
  neighbourByNoiseKey,
  readHello,
  selfNoiseKeys,
} from "./handshake.ts";
import { Incoming } from "./incoming.ts";
import {
  checkSpLimits,
  spEnvelopeReadTimeoutMs,
  spGcIntervalBytes,
  spOnlineDeadlineDefaultSec,
  spPingIntervalMs,
  spReplyQueueMax,
  spRxSilenceMaxMs,
  spTickMs,
  spWriteTimeoutMs,
} from "./limits.ts";
import type { NoiseTransport } from "./noise.ts";
import { Outgoing } from "./outgoing.ts";
import { RateMeter } from "./rate.ts";
import {
  type RecFields,
  type SessionLink,
  type SessionOptions,
  type SessionResult,
  type SessionStatus,
  SpRefusedError,
} from "./session_types.ts";

export * from "./session_types.ts";

/** Runs one session over `conn`; never throws, the result says how it went. */
export async function runSession(
  ctx: NodeContext,
  conn: SpConn,
  o: SessionOptions,
): Promise<SessionResult> {
  checkSpLimits();
  return await new Session(ctx, conn, o).run();
}

class Session implements SessionLink {
  readonly ctx: NodeContext;
  readonly conn: SpConn;
  readonly o: SessionOptions;
  readonly store: SpoolStore;
  readonly reader: EnvelopeReader;
  readonly writer: EnvelopeWriter;
  readonly nice: number;
  node: Neighbour | null;
  cs: NoiseTransport | null = null;
  incoming: Incoming | null = null;
  outgoing: Outgoing | null = null;
  locks: HeldLock[] = [];
  replies: Uint8Array[] = [];
  dead = false;
  deadResolve: () => void = () => {};
  deadPromise = new Promise<void>((resolve) => (this.deadResolve = resolve));
  wake: (() => void) | null = null;
  endReason: string | null = null;
  endError: string | null = null;
  started = Date.now();
  rxLastSeen = Date.now();
  rxLastNonPing = Date.now();
  txLastSeen = Date.now();
  txLastNonPing = Date.now();
  onlineDeadlineMs = spOnlineDeadlineDefaultSec * 1000;
  maxOnlineMs = 0;
  /** NNCP's `rxrate`/`txrate`: SP payloads per second, 0 for no limit. */
  rxRate = 0;
  txRate = 0;
  rates = new RateMeter();
  /** Returns the per-message buffers of `node:crypto` early (see young_gc.ts). */
  gcPacer = new GcPacer(spGcIntervalBytes);

  constructor(ctx: NodeContext, conn: SpConn, o: SessionOptions) {
    this.ctx = ctx;
    this.conn = conn;
    this.o = o;
    this.nice = o.nice;
    this.node = o.node ?? null;
    this.store = new SpoolStore(ctx.spool, ctx.log);
    const kill = () => this.kill();
    this.reader = new EnvelopeReader(conn.readable, kill);
    this.writer = new EnvelopeWriter(conn.writable, kill);
  }

  get peer(): Neighbour {
    return this.node!;
  }

  get peerName(): string {
    return this.node?.name ?? "unknown";
  }

  kill(): void {
    this.conn.close();
    this.reader.cancel();
  }

  end(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.deadResolve();
    this.endReason = reason;
    this.notify();
    this.kill();
  }

  async record(who: string, fields: RecFields, msg: string, err?: string): Promise<void> {
    const all: RecFields = err === undefined ? fields : [...fields, ["Err", err]];
    await this.ctx.record(who, [...all, ["Msg", msg]]);
  }

  reply(p: SpPacket): void {
    this.replies.push(encodePacket(p));
    this.notify();
  }

  async run(): Promise<SessionResult> {
    const abort = () => this.end("aborted");
    this.o.signal?.addEventListener("abort", abort, { once: true });
    if (this.o.signal?.aborted) this.end("aborted");
    let handshaken = false;
    try {
      const first = await this.handshake();
      handshaken = true;
      const to = this.o.direction === "call" ? "to" : "with";
      await this.record(
        "call-started",
        [["Node", this.peer.idText], ["Addr", this.conn.remote]],
        `Connection ${to} ${this.peerName} (${this.conn.remote})`,
      );
      this.ctx.log.info("sp-session-start", {
        node: this.peerName,
        direction: this.o.direction,
        addr: this.conn.remote,
        nice: this.nice,
      });
      await this.process(first);
      await Promise.all([this.receiveLoop(), this.sendLoop(), this.tickLoop()]);
    } catch (err) {
      if (err instanceof SpEofError && this.reader.bytes === 0 && !handshaken) {
        // A port probe or health check: connected and left without a byte.
        this.endError = "closed before the handshake";
        this.ctx.log.debug("sp-closed-before-handshake", { addr: this.conn.remote });
      } else this.fail(err);
    } finally {
      this.o.signal?.removeEventListener("abort", abort);
      this.dead = true;
      this.deadResolve();
      this.notify();
      this.kill();
      await this.writer.close();
      await this.incoming?.close();
      await this.outgoing?.close();
      for (const l of this.locks) l.unlock();
    }
    const result = this.result(handshaken);
    if (handshaken) await this.recordEnd(result);
    this.status("finished");
    return result;
  }

  result(handshaken: boolean): SessionResult {
    const busy = (this.outgoing?.busy ?? false) || (this.incoming?.busy ?? false);
    const result: SessionResult = {
      peer: this.node?.idText ?? "unknown",
      ok: handshaken && this.endError === null && !busy,
      rxPackets: this.incoming?.received ?? 0,
      txPackets: this.outgoing?.sent ?? 0,
      rxBytes: this.reader.bytes,
      txBytes: this.writer.bytes,
    };
    if (this.endError !== null) result.error = this.endError;
    else if (!result.ok && handshaken) result.error = "packets were left half-sent";
    return result;
  }

  async recordEnd(r: SessionResult): Promise<void> {
    const secs = Math.round((Date.now() - this.started) / 1000);
    const per = Math.max(1, secs);
    await this.record(
      "call-finished",
      [
        ["Node", this.peer.idText],
        ["Duration", secs],
        ["RxBytes", r.rxBytes],
        ["RxSpeed", Math.round(r.rxBytes / per)],
        ["TxBytes", r.txBytes],
        ["TxSpeed", Math.round(r.txBytes / per)],
      ],
      `Finished call with ${this.peerName}: ${humanBytes(r.rxBytes)} received, ` +
        `${humanBytes(r.txBytes)} transferred`,
      this.endError ?? undefined,
    );
    this.ctx.log.info("sp-session-end", {
      node: this.peerName,
      direction: this.o.direction,
      reason: this.endReason ?? "ended",
      error: this.endError ?? undefined,
      rxPackets: r.rxPackets,
      txPackets: r.txPackets,
      rxBytes: r.rxBytes,
      txBytes: r.txBytes,
      rxBytesLeft: this.incoming?.bytesLeft || undefined,
      txBytesLeft: this.outgoing?.bytesLeft || undefined,
    });
  }

  fail(err: unknown): void {
    const e = err as Error;
    let msg = e?.message ?? String(err);
    if (this.endReason === "aborted" && !(e instanceof SpRefusedError)) msg = "aborted";
    if (this.endError === null) this.endError = msg;
    this.endReason ??= e?.name ?? "error";
    this.end(this.endReason);
    const fields = {
      node: this.peerName,
      addr: this.conn.remote,
      direction: this.o.direction,
      error: msg,
    };
    if (e instanceof SpRefusedError) this.ctx.log.warn("sp-refused", fields);
    else this.ctx.log.error("sp-session-failed", fields);
  }

  // --- handshake -------------------------------------------------------

  /** Runs the handshake; returns the peer's first payload. */
  async handshake(): Promise<Uint8Array> {
    const s = selfNoiseKeys(this.ctx);
    if (this.o.direction === "call") {
      if (!this.node) throw new TypeError("A call needs the neighbour to call");
      await this.prepare();
      const first = await this.firstPayload();
      this.status("handshake");
      const { payload, transport } = await initiate(this, s, this.peer, first);
      this.cs = transport;
      this.txLastSeen =
        this.txLastNonPing =
        this.rxLastSeen =
        this.rxLastNonPing =
          Date.now();
      return payload;
    }
    const hello = await readHello(this.reader, s, this.conn.remote);
    this.rxLastSeen = this.rxLastNonPing = Date.now();
    const found = neighbourByNoiseKey(this.ctx, hello.peerKey);
    if (!found) {
      const peer = encodeBase32(hello.peerKey);
      await this.record(
        "sp-startR-unknown",
        [["Nice", this.nice], ["Peer", peer]],
        `SP nice ${this.nice}: unknown peer ${peer}`,
        `unknown peer: ${peer}`,
      );
      throw new SpRefusedError(
        `unknown peer: noise key ${peer} from ${this.conn.remote} is no neighbour's; ` +
          "add its noisepub to neigh to accept it",
      );
    }
    this.node = found;
    this.o.onPeer?.(found);
    await this.prepare();
    this.cs = await answerHello(this.writer, hello.hs, await this.firstPayload());
    this.txLastSeen = this.txLastNonPing = Date.now();
    return hello.payload;
  }

  /** Applies the neighbour's settings, locks its queues, and sets up both halves. */
  async prepare(): Promise<void> {
    const n = this.peer;
    this.onlineDeadlineMs =
      (this.o.onlineDeadlineSec ?? n.onlineDeadlineSec ?? spOnlineDeadlineDefaultSec) * 1000;
    this.maxOnlineMs = (this.o.maxOnlineTimeSec ?? n.maxOnlineTimeSec ?? 0) * 1000;
    this.rxRate = this.o.rxRate ?? n.rxRate ?? 0;
    this.txRate = this.o.txRate ?? n.txRate ?? 0;
    const kinds: ("rx" | "tx")[] = [];
    if (!this.o.txOnly) kinds.push("rx");
    if (!this.o.rxOnly) kinds.push("tx");
    for (const kind of kinds) {
      const lock = await this.ctx.spool.lock(n.idText, kind);
      if (!lock) {
        throw new SpRefusedError(
          `${n.name}'s ${kind} queue is locked by another session or program; try again later`,
        );
      }
      this.locks.push(lock);
    }
    this.incoming = new Incoming(this, this.o.pkts);
    this.outgoing = new Outgoing(this);
  }

  /** Our INFOs padded as NNCP pads them; INFOs beyond one payload follow the handshake. */
  async firstPayload(): Promise<Uint8Array> {
    const infos = this.o.rxOnly ? [] : await this.outgoing!.newInfos();
    const payloads = packPayloads(infos);
    this.replies.push(...payloads.slice(1));
    return padHandshake(payloads[0] ?? new Uint8Array(0));
  }

  // --- loops -----------------------------------------------------------

  notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Waits up to `ms`; returns early when notified or when the session ends. */
  async pause(ms: number, wakeable = false): Promise<void> {
    if (this.dead) return;
    let t: ReturnType<typeof setTimeout> | undefined;
    const woken = new Promise<void>((r) => {
      if (wakeable) this.wake = r;
    });
    await Promise.race([
      new Promise<void>((r) => (t = setTimeout(r, ms))),
      this.deadPromise,
      woken,
    ]);
    clearTimeout(t);
  }

  async send(payload: Uint8Array, ping = false): Promise<void> {
    const ct = this.cs!.send.encrypt(payload);
    await this.writer.write(ct, spWriteTimeoutMs);
    this.gcPacer.add(ct.length);
    this.txLastSeen = Date.now();
    if (!ping) this.txLastNonPing = this.txLastSeen;
  }

  async sendLoop(): Promise<void> {
    try {
      while (!this.dead) {
        if (this.replies.length > 0) {
          for (const p of packPayloads(this.replies.splice(0))) await this.send(p);
          continue;
        }
        if (this.outgoing!.busy) {
          if (this.txRate > 0) await this.pause(1000 / this.txRate);
          const chunk = await this.outgoing!.nextChunk();
          if (chunk) await this.send(chunk);
          continue;
        }
        await this.pause(spTickMs, true);
      }
    } catch (err) {
      if (!this.dead) this.fail(err);
    }
  }

  async receiveLoop(): Promise<void> {
    try {
      while (!this.dead) {
        const ct = await this.reader.read(spEnvelopeReadTimeoutMs);
        this.rxLastSeen = Date.now();
        const payload = this.cs!.recv.decrypt(ct);
        this.gcPacer.add(ct.length);
        if (!payload) {
          throw new SpProtocolError("an SP message from the peer does not authenticate");
        }
        await this.process(payload);
        if (this.rxRate > 0) await this.pause(1000 / this.rxRate);
      }
    } catch (err) {
      if (this.dead) return;
      if (err instanceof SpEofError) this.end("peer-closed");
      else {
        this.endReason = err instanceof SpTimeoutError ? "timeout" : "protocol-error";
        this.fail(err);
      }
    }
  }

  async tickLoop(): Promise<void> {
    while (!this.dead) {
      await this.pause(spTickMs);
      if (this.dead) return;
      const now = Date.now();
      if (
        now - this.rxLastNonPing >= this.onlineDeadlineMs &&
        now - this.txLastNonPing >= this.onlineDeadlineMs
      ) return this.end("online-deadline");
      if (this.maxOnlineMs > 0 && now - this.started >= this.maxOnlineMs) {
        return this.end("max-online-time");
      }
      if (now - this.rxLastSeen >= spRxSilenceMaxMs) {
        this.endReason = "silent";
        return this.fail(new Error(`nothing from the peer for ${spRxSilenceMaxMs / 1000} s`));
      }
      try {
        if (now - this.txLastSeen >= spPingIntervalMs) {
          await this.send(encodePacket({ type: SpType.Ping }), true);
        }
      } catch (err) {
        return this.fail(err);
      }
      if (!this.o.rxOnly && this.replies.length < spReplyQueueMax) {
        try {
          const infos = await this.outgoing!.appearedInfos();
          if (infos.length > 0) {
            this.replies.push(...infos);
            this.notify();
          }
        } catch (err) {
          this.ctx.log.warn("sp-queue-scan", { node: this.peerName, error: String(err) });
        }
      }
      this.status("online");
    }
  }

  status(state: string): void {
    if (!this.o.onStatus) return;
    const rates = this.rates.sample(this.reader.bytes, this.writer.bytes);
    const left = (this.incoming?.bytesLeft ?? 0) + (this.outgoing?.bytesLeft ?? 0);
    const st: SessionStatus = {
      peer: this.node?.idText ?? "unknown",
      direction: this.o.direction,
      rxBytes: this.reader.bytes,
      txBytes: this.writer.bytes,
      ...rates,
      state,
    };
    const eta = RateMeter.etaSec(left, rates);
    if (eta !== undefined) st.etaSec = eta;
    try {
      this.o.onStatus(st);
    } catch { /* a status consumer never stops the session */ }
  }

  /** Hands each packet of a decrypted payload to its half. */
  async process(payload: Uint8Array): Promise<void> {
    const incoming = this.incoming!, outgoing = this.outgoing!;
    let infosGot = false;
    for (const p of decodePackets(payload)) {
      if (p.type !== SpType.Ping) this.rxLastNonPing = this.rxLastSeen;
      switch (p.type) {
        case SpType.Halt:
          outgoing.halt();
          break;
        case SpType.Ping:
          break;
        case SpType.Info:
          infosGot = true;
          if (!this.o.txOnly) await incoming.onInfo(p.hash, p.nice, p.size);
          break;
        case SpType.Freq:
          outgoing.onFreq(p.hash, p.offset);
          this.notify();
          break;
        case SpType.File:
          await incoming.onFile(p.hash, p.offset, p.data);
          break;
        case SpType.Done:
          await outgoing.onDone(p.hash);
          break;
      }
    }
    if (infosGot && !this.o.txOnly) await incoming.recordInfos();
  }
}
