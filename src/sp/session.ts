/**
 * One SP session with a neighbour, as NNCP 8.8.2 runs it, over any
 * {@linkcode SpConn}:
 *
 * 1. Handshake (Noise IK). The caller's first message carries its INFOs
 *    (what waits for the peer, niceness-filtered) padded with HALTs; the
 *    answering side first learns who calls from the key inside it and
 *    refuses any key that is not a configured neighbour's before it touches
 *    the spool or writes a byte. Its answer carries its own INFOs.
 * 2. Both sides then run the same loop. For every INFO the receiver replies
 *    DONE when it already has the packet (`rx/` or `seen/`), or FREQ with
 *    the offset it holds in `rx/<id>.part`. FREQs are served in niceness
 *    order, one FILE chunk (`spFileChunkBytes`) at a time. A complete
 *    partial is checked against its id by the shared packet store and
 *    only then enters `rx/`; the receiver answers DONE, and only that DONE
 *    removes the packet from the sender's `tx/`. New packets appearing in
 *    `tx/` during the session are announced with further INFOs.
 * 3. The session ends when neither side sent anything but PINGs for the
 *    online deadline, at the maximum online time, when the peer falls silent
 *    (`spRxSilenceMaxMs`), closes the stream, breaks the protocol, or when
 *    the caller aborts.
 *
 * Memory per session: one envelope being read, one being written, the
 * INFO/FREQ maps (bounded by `spInfosTheirMax`, `spFreqQueueMax`) and a
 * few open files.
 * @module
 */

import { constantTimeEqual } from "./_equal.ts";
import type { Neighbour } from "../config/mod.ts";
import { decodeBase32, encodeBase32 } from "../encoding/base32.ts";
import type { HeldLock } from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import type { NodeContext } from "../node/context.ts";
import type { PacketReader, PartialPacket } from "../store/mod.ts";
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
  checkSpLimits,
  spEnvelopeReadTimeoutMs,
  spFileChunkBytes,
  spFreqQueueMax,
  spHandshakeTimeoutMs,
  spInfosTheirMax,
  spOnlineDeadlineDefaultSec,
  spPingIntervalMs,
  spReplyQueueMax,
  spRxSilenceMaxMs,
  spTickMs,
  spWriteTimeoutMs,
} from "./limits.ts";
import { NoiseError, NoiseHandshake, type NoiseTransport } from "./noise.ts";

/** Progress of a running session, for `ferry status` and progress bars. */
export interface SessionStatus {
  peer: string;
  direction: "call" | "answer";
  rxBytes: number;
  txBytes: number;
  rxRate: number;
  txRate: number;
  etaSec?: number;
  state: string;
}

/** How a session ended. */
export interface SessionResult {
  peer: string;
  ok: boolean;
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  error?: string;
}

/** What one session needs. */
export interface SessionOptions {
  /** "call": we dial `node`; "answer": the peer dialled us. */
  direction: "call" | "answer";
  /** The neighbour we call (required for "call"). */
  node?: Neighbour;
  /** Only packets with niceness ≤ this go either way. */
  nice: number;
  rxOnly?: boolean;
  txOnly?: boolean;
  /** Overrides the neighbour's `onlinedeadline`. */
  onlineDeadlineSec?: number;
  /** Overrides the neighbour's `maxonlinetime` (0: none). */
  maxOnlineTimeSec?: number;
  /** Only these packets are requested from the peer. */
  pkts?: string[];
  signal?: AbortSignal;
  onStatus?: (s: SessionStatus) => void;
  /** Called once the peer is known (after the handshake). */
  onPeer?: (node: Neighbour) => void;
}

/** A session that ends with this error is logged as refused. */
export class SpRefusedError extends Error {
  override name = "SpRefusedError";
}

interface TheirInfo {
  nice: number;
  size: number;
  /** Bytes we hold (contiguous from 0). */
  have: number;
}

interface Freq {
  id: string;
  hash: Uint8Array;
  nice: number;
  size: number;
  offset: number;
}

/** Open partials kept at once (a sender may switch files when a more urgent FREQ arrives). */
const openPartialsMax = 8;

/** Runs one session over `conn`; never throws, the result says how it went. */
export async function runSession(
  ctx: NodeContext,
  conn: SpConn,
  o: SessionOptions,
): Promise<SessionResult> {
  checkSpLimits();
  const s = new Session(ctx, conn, o);
  return await s.run();
}

class Session {
  readonly ctx: NodeContext;
  readonly conn: SpConn;
  readonly o: SessionOptions;
  readonly store: SpoolStore;
  readonly reader: EnvelopeReader;
  readonly writer: EnvelopeWriter;
  node: Neighbour | null;
  cs: NoiseTransport | null = null;
  locks: HeldLock[] = [];
  dead = false;
  endReason: string | null = null;
  endError: string | null = null;
  started = Date.now();
  rxLastSeen = Date.now();
  rxLastNonPing = Date.now();
  txLastSeen = Date.now();
  txLastNonPing = Date.now();
  rxPackets = 0;
  txPackets = 0;
  /** Packets we announced: id → niceness and size. */
  infosOurs = new Map<string, { nice: number; size: number }>();
  infosTheirs = new Map<string, TheirInfo>();
  freqs: Freq[] = [];
  replies: Uint8Array[] = [];
  partials = new Map<string, PartialPacket>();
  readers = new Map<string, PacketReader>();
  refusedIds = new Set<string>();
  /** Packets the peer confirmed in this session (never announced again). */
  doneIds = new Set<string>();
  wake: (() => void) | null = null;
  deadResolve: () => void = () => {};
  deadPromise = new Promise<void>((resolve) => (this.deadResolve = resolve));
  onlineDeadlineMs = spOnlineDeadlineDefaultSec * 1000;
  maxOnlineMs = 0;
  rateMark = { at: Date.now(), rx: 0, tx: 0, rxRate: 0, txRate: 0 };

  constructor(ctx: NodeContext, conn: SpConn, o: SessionOptions) {
    this.ctx = ctx;
    this.conn = conn;
    this.o = o;
    this.node = o.node ?? null;
    this.store = new SpoolStore(ctx.spool, ctx.log);
    const kill = () => this.kill();
    this.reader = new EnvelopeReader(conn.readable, kill);
    this.writer = new EnvelopeWriter(conn.writable, kill);
  }

  get peerName(): string {
    return this.node?.name ?? "unknown";
  }

  kill(): void {
    this.conn.close();
    this.reader.cancel();
  }

  end(reason: string, error?: string): void {
    if (this.dead) return;
    this.dead = true;
    this.deadResolve();
    this.endReason = reason;
    if (error !== undefined) this.endError = error;
    this.wake?.();
    this.kill();
  }

  les(): [string, string | number][] {
    return [["Node", this.node?.idText ?? "unknown"], ["Nice", this.o.nice]];
  }

  async record(who: string, fields: [string, string | number][], msg: string, err?: string) {
    const all: [string, string | number][] = err === undefined ? fields : [...fields, ["Err", err]];
    await this.ctx.record(who, [...all, ["Msg", msg]]);
  }

  async run(): Promise<SessionResult> {
    const log = this.ctx.log;
    const abort = () => this.end("aborted");
    this.o.signal?.addEventListener("abort", abort, { once: true });
    if (this.o.signal?.aborted) this.end("aborted");
    let handshaken = false;
    try {
      const first = this.o.direction === "call" ? await this.startCall() : await this.startAnswer();
      handshaken = true;
      await this.record(
        "call-started",
        [["Node", this.node!.idText], ["Addr", this.conn.remote]],
        `Connection ${
          this.o.direction === "call" ? "to" : "with"
        } ${this.peerName} (${this.conn.remote})`,
      );
      log.info("sp-session-start", {
        node: this.peerName,
        direction: this.o.direction,
        addr: this.conn.remote,
        nice: this.o.nice,
      });
      await this.process(first);
      await Promise.all([this.receiveLoop(), this.sendLoop(), this.tickLoop()]);
    } catch (err) {
      this.fail(err);
    } finally {
      this.o.signal?.removeEventListener("abort", abort);
      this.dead = true;
      this.deadResolve();
      this.wake?.();
      this.kill();
      await this.writer.close();
      for (const p of this.partials.values()) await p.close().catch(() => {});
      for (const r of this.readers.values()) await r.close().catch(() => {});
      for (const l of this.locks) l.unlock();
    }
    const result: SessionResult = {
      peer: this.node?.idText ?? "unknown",
      ok: handshaken && this.endError === null && this.freqs.length === 0 &&
        this.partials.size === 0,
      rxPackets: this.rxPackets,
      txPackets: this.txPackets,
      rxBytes: this.reader.bytes,
      txBytes: this.writer.bytes,
    };
    if (this.endError !== null) result.error = this.endError;
    else if (!result.ok && handshaken) result.error = "packets were left half-sent";
    if (handshaken) {
      const durS = Math.max(1, Math.round((Date.now() - this.started) / 1000));
      await this.record(
        "call-finished",
        [
          ["Node", this.node!.idText],
          ["Duration", Math.round((Date.now() - this.started) / 1000)],
          ["RxBytes", result.rxBytes],
          ["RxSpeed", Math.round(result.rxBytes / durS)],
          ["TxBytes", result.txBytes],
          ["TxSpeed", Math.round(result.txBytes / durS)],
        ],
        `Finished call with ${this.peerName}: ${humanBytes(result.rxBytes)} received, ` +
          `${humanBytes(result.txBytes)} transferred`,
        this.endError ?? undefined,
      );
      log.info("sp-session-end", {
        node: this.peerName,
        direction: this.o.direction,
        reason: this.endReason ?? "ended",
        error: this.endError ?? undefined,
        rxPackets: this.rxPackets,
        txPackets: this.txPackets,
        rxBytes: result.rxBytes,
        txBytes: result.txBytes,
      });
    }
    this.status("finished");
    return result;
  }

  fail(err: unknown): void {
    const e = err as Error;
    let msg = e?.message ?? String(err);
    if (this.endReason === "aborted" && !(e instanceof SpRefusedError)) msg = "aborted";
    if (!this.dead || this.endError === null) {
      this.dead = true;
      this.endError = msg;
      this.endReason ??= e?.name ?? "error";
    }
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

  selfNoise(): { prv: Uint8Array; pub: Uint8Array } {
    const self = this.ctx.self;
    if (!self.noisePrv || !self.noisePub) {
      throw new SpRefusedError(
        `The configuration ${this.ctx.config.path} has no noiseprv/noisepub: add them (ferry init makes them)`,
      );
    }
    return { prv: self.noisePrv, pub: self.noisePub };
  }

  async lockSpool(): Promise<void> {
    const id = this.node!.idText;
    const kinds: ("rx" | "tx")[] = [];
    if (!this.o.txOnly) kinds.push("rx");
    if (!this.o.rxOnly) kinds.push("tx");
    for (const kind of kinds) {
      const lock = await this.ctx.spool.lock(id, kind);
      if (!lock) {
        throw new SpRefusedError(
          `${this.peerName}'s ${kind} queue is locked by another session or program; try again later`,
        );
      }
      this.locks.push(lock);
    }
  }

  applyNodeSettings(): void {
    const n = this.node!;
    const deadline = this.o.onlineDeadlineSec ?? n.onlineDeadlineSec ?? spOnlineDeadlineDefaultSec;
    this.onlineDeadlineMs = deadline * 1000;
    this.maxOnlineMs = (this.o.maxOnlineTimeSec ?? n.maxOnlineTimeSec ?? 0) * 1000;
  }

  async firstPayload(): Promise<{ first: Uint8Array; rest: Uint8Array[] }> {
    const infos = this.o.rxOnly ? [] : await this.newInfos();
    const payloads = packPayloads(infos);
    return { first: padHandshake(payloads[0] ?? new Uint8Array(0)), rest: payloads.slice(1) };
  }

  async startCall(): Promise<Uint8Array> {
    const node = this.node;
    if (!node) throw new TypeError("A call needs the neighbour to call");
    if (!node.noisePub) {
      throw new SpRefusedError(
        `Neighbour ${node.name} has no noisepub in the configuration: it cannot be called online`,
      );
    }
    const s = this.selfNoise();
    this.applyNodeSettings();
    await this.lockSpool();
    const hs = new NoiseHandshake({ initiator: true, s, rs: node.noisePub });
    const { first, rest } = await this.firstPayload();
    await this.writer.write(hs.writeMessage(first), spHandshakeTimeoutMs);
    this.txLastSeen = this.txLastNonPing = Date.now();
    this.status("handshake");
    const msg2 = await this.reader.read(spHandshakeTimeoutMs, spHandshakeTimeoutMs);
    this.rxLastSeen = this.rxLastNonPing = Date.now();
    let payload: Uint8Array;
    try {
      payload = hs.readMessage(msg2);
    } catch (err) {
      if (err instanceof NoiseError) {
        throw new SpRefusedError(
          `${node.name} did not answer with the noise key configured for it (${err.message})`,
        );
      }
      throw err;
    }
    this.cs = hs.split();
    this.replies.push(...rest);
    return payload;
  }

  async startAnswer(): Promise<Uint8Array> {
    const s = this.selfNoise();
    const hs = new NoiseHandshake({ initiator: false, s });
    const msg1 = await this.reader.read(spHandshakeTimeoutMs, spHandshakeTimeoutMs);
    this.rxLastSeen = this.rxLastNonPing = Date.now();
    let payload: Uint8Array;
    try {
      payload = hs.readMessage(msg1);
    } catch (err) {
      if (err instanceof NoiseError) {
        throw new SpRefusedError(
          `handshake from ${this.conn.remote} does not decrypt with our key`,
        );
      }
      throw err;
    }
    const peerKey = hs.remoteStatic!;
    let found: Neighbour | null = null;
    for (const n of this.ctx.config.neigh.values()) {
      if (n.idText === this.ctx.self.idText) continue;
      if (n.noisePub && constantTimeEqual(n.noisePub, peerKey)) found = n;
    }
    if (!found) {
      const peer = encodeBase32(peerKey);
      await this.record(
        "sp-startR-unknown",
        [["Nice", this.o.nice], ["Peer", peer]],
        `SP nice ${this.o.nice}: unknown peer ${peer}`,
        `unknown peer: ${peer}`,
      );
      throw new SpRefusedError(
        `unknown peer: noise key ${peer} from ${this.conn.remote} is no neighbour's; ` +
          "add its noisepub to neigh to accept it",
      );
    }
    this.node = found;
    this.o.onPeer?.(found);
    this.applyNodeSettings();
    await this.lockSpool();
    const { first, rest } = await this.firstPayload();
    await this.writer.write(hs.writeMessage(first), spHandshakeTimeoutMs);
    this.txLastSeen = this.txLastNonPing = Date.now();
    this.cs = hs.split();
    this.replies.push(...rest);
    return payload;
  }

  // --- our packets -----------------------------------------------------

  /** INFO packets for outgoing packets not announced yet, most urgent first. */
  async newInfos(): Promise<Uint8Array[]> {
    const id = this.node!.idText;
    const fresh = (await this.store.listOutgoing(id))
      .filter((p) => p.nice <= this.o.nice && !this.infosOurs.has(p.id) && !this.doneIds.has(p.id))
      .sort((a, b) => a.nice - b.nice || a.mtimeMs - b.mtimeMs);
    let total = 0;
    const out = fresh.map((p) => {
      this.infosOurs.set(p.id, { nice: p.nice, size: p.size });
      total += p.size;
      return encodePacket({
        type: SpType.Info,
        nice: p.nice,
        size: p.size,
        hash: decodeBase32(p.id),
      });
    });
    if (out.length > 0) {
      await this.record(
        "sp-infos-tx",
        [["XX", "tx"], ["Node", id], ["Pkts", out.length], ["Size", total]],
        `We have got for ${this.peerName}: ${out.length} packets, ${humanBytes(total)}`,
      );
    }
    return out;
  }

  // --- loops -----------------------------------------------------------

  notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async sleep(ms: number): Promise<void> {
    if (this.dead) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  async send(payload: Uint8Array, ping = false): Promise<void> {
    const ct = this.cs!.send.encrypt(payload);
    await this.writer.write(ct, spWriteTimeoutMs);
    this.txLastSeen = Date.now();
    if (!ping) this.txLastNonPing = this.txLastSeen;
  }

  async sendLoop(): Promise<void> {
    try {
      while (!this.dead) {
        if (this.replies.length > 0) {
          const batch = this.replies.splice(0, this.replies.length);
          for (const p of packPayloads(batch)) await this.send(p);
          continue;
        }
        const freq = this.freqs[0];
        if (freq) {
          await this.sendChunk(freq);
          continue;
        }
        await this.sleep(spTickMs);
      }
    } catch (err) {
      if (!this.dead) {
        this.fail(err);
        this.end("send-failed");
      }
    }
  }

  async sendChunk(freq: Freq): Promise<void> {
    const node = this.node!.idText;
    let reader = this.readers.get(freq.id);
    if (!reader) {
      try {
        reader = await this.store.openOutgoing(node, freq.id);
      } catch (err) {
        this.ctx.log.error("sp-file-open", {
          node: this.peerName,
          pkt: freq.id,
          error: String(err),
        });
        this.freqs.shift();
        return;
      }
      this.readers.set(freq.id, reader);
    }
    const n = Math.max(0, Math.min(spFileChunkBytes, freq.size - freq.offset));
    const data = n > 0 ? await reader.read(freq.offset, n) : new Uint8Array(0);
    const payload = encodePacket({ type: SpType.File, hash: freq.hash, offset: freq.offset, data });
    freq.offset += n;
    if (freq.offset >= freq.size) {
      const at = this.freqs.indexOf(freq);
      if (at >= 0) this.freqs.splice(at, 1);
      this.readers.delete(freq.id);
      await reader.close();
    }
    await this.send(payload);
  }

  async receiveLoop(): Promise<void> {
    try {
      while (!this.dead) {
        const ct = await this.reader.read(spEnvelopeReadTimeoutMs);
        this.rxLastSeen = Date.now();
        const payload = this.cs!.recv.decrypt(ct);
        if (!payload) {
          throw new SpProtocolError("an SP message from the peer does not authenticate");
        }
        await this.process(payload);
      }
    } catch (err) {
      if (this.dead) return;
      if (err instanceof SpEofError) {
        this.end("peer-closed");
        return;
      }
      this.fail(err);
      this.end(err instanceof SpTimeoutError ? "timeout" : "protocol-error");
    }
  }

  async tickLoop(): Promise<void> {
    while (!this.dead) {
      await this.sleepTick();
      if (this.dead) return;
      const now = Date.now();
      if (
        now - this.rxLastNonPing >= this.onlineDeadlineMs &&
        now - this.txLastNonPing >= this.onlineDeadlineMs
      ) {
        this.end("online-deadline");
        return;
      }
      if (this.maxOnlineMs > 0 && now - this.started >= this.maxOnlineMs) {
        this.end("max-online-time");
        return;
      }
      if (now - this.rxLastSeen >= spRxSilenceMaxMs) {
        this.endError = `nothing from the peer for ${spRxSilenceMaxMs / 1000} s`;
        this.ctx.log.error("sp-session-failed", { node: this.peerName, error: this.endError });
        this.end("silent");
        return;
      }
      if (now - this.txLastSeen >= spPingIntervalMs) {
        try {
          await this.send(encodePacket({ type: SpType.Ping }), true);
        } catch (err) {
          this.fail(err);
          this.end("send-failed");
          return;
        }
      }
      if (!this.o.rxOnly && this.replies.length < spReplyQueueMax) {
        try {
          const infos = await this.newInfos();
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

  async sleepTick(): Promise<void> {
    let t: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (t = setTimeout(resolve, spTickMs))),
      this.deadPromise,
    ]);
    clearTimeout(t);
  }

  status(state: string): void {
    if (!this.o.onStatus) return;
    const now = Date.now();
    const m = this.rateMark;
    const dt = (now - m.at) / 1000;
    if (dt >= 1) {
      m.rxRate = Math.round((this.reader.bytes - m.rx) / dt);
      m.txRate = Math.round((this.writer.bytes - m.tx) / dt);
      m.at = now;
      m.rx = this.reader.bytes;
      m.tx = this.writer.bytes;
    }
    let rxLeft = 0;
    for (const i of this.infosTheirs.values()) rxLeft += i.size - i.have;
    let txLeft = 0;
    for (const f of this.freqs) txLeft += f.size - f.offset;
    const rate = m.rxRate + m.txRate;
    const st: SessionStatus = {
      peer: this.node?.idText ?? "unknown",
      direction: this.o.direction,
      rxBytes: this.reader.bytes,
      txBytes: this.writer.bytes,
      rxRate: m.rxRate,
      txRate: m.txRate,
      state,
    };
    if (rate > 0 && rxLeft + txLeft > 0) st.etaSec = Math.ceil((rxLeft + txLeft) / rate);
    try {
      this.o.onStatus(st);
    } catch { /* a status consumer never stops the session */ }
  }

  // --- packets from the peer -------------------------------------------

  reply(p: SpPacket): void {
    this.replies.push(encodePacket(p));
    this.notify();
  }

  async process(payload: Uint8Array): Promise<void> {
    const packets = decodePackets(payload);
    let infosGot = false;
    for (const p of packets) {
      if (p.type !== SpType.Ping) this.rxLastNonPing = this.rxLastSeen;
      switch (p.type) {
        case SpType.Halt:
          this.freqs = [];
          break;
        case SpType.Ping:
          break;
        case SpType.Info:
          infosGot = true;
          await this.onInfo(p.hash, p.nice, p.size);
          break;
        case SpType.Freq:
          this.onFreq(p.hash, p.offset);
          break;
        case SpType.File:
          await this.onFile(p.hash, p.offset, p.data);
          break;
        case SpType.Done:
          await this.onDone(p.hash);
          break;
      }
    }
    if (infosGot) {
      let size = 0;
      for (const i of this.infosTheirs.values()) size += i.size;
      await this.record(
        "sp-infos-rx",
        [["XX", "rx"], ["Node", this.node!.idText], ["Pkts", this.infosTheirs.size], [
          "Size",
          size,
        ]],
        `${this.peerName} has got for us: ${this.infosTheirs.size} packets, ${humanBytes(size)}`,
      );
    }
  }

  async onInfo(hash: Uint8Array, nice: number, size: number): Promise<void> {
    const id = encodeBase32(hash);
    const node = this.node!.idText;
    if (nice > this.o.nice || this.o.txOnly) return;
    if (this.infosTheirs.size >= spInfosTheirMax) {
      throw new SpProtocolError(`the peer announced more than ${spInfosTheirMax} packets`);
    }
    const les: [string, string | number][] = [
      ...this.les(),
      ["Type", "info"],
      ["Pkt", id],
      ["Size", size],
      ["PktNice", nice],
    ];
    if (await this.store.hasIncoming(node, id)) {
      await this.record("sp-info-done", les, `Packet ${id} (${humanBytes(size)}): already done`);
      this.reply({ type: SpType.Done, hash });
      return;
    }
    const nock = await this.store.checkUnchecked(node, id);
    if (nock === true) {
      this.reply({ type: SpType.Done, hash });
      return;
    }
    if (size < 1) {
      this.ctx.log.warn("sp-info-empty", { node: this.peerName, pkt: id });
      return;
    }
    const partial = await this.store.openIncoming(node, id, size, { partLengthIsDone: true });
    const have = partial.resume?.doneBytes ?? 0;
    this.infosTheirs.set(id, { nice, size, have });
    if (have === size) {
      await this.finish(id, hash, partial, size);
      return;
    }
    await partial.close();
    await this.record(
      "sp-info",
      [...les, ["Offset", have]],
      `Packet ${id} (${humanBytes(size)}) (nice ${nice}): ${Math.floor((100 * have) / size)}%`,
    );
    if (this.o.pkts && !this.o.pkts.includes(id)) return;
    this.reply({ type: SpType.Freq, hash, offset: have });
  }

  onFreq(hash: Uint8Array, offset: number): void {
    const id = encodeBase32(hash);
    const ours = this.infosOurs.get(id);
    if (!ours || this.doneIds.has(id)) {
      this.ctx.log.warn("sp-freq-unknown", { node: this.peerName, pkt: id });
      return;
    }
    if (offset > ours.size) {
      throw new SpProtocolError(`FREQ for ${id} at ${offset} is beyond its ${ours.size} bytes`);
    }
    const existing = this.freqs.find((f) => f.id === id);
    if (existing) {
      existing.offset = offset;
      return;
    }
    if (this.freqs.length >= spFreqQueueMax) {
      throw new SpProtocolError(`the peer requested more than ${spFreqQueueMax} packets at once`);
    }
    let at = this.freqs.findIndex((f) => f.nice > ours.nice);
    if (at < 0) at = this.freqs.length;
    this.freqs.splice(at, 0, { id, hash, nice: ours.nice, size: ours.size, offset });
    this.notify();
  }

  async onFile(hash: Uint8Array, offset: number, data: Uint8Array): Promise<void> {
    const id = encodeBase32(hash);
    const info = this.infosTheirs.get(id);
    if (!info) {
      this.ctx.log.warn("sp-file-unknown", { node: this.peerName, pkt: id, offset });
      return;
    }
    if (offset + data.length > info.size) {
      throw new SpProtocolError(
        `FILE ${id} carries bytes up to ${offset + data.length}, beyond its ${info.size} bytes`,
      );
    }
    if (offset !== info.have) {
      this.ctx.log.warn("sp-file-offset-differs", {
        node: this.peerName,
        pkt: id,
        offset,
        have: info.have,
      });
      return;
    }
    let partial = this.partials.get(id);
    if (!partial) {
      partial = await this.store.openIncoming(this.node!.idText, id, info.size, {
        partLengthIsDone: true,
      });
      const have = partial.resume?.doneBytes ?? 0;
      if (have !== info.have) {
        await partial.close();
        throw new Error(`rx/${id}.part changed under the session (${have} vs ${info.have} bytes)`);
      }
      this.partials.set(id, partial);
      if (this.partials.size > openPartialsMax) {
        const [oldId, old] = this.partials.entries().next().value!;
        this.partials.delete(oldId);
        await old.close();
      }
    }
    if (data.length > 0) await partial.write(offset, data);
    info.have += data.length;
    if (info.have === info.size) {
      this.partials.delete(id);
      await this.finish(id, hash, partial, info.size);
    }
  }

  async finish(id: string, hash: Uint8Array, partial: PartialPacket, size: number): Promise<void> {
    this.infosTheirs.delete(id);
    const les: [string, string | number][] = [
      ...this.les(),
      ["Type", "file"],
      ["XX", "rx"],
      ["Pkt", id],
      ["Size", size],
      ["FullSize", size],
    ];
    const ok = await partial.commit();
    if (!ok) {
      this.refusedIds.add(id);
      this.ctx.log.error("sp-file-bad-checksum", {
        node: this.peerName,
        pkt: id,
        size,
        error: "the received bytes do not hash to the packet id; discarded",
      });
      await this.record("sp-file-bad-checksum", les, `Got packet ${id}`, "checksum mismatch");
      return;
    }
    this.rxPackets++;
    this.ctx.log.info("sp-file-done", { node: this.peerName, pkt: id, size });
    await this.record("sp-file-done", les, `Got packet ${id} 100% (${humanBytes(size)}): done`);
    this.reply({ type: SpType.Done, hash });
  }

  async onDone(hash: Uint8Array): Promise<void> {
    const id = encodeBase32(hash);
    if (!this.infosOurs.has(id) || this.doneIds.has(id)) {
      this.ctx.log.warn("sp-done-unknown", { node: this.peerName, pkt: id });
      return;
    }
    this.freqs = this.freqs.filter((f) => f.id !== id);
    const r = this.readers.get(id);
    if (r) {
      this.readers.delete(id);
      await r.close();
    }
    this.doneIds.add(id);
    await this.store.markSent(this.node!.idText, id);
    this.txPackets++;
    this.ctx.log.info("sp-done", { node: this.peerName, pkt: id });
    await this.record(
      "sp-done",
      [...this.les(), ["Type", "done"], ["Pkt", id], ["XX", "tx"]],
      `Packet ${id} is sent`,
    );
  }
}
