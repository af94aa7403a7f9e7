/**
 * The clock side of turn-taking: when the listening side acts on its own.
 *
 * - While the peer is mid-turn (its last frame said more frames follow),
 *   the turn passes here once those frames must have ended, even if the
 *   last one was lost. Each remaining frame is given its modelled airtime
 *   plus the measured extra time between frames (see `rtt.ts`).
 * - While waiting for a reply, a timeout repeats this side's turn (a
 *   poll). The wait covers what this side's modem may still be sending
 *   (a KISS TNC takes frames long before they are on the air), the first
 *   reply frame's airtime, and a reply timeout measured from past replies
 *   (smoothed with its variation like TCP's RTO, never below the model's
 *   turnaround + processing + guard, doubled on expiry), plus random
 *   jitter; the side that does not start waits a little longer, so
 *   repeated turns do not keep colliding. After `turnRetriesMax`
 *   unanswered turns in a row the peer is gone.
 * - After an idle BYE, this side lingers to repeat the BYE if the peer
 *   did not hear it.
 * - A frame that arrives while this side's own turn cannot yet be on the
 *   air in full (a TNC still holds it, or waits for the peer's carrier to
 *   end) was sent before the peer heard that turn: it is stale. Its
 *   contents count, but it neither passes the turn here nor counts as the
 *   reply, so a repeated turn never leaves both sides taking turns at once.
 * @module
 */

import type { Clock } from "../../hw/clock/clock.ts";
import type { DerivedLimits, LinkLimits } from "./limits.ts";
import { DelayEstimator } from "./rtt.ts";

/** Repeated turns of a peer that missed the BYE which a lingering side waits for. */
export const lingerRetries = 3;

/** What an expired deadline means. */
export type Expiry = "turn-end" | "retry" | "gone" | "linger-over";

/** The timer's current estimates, for status and benchmarks. */
export interface TimerEstimates {
  /** Smoothed reply latency beyond the modelled airtime (null before a sample), ms. */
  replySrttMs: number | null;
  replyRttvarMs: number;
  /** Current reply timeout (back-off included), ms. */
  replyTimeoutMs: number;
  replySamples: number;
  /** Smoothed extra time between frames of one turn beyond their airtime, ms. */
  frameGapMs: number | null;
  frameGapSamples: number;
}

/** Deadlines of one session. */
export class TurnTimer {
  deadlineMs: number;
  retries = 0;
  lingering = false;
  /** Reply latency beyond the modelled airtime. */
  readonly reply: DelayEstimator;
  /** Extra time between frames of one peer turn. */
  readonly gap: DelayEstimator;
  #waitingFor: "reply" | "turn-end" = "reply";
  /** When this side passed the turn and how much of its airtime was still to come, ms. */
  #passedAtMs: number | null = null;
  #queuedMs = 0;
  #peerHeld = false;
  #lastFrameAtMs = -Infinity;
  #lastRem = -1;
  /** Replies not to sample: after a repeated turn, a reply may answer either copy (Karn). */
  #skipSamples = 0;
  /** Until when this side's latest turn may still be going out, ms (0: nothing pending). */
  #ownOnAirUntilMs = 0;
  /** Airtime of this side's latest turn still ahead when it was passed, ms. */
  #turnQueuedMs = 0;
  /** Until when the peer's frames heard since then keep the channel busy, ms. */
  #peerBusyUntilMs = 0;
  #expectFirstMs = 0;

  /** Starts waiting for the peer's first frame (relevant to the side that does not start). */
  constructor(
    readonly limits: LinkLimits,
    readonly derived: DerivedLimits,
    readonly clock: Clock,
    readonly starts: boolean,
    readonly random: () => number,
  ) {
    const base = limits.turnaroundMs + limits.processingMs + limits.turnGuardMs;
    this.reply = new DelayEstimator({
      initialMs: base + 2 * limits.linkLatencyMs,
      minMs: base + limits.linkLatencyMs,
      maxMs: Math.max(base, limits.replyTimeoutMsMax),
    });
    this.gap = new DelayEstimator({ initialMs: 0, minMs: 0, maxMs: limits.replyTimeoutMsMax });
    this.deadlineMs = clock.now() + derived.dataFrameMs + this.reply.timeoutMs + this.#extraMs();
  }

  /**
   * This side just passed the turn; `peerHoldMs` is the delay the peer
   * announced, `queuedMs` the airtime of this turn that may still be ahead
   * (frames a TNC has taken but not yet sent).
   */
  afterMyTurn(expectControlFirst: boolean, peerHoldMs: number, queuedMs = 0): void {
    const d = this.derived;
    this.#waitingFor = "reply";
    const now = this.clock.now();
    this.#passedAtMs = now;
    this.#queuedMs = this.#turnQueuedMs = Math.max(0, queuedMs);
    this.#peerHeld = peerHoldMs > 0;
    this.#ownOnAirUntilMs = now + this.#queuedMs;
    this.#peerBusyUntilMs = 0;
    const first = this.#expectFirstMs = expectControlFirst ? d.controlFrameMs : d.dataFrameMs;
    this.deadlineMs = now + this.#queuedMs + first + this.reply.timeoutMs + peerHoldMs +
      this.#extraMs();
  }

  /**
   * True when a frame arriving now (`rem` more follow, `frameMs` its own
   * airtime) predates this side's latest turn: that turn is not fully on
   * the air yet. The peer is still transmitting for `rem` frames, so this
   * side's frames go out after those: the stale window and the reply
   * deadline move on by the peer's airtime not yet counted, and never past
   * `replyTimeoutMsMax` beyond the turn's own airtime, so a peer repeating
   * its turn cannot keep this side deaf.
   */
  stale(rem: number, frameMs = 0): boolean {
    const now = this.clock.now();
    if (this.#passedAtMs === null || now >= this.#ownOnAirUntilMs) return false;
    // The channel is busy with the peer from this frame's start to the end of the `rem`
    // frames still to come; the modem sends the rest of this side's turn after that.
    // Only busy time not counted before delays it further: a turn's frames each
    // announce the same end, and a repeated turn adds its own airtime once.
    const busyFromMs = Math.max(now - frameMs, this.#peerBusyUntilMs);
    const busyUntilMs = now + rem * (this.derived.dataFrameMs + (this.gap.srttMs ?? 0));
    if (busyUntilMs > busyFromMs) {
      this.#ownOnAirUntilMs = Math.min(
        this.#ownOnAirUntilMs + (busyUntilMs - busyFromMs),
        this.#passedAtMs + this.#turnQueuedMs + this.limits.replyTimeoutMsMax,
      );
      this.#peerBusyUntilMs = busyUntilMs;
    }
    this.#queuedMs = this.#ownOnAirUntilMs - this.#passedAtMs;
    this.deadlineMs = Math.max(
      this.deadlineMs,
      this.#ownOnAirUntilMs + this.#expectFirstMs + this.reply.timeoutMs + this.#extraMs(),
    );
    return true;
  }

  /** A frame came; `rem` more frames follow in the peer's turn; `frameMs` is its airtime. */
  onFrame(rem: number, frameMs = 0): void {
    const now = this.clock.now();
    if (this.#passedAtMs !== null) {
      // The first frame of the reply: a latency sample, unless the turn was repeated (Karn).
      if (this.#skipSamples > 0) this.#skipSamples--;
      else if (this.retries === 0 && !this.#peerHeld && !this.lingering) {
        this.reply.sample(now - this.#passedAtMs - this.#queuedMs - frameMs);
      }
      this.#passedAtMs = null;
    } else if (this.#lastRem === rem + 1) {
      this.gap.sample(now - this.#lastFrameAtMs - frameMs);
    }
    this.#lastFrameAtMs = now;
    this.#lastRem = rem;
    this.retries = 0;
    if (rem === 0) return;
    this.#waitingFor = "turn-end";
    const perFrame = this.derived.dataFrameMs + (this.gap.srttMs ?? 0);
    this.deadlineMs = now + rem * perFrame + 4 * this.gap.rttvarMs + this.limits.turnGuardMs;
  }

  /** The deadline passed: what to do. */
  expired(): Expiry {
    if (this.#waitingFor === "turn-end") return "turn-end";
    if (this.lingering) return "linger-over";
    this.retries++;
    this.reply.backoff();
    this.#skipSamples = 2;
    return this.retries > this.limits.turnRetriesMax ? "gone" : "retry";
  }

  /**
   * After an idle BYE: listen long enough for the peer, if it missed the
   * BYE, to repeat its turn {@linkcode lingerRetries} times (as the side
   * that waits longest would).
   */
  linger(): void {
    const d = this.derived, l = this.limits;
    this.lingering = true;
    this.#waitingFor = "reply";
    this.#passedAtMs = null;
    this.#ownOnAirUntilMs = 0;
    let ms = 0;
    for (let retry = 0; retry < lingerRetries; retry++) {
      ms += d.dataFrameMs + this.reply.timeoutMs + d.controlFrameMs + l.turnaroundMs +
        l.retryJitterMs + retry * d.replyTimeoutControlMs / 2;
    }
    this.deadlineMs = this.clock.now() + ms;
  }

  /** Current estimates. */
  estimates(): TimerEstimates {
    return {
      replySrttMs: this.reply.srttMs,
      replyRttvarMs: this.reply.rttvarMs,
      replyTimeoutMs: this.reply.timeoutMs,
      replySamples: this.reply.samples,
      frameGapMs: this.gap.srttMs,
      frameGapSamples: this.gap.samples,
    };
  }

  #extraMs(): number {
    const d = this.derived, l = this.limits;
    let extra = this.starts ? 0 : d.controlFrameMs + l.turnaroundMs;
    if (this.retries > 0) {
      extra += this.random() * l.retryJitterMs + this.retries * d.replyTimeoutControlMs / 2;
    }
    return extra;
  }
}
