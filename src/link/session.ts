/**
 * A link session: both sides run the same code over a half-duplex link.
 * The side holding the turn sends its replies (ACK for the last burst,
 * ACCEPT/VERIFIED/REJECT), then its own OFFER or data burst; every frame
 * says how many frames follow, and the last one passes the turn. If the
 * last frame is lost the listener takes the turn when the burst must have
 * ended; if a reply never comes the holder repeats its turn (a poll) after
 * a timeout, with jitter, and gives up after `turnRetriesMax` in a row.
 * Who starts is decided by node id. HELLO frames with random nonces find
 * out when the peer restarted, so transfers in progress are offered again
 * and resume from the receiver's persisted state.
 * @module
 */

import type { Clock } from "../../hw/clock/clock.ts";
import { LinkClosedError } from "../../hw/link/link.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import type { AirtimeModel } from "./airtime.ts";
import type { AirtimeBudget } from "./budget.ts";
import type { CheckedLink } from "./checked_link.ts";
import { crc32 } from "./crc32.ts";
import { estimateQueueEmptyAt } from "./estimate.ts";
import {
  type ControlBody,
  decodeFrame,
  type Frame,
  FrameError,
  protocolVersion,
} from "./frames.ts";
import { checkLimits, type DerivedLimits, type LinkLimits, linkLimitsDefault } from "./limits.ts";
import { Receiver } from "./receiver.ts";
import { Sender } from "./sender.ts";
import {
  emptyStats,
  type EndReason,
  type LinkSessionOptions,
  type LinkSessionResult,
  type LinkStats,
  type LinkStatus,
} from "./session_types.ts";
import { planTurn, sendBye, sendTurn } from "./turn.ts";

/** Default interval of status reports, ms. */
export const statusEveryMsDefault = 60_000;

const TIMEOUT: unique symbol = Symbol("timeout");

/** One session on one link with one peer. Create, then {@linkcode LinkSession.run}. */
export class LinkSession {
  /** Live counters (also returned by `run`). */
  readonly stats: LinkStats;
  readonly limits: LinkLimits;
  readonly derived: DerivedLimits;
  readonly link: CheckedLink;
  readonly clock: Clock;
  readonly airtime: AirtimeModel;
  readonly budget: AirtimeBudget | null;
  readonly log: Logger;
  readonly sender: Sender;
  readonly receiver: Receiver;
  readonly starts: boolean;
  readonly options: LinkSessionOptions;
  /** Aborted when the session ends; every wait and send listens to it. */
  readonly stop = new AbortController();
  /** Turn state. */
  myTurn: boolean;
  peerIdle = false;
  peerHoldMs = 0;
  idleRounds = 0;
  idleHoldUntilMs = 0;
  established = false;
  #deadlineMs = 0;
  #waitingFor: "reply" | "turn-end" = "reply";
  #retries = 0;
  #oweHello = false;
  readonly #nonce: number;
  #peerNonce = 0;
  #end: EndReason | null = null;
  #lingering = false;
  #pending: Promise<Uint8Array | null> | null = null;
  #statusAtMs = 0;
  readonly #random: () => number;

  /** Checks the limits against the link (throws `RangeError` when they do not fit). */
  constructor(options: LinkSessionOptions) {
    this.options = options;
    this.link = options.link;
    this.clock = options.clock;
    this.airtime = options.airtime;
    this.budget = options.budget ?? null;
    this.limits = { ...linkLimitsDefault, ...options.limits };
    this.derived = checkLimits(this.limits, {
      mtu: this.link.mtu,
      overheadBytes: this.link.overheadBytes,
      airtime: this.airtime,
      budget: this.budget,
    });
    this.log = (options.log ?? silentLogger).child({ peer: options.peerNode });
    this.stats = emptyStats(this.clock.now());
    this.#random = options.random ??
      (() => crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32);
    this.#nonce = 1 + Math.floor(this.#random() * (2 ** 32 - 1));
    this.starts = options.starts ?? options.localNode < options.peerNode;
    this.myTurn = this.starts;
    const ctx = {
      store: options.store,
      peer: options.peerNode,
      limits: this.limits,
      log: this.log,
      stats: this.stats,
      clock: this.clock,
    };
    this.receiver = new Receiver(ctx);
    this.sender = new Sender(ctx, this.derived);
  }

  /** Runs until both sides are idle (or `stopWhen`/`untilMs`/abort/peer loss). */
  async run(): Promise<LinkSessionResult> {
    const o = this.options;
    const onAbort = () => this.stop.abort(o.signal?.reason);
    o.signal?.addEventListener("abort", onAbort, { once: true });
    this.#statusAtMs = this.clock.now();
    this.#deadlineMs = this.clock.now() + this.derived.replyTimeoutDataMs + this.#retryExtraMs();
    this.log.info("link-session-start", {
      starts: this.starts,
      mtu: this.link.mtu,
      airtime: this.airtime.label,
      duty: this.budget?.dutyCycle ?? 1,
    });
    let status: LinkStatus;
    try {
      while (this.#end === null) {
        if (this.stop.signal.aborted) this.#end = "aborted";
        else if (o.untilMs !== undefined && this.clock.now() >= o.untilMs) {
          if (this.myTurn) await sendBye(this);
          this.#end = "deadline";
        } else if (this.myTurn) await this.#takeTurn();
        else await this.#listen();
        this.#maybeStatus();
      }
    } catch (err) {
      if (this.stop.signal.aborted) this.#end = "aborted";
      else if (err instanceof LinkClosedError) this.#end = "closed";
      else throw err;
    } finally {
      o.signal?.removeEventListener("abort", onAbort);
      const aborted = this.#end === "aborted" || this.stop.signal.aborted;
      this.stop.abort(new Error("link session ended"));
      status = this.status();
      await this.sender.close();
      await this.receiver.close(!aborted);
    }
    this.stats.endedAtMs = this.clock.now();
    o.onStatus?.(status);
    const reason = this.#end ?? "aborted";
    this.log.info("link-session-end", {
      reason,
      sent: this.stats.packetsSent,
      received: this.stats.packetsReceived,
      airtimeMs: Math.round(this.stats.airtimeMs),
      retransmitted: this.stats.retransmittedFrames,
    });
    return { reason, stats: { ...this.stats }, status };
  }

  /** Budget left and an estimate of when the outgoing queue will be empty. */
  status(): LinkStatus {
    const now = this.clock.now();
    const { packets, bytes } = this.sender.backlog();
    const out = this.sender.current;
    return {
      atMs: now,
      budgetLeftMs: this.budget ? this.budget.availableMs(now) : Infinity,
      budgetLimitMs: this.budget ? this.budget.limitMs : Infinity,
      queuePackets: packets,
      queueBytes: bytes,
      queueEmptyAtMs: estimateQueueEmptyAt({
        nowMs: now,
        queueBytes: bytes,
        fragBytes: this.derived.fragBytes,
        dataFrameMs: this.derived.dataFrameMs,
        controlFrameMs: this.derived.controlFrameMs,
        turnaroundMs: this.limits.turnaroundMs,
        burstFramesMax: this.limits.burstFramesMax,
        lossRate: this.stats.retransmittedFrames / Math.max(1, this.stats.dataFramesSent),
        budget: this.budget,
      }),
      sending: out ? { id: out.id, size: out.packet.size, doneBytes: out.doneBytes } : null,
      receiving: this.receiver.progress(),
    };
  }

  /** Control frames that introduce this side while the peer does not know it yet. */
  helloFrames(): ControlBody[] {
    if (this.established && !this.#oweHello) return [];
    this.#oweHello = false;
    return [{
      kind: "hello",
      version: protocolVersion,
      established: this.established,
      nonce: this.#nonce,
      echo: this.#peerNonce,
      fromTag: nodeTag(this.options.localNode),
      toTag: nodeTag(this.options.peerNode),
    }];
  }

  /** Ends the session after the current step. */
  end(reason: EndReason): void {
    this.#end ??= reason;
  }

  /**
   * After an idle BYE: keep listening for a while and answer anything the
   * peer still sends (its copy of the BYE was lost) with another BYE; end
   * "idle" once the peer stays quiet.
   */
  linger(): void {
    this.#lingering = true;
    this.myTurn = false;
    this.#waitingFor = "reply";
    this.#deadlineMs = this.clock.now() + this.#lingerMs();
  }

  #lingerMs(): number {
    const d = this.derived, l = this.limits;
    return 2 * d.replyTimeoutDataMs + l.retryJitterMs + d.controlFrameMs + l.turnaroundMs;
  }

  /** Waits `ms` of clock time (rejects when the session stops). */
  sleep(ms: number): Promise<void> {
    return this.clock.sleep(Math.max(0, ms), this.stop.signal);
  }

  async #takeTurn(): Promise<void> {
    if (this.#lingering) {
      await this.sleep(this.limits.turnaroundMs);
      await sendTurn(this, [{ kind: "bye" }], [], true);
      this.linger();
      return;
    }
    const turn = await planTurn(this);
    if (this.#end !== null || turn === null) return;
    this.myTurn = false;
    this.#waitingFor = "reply";
    const wait = turn.expectControlFirst
      ? this.derived.replyTimeoutControlMs
      : this.derived.replyTimeoutDataMs;
    this.#deadlineMs = this.clock.now() + wait + this.peerHoldMs + this.#retryExtraMs();
    this.peerHoldMs = 0;
  }

  async #listen(): Promise<void> {
    const until = this.options.untilMs ?? Infinity;
    const got = await this.#receiveBy(Math.min(this.#deadlineMs, until));
    if (got === TIMEOUT) {
      if (this.clock.now() >= until) return;
      if (this.#lingering) {
        this.#end = "idle";
        return;
      }
      if (this.#waitingFor === "turn-end") {
        this.myTurn = true;
        return;
      }
      this.#retries++;
      this.stats.turnTimeouts++;
      this.log.debug("link-reply-timeout", { retries: this.#retries });
      if (this.#retries > this.limits.turnRetriesMax) {
        if (this.peerIdle && !this.sender.hasWork() && !this.receiver.active) {
          // Both sides had nothing left: the peer's BYE was most likely lost.
          this.log.info("link-peer-silent-while-idle", { retries: this.#retries - 1 });
          this.#end = "idle";
        } else {
          this.log.warn("link-peer-lost", { retries: this.#retries - 1 });
          this.#end = "peer-lost";
        }
        return;
      }
      this.myTurn = true;
      return;
    }
    if (got === null) {
      this.#end = "closed";
      return;
    }
    let frame: Frame;
    try {
      frame = decodeFrame(got);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.stats.framesDropped++;
      this.log.warn(`link-frame-${err.code}`, { bytes: got.length, first: got[0] });
      return;
    }
    this.stats.framesReceived++;
    this.#retries = 0;
    if (this.#lingering) {
      // The peer did not hear the BYE: answer once its turn is over.
      if (frame.rem === 0) this.myTurn = true;
      else this.#deadlineMs = this.clock.now() + frame.rem * this.derived.dataFrameMs;
      this.#waitingFor = "turn-end";
      return;
    }
    this.peerIdle = frame.kind !== "data" && frame.idle;
    await this.#handle(frame);
    if (frame.rem === 0) {
      this.myTurn = true;
    } else {
      this.#waitingFor = "turn-end";
      this.#deadlineMs = this.clock.now() + frame.rem * this.derived.dataFrameMs +
        this.limits.turnGuardMs;
    }
  }

  async #handle(f: Frame): Promise<void> {
    switch (f.kind) {
      case "data":
        return await this.receiver.onData(f);
      case "offer":
        return await this.receiver.onOffer(f);
      case "accept":
      case "ack":
      case "verified":
      case "reject":
        return await this.sender.onReply(f);
      case "hello":
        return await this.#onHello(f);
      case "hold":
        this.peerHoldMs = Math.min(f.ms, this.limits.holdMsMax);
        return;
      case "turn":
        return;
      case "bye":
        this.log.info("link-peer-bye", {});
        this.#end = !this.sender.hasWork() && !this.receiver.active ? "idle" : "peer-bye";
        return;
    }
  }

  async #onHello(h: Extract<Frame, { kind: "hello" }>): Promise<void> {
    if (h.version !== protocolVersion) {
      this.log.error("link-hello-version", { theirs: h.version, ours: protocolVersion });
      this.#end = "incompatible";
      return;
    }
    if (
      h.fromTag !== nodeTag(this.options.peerNode) || h.toTag !== nodeTag(this.options.localNode)
    ) {
      this.stats.framesDropped++;
      this.log.warn("link-hello-wrong-peer", { from: h.fromTag, to: h.toTag });
      return;
    }
    if (h.nonce !== this.#peerNonce) {
      if (this.#peerNonce !== 0) {
        this.log.info("link-peer-restarted", {});
        await this.sender.reset();
        await this.receiver.reset();
      }
      this.#peerNonce = h.nonce;
    }
    if (h.echo === this.#nonce) this.established = true;
    if (!h.established) this.#oweHello = true;
  }

  /** Next frame, `null` when the link closed, or TIMEOUT at `deadlineMs`. */
  async #receiveBy(deadlineMs: number): Promise<Uint8Array | null | typeof TIMEOUT> {
    if (!this.#pending) {
      this.#pending = this.link.receive(this.stop.signal);
      this.#pending.catch(() => {});
    }
    const timer = new AbortController();
    const onStop = () => timer.abort();
    this.stop.signal.addEventListener("abort", onStop, { once: true });
    try {
      const got = await Promise.race([
        this.#pending,
        this.clock.sleep(Math.max(0, deadlineMs - this.clock.now()), timer.signal).then(
          (): typeof TIMEOUT => TIMEOUT,
          (): typeof TIMEOUT => TIMEOUT,
        ),
      ]);
      if (got !== TIMEOUT) this.#pending = null;
      return got;
    } finally {
      timer.abort();
      this.stop.signal.removeEventListener("abort", onStop);
    }
  }

  #retryExtraMs(): number {
    let extra = this.starts ? 0 : this.derived.controlFrameMs + this.limits.turnaroundMs;
    if (this.#retries > 0) {
      extra += this.#random() * this.limits.retryJitterMs +
        this.#retries * this.derived.replyTimeoutControlMs / 2;
    }
    return extra;
  }

  #maybeStatus(): void {
    const every = this.options.statusEveryMs ?? statusEveryMsDefault;
    if (this.clock.now() - this.#statusAtMs < every) return;
    this.#statusAtMs = this.clock.now();
    const s = this.status();
    this.log.info("link-status", {
      budgetLeftMs: Math.round(s.budgetLeftMs),
      queuePackets: s.queuePackets,
      queueBytes: s.queueBytes,
      emptyInS: Math.round((s.queueEmptyAtMs - s.atMs) / 1000),
    });
    this.options.onStatus?.(s);
  }
}

/** Runs one session to its end; the entry point for `ferry link` and the agent. */
export function runLinkSession(options: LinkSessionOptions): Promise<LinkSessionResult> {
  return new LinkSession(options).run();
}

/** The 4-byte tag of a node id carried in HELLO (CRC-32 of its UTF-8 text). */
export function nodeTag(node: string): number {
  return crc32(new TextEncoder().encode(node));
}
