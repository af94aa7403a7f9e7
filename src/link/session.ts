/**
 * A link session: both sides run the same code over a half-duplex link.
 * The side holding the turn sends its replies (ACK for the last burst,
 * ACCEPT/VERIFIED/REJECT), then its own OFFER or data burst; every frame
 * says how many frames follow, and the last one passes the turn (see
 * `turn.ts`). When a turn-passing frame is lost, deadlines take over (see
 * `turn_timer.ts`). Who starts is decided by node id. HELLO frames with
 * random nonces reveal a restarted peer, whose transfers in progress are
 * then offered again and resume from the receiver's persisted state.
 *
 * @example
 * ```ts
 * import { runLinkSession } from "./session.ts";
 * import type { LinkSessionOptions } from "./session_types.ts";
 * declare const options: LinkSessionOptions;
 * const { reason, stats, status } = await runLinkSession(options);
 * console.log(reason, stats.packetsSent, stats.packetsReceived, status.budgetLeftMs);
 * ```
 * @module
 */

import type { Clock } from "../../hw/clock/clock.ts";
import { LinkClosedError } from "../../hw/link/link.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import type { AirtimeModel } from "./airtime.ts";
import type { AirtimeBudget } from "./budget.ts";
import type { CheckedLink } from "./checked_link.ts";
import { FrameWaiter, TIMEOUT } from "./frame_waiter.ts";
import { handleFrame, ProgressWatch } from "./dispatch.ts";
import { decodeFrame, type Frame, FrameError } from "./frames.ts";
import { Greeting } from "./hello.ts";
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
import { reportStatus, sessionStatus } from "./status.ts";
import { planTurn, sendBye, sendTurn } from "./turn.ts";
import { TurnTimer } from "./turn_timer.ts";

/** Default interval of status reports, ms. */
export const statusEveryMsDefault = 60_000;

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
  readonly greeting: Greeting;
  readonly timer: TurnTimer;
  readonly options: LinkSessionOptions;
  /** Aborted when the session ends; every wait and send listens to it. */
  readonly stop = new AbortController();
  /** This side holds the turn. */
  myTurn: boolean;
  /** The peer's last frame said it had nothing to send. */
  peerIdle = false;
  /** Delay the peer announced for its next turn (HOLD), ms. */
  peerHoldMs = 0;
  /** Quiet rounds while both sides are idle, and the end of this side's announced quiet wait. */
  idleRounds = 0;
  idleHoldUntilMs = 0;
  /** When this side's latest turn started going out, and its modelled airtime. */
  turnSent: { startMs: number; airtimeMs: number } | null = null;
  readonly #waiter: FrameWaiter;
  #end: EndReason | null = null;
  readonly #progress = new ProgressWatch();
  #statusAtMs = 0;

  /** Checks the limits against the link (throws `RangeError` when they do not fit). */
  constructor(options: LinkSessionOptions) {
    if (options.localNode === options.peerNode) {
      throw new TypeError(
        `A link session needs two different nodes, got ${options.localNode} twice`,
      );
    }
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
    const random = options.random ??
      (() => crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32);
    const nonce = 1 + Math.floor(random() * (2 ** 32 - 1));
    this.greeting = new Greeting(nonce, options.localNode, options.peerNode);
    const starts = options.starts ?? options.localNode < options.peerNode;
    this.myTurn = starts;
    this.timer = new TurnTimer(this.limits, this.derived, this.clock, starts, random);
    this.#waiter = new FrameWaiter(this.link, this.clock, this.stop.signal);
    const ctx = {
      store: options.store,
      peer: options.peerNode,
      limits: this.limits,
      log: this.log,
      stats: this.stats,
      clock: this.clock,
    };
    this.receiver = new Receiver(ctx, Math.floor(random() * 256));
    this.sender = new Sender(ctx, this.derived);
  }

  /** Runs until both sides are idle (or `stopWhen`/`untilMs`/abort/peer loss). */
  async run(): Promise<LinkSessionResult> {
    const o = this.options;
    const onAbort = () => this.stop.abort(o.signal?.reason);
    o.signal?.addEventListener("abort", onAbort, { once: true });
    this.#statusAtMs = this.clock.now();
    this.log.info("link-session-start", {
      starts: this.timer.starts,
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
      await this.receiver.close(!aborted); // a killed process would not flush either
    }
    this.stats.endedAtMs = this.clock.now();
    this.stats.timer = this.timer.estimates();
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
    return sessionStatus(this);
  }

  /** True once the peer has echoed this session's HELLO. */
  get established(): boolean {
    return this.greeting.established;
  }

  /** Ends the session after the current step. */
  end(reason: EndReason): void {
    this.#end ??= reason;
  }

  /** After an idle BYE: listen a while, repeat the BYE if the peer did not hear it. */
  linger(): void {
    this.myTurn = false;
    this.timer.linger();
  }

  /** Waits `ms` of clock time (rejects when the session stops). */
  sleep(ms: number): Promise<void> {
    return this.clock.sleep(Math.max(0, ms), this.stop.signal);
  }

  async #takeTurn(): Promise<void> {
    if (this.timer.lingering) {
      await this.sleep(this.limits.turnaroundMs);
      await sendTurn(this, [{ kind: "bye" }], [], true);
      this.linger();
      return;
    }
    const turn = await planTurn(this);
    if (this.#end !== null || turn === null) return;
    if (this.#progress.stalled(this, turn.idle)) {
      this.log.warn("link-stalled", { turns: this.limits.stallTurnsMax });
      this.#end = "stalled";
    }
    this.myTurn = false;
    this.stats.turns++;
    // With a modem that takes frames before they are on the air (a KISS TNC, which
    // adds latency of its own), part of the turn's airtime is still ahead: the reply
    // cannot come before it is over. Other links (a cable, a pty, UART modules) put
    // frames on the wire as they are written, often faster than the model says, so a
    // reply may come at once there and must not be taken for a stale frame.
    const sent = this.limits.linkLatencyMs > 0 ? this.turnSent : null;
    const queued = sent ? sent.airtimeMs - (this.clock.now() - sent.startMs) : 0;
    this.timer.afterMyTurn(turn.expectControlFirst, this.peerHoldMs, queued);
    this.log.debug("link-turn-passed", {
      queuedMs: Math.round(queued),
      waitMs: Math.round(this.timer.deadlineMs - this.clock.now()),
      replyTimeoutMs: Math.round(this.timer.reply.timeoutMs),
    });
    this.peerHoldMs = 0;
  }

  async #listen(): Promise<void> {
    const until = this.options.untilMs ?? Infinity;
    const got = await this.#waiter.next(Math.min(this.timer.deadlineMs, until));
    if (got === TIMEOUT) {
      if (this.clock.now() < until) this.#expired();
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
    // Sent before the peer heard this side's latest turn (still in a TNC's queue): its
    // contents count, but it does not pass the turn here.
    const frameMs = this.airtime.frameMs(got.length + this.link.overheadBytes);
    const stale = !this.timer.lingering && this.timer.stale(frame.rem, frameMs);
    if (stale) this.stats.staleFrames++;
    else this.timer.onFrame(frame.rem, frameMs);
    if (this.timer.lingering) {
      // The peer did not hear the BYE: answer once its turn is over.
      this.myTurn = frame.rem === 0;
      return;
    }
    if (frame.kind === "hello" || this.greeting.established) {
      this.peerIdle = frame.kind !== "data" && frame.idle;
      await handleFrame(this, frame);
    } else {
      // Not yet greeted in this session: possibly left over from an earlier one.
      this.stats.framesDropped++;
      this.log.debug("link-frame-before-hello", { kind: frame.kind });
    }
    if (frame.rem === 0 && !stale) this.myTurn = true;
  }

  #expired(): void {
    const expiry = this.timer.expired();
    if (expiry === "linger-over") {
      this.#end = "idle";
    } else if (expiry === "turn-end" || expiry === "retry") {
      if (expiry === "retry") {
        this.stats.turnTimeouts++;
        this.log.debug("link-reply-timeout", { retries: this.timer.retries });
      }
      this.myTurn = true;
    } else if (this.established && !this.sender.hasWork() && !this.receiver.active) {
      // We talked, and nothing was left to do here (most likely the peer's BYE was lost).
      this.log.info("link-peer-silent-while-idle", { retries: this.timer.retries - 1 });
      this.#end = "idle";
    } else {
      this.log.warn("link-peer-lost", { retries: this.timer.retries - 1 });
      this.#end = "peer-lost";
    }
  }

  #maybeStatus(): void {
    const every = this.options.statusEveryMs ?? statusEveryMsDefault;
    if (this.clock.now() - this.#statusAtMs < every) return;
    this.#statusAtMs = this.clock.now();
    reportStatus(this);
  }
}

/** Runs one session to its end: the entry point for `ferry link` and the agent. */
export function runLinkSession(options: LinkSessionOptions): Promise<LinkSessionResult> {
  return new LinkSession(options).run();
}
