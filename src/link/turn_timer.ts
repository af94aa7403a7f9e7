/**
 * The clock side of turn-taking: when the listening side acts on its own.
 *
 * - While the peer is mid-turn (its last frame said more frames follow),
 *   the turn passes here once those frames must have ended, even if the
 *   last one was lost.
 * - While waiting for a reply, a timeout repeats this side's turn (a
 *   poll), with a growing wait plus random jitter; the side that does not
 *   start waits a little longer, so repeated turns do not keep colliding.
 *   After `turnRetriesMax` unanswered turns in a row the peer is gone.
 * - After an idle BYE, this side lingers to repeat the BYE if the peer
 *   did not hear it.
 * @module
 */

import type { Clock } from "../../hw/clock/clock.ts";
import type { DerivedLimits, LinkLimits } from "./limits.ts";

/** Repeated turns of a peer that missed the BYE which a lingering side waits for. */
export const lingerRetries = 3;

/** What an expired deadline means. */
export type Expiry = "turn-end" | "retry" | "gone" | "linger-over";

/** Deadlines of one session. */
export class TurnTimer {
  deadlineMs: number;
  retries = 0;
  lingering = false;
  #waitingFor: "reply" | "turn-end" = "reply";

  /** Starts waiting for the peer's first frame (relevant to the side that does not start). */
  constructor(
    readonly limits: LinkLimits,
    readonly derived: DerivedLimits,
    readonly clock: Clock,
    readonly starts: boolean,
    readonly random: () => number,
  ) {
    this.deadlineMs = clock.now() + derived.replyTimeoutDataMs + this.#extraMs();
  }

  /** This side just passed the turn; `peerHoldMs` is the delay the peer announced. */
  afterMyTurn(expectControlFirst: boolean, peerHoldMs: number): void {
    const d = this.derived;
    this.#waitingFor = "reply";
    const wait = expectControlFirst ? d.replyTimeoutControlMs : d.replyTimeoutDataMs;
    this.deadlineMs = this.clock.now() + wait + peerHoldMs + this.#extraMs();
  }

  /** A frame came; `rem` more frames follow in the peer's turn. */
  onFrame(rem: number): void {
    this.retries = 0;
    if (rem === 0) return;
    this.#waitingFor = "turn-end";
    this.deadlineMs = this.clock.now() + rem * this.derived.dataFrameMs + this.limits.turnGuardMs;
  }

  /** The deadline passed: what to do. */
  expired(): Expiry {
    if (this.#waitingFor === "turn-end") return "turn-end";
    if (this.lingering) return "linger-over";
    this.retries++;
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
    let ms = 0;
    for (let retry = 0; retry < lingerRetries; retry++) {
      ms += d.replyTimeoutDataMs + d.controlFrameMs + l.turnaroundMs + l.retryJitterMs +
        retry * d.replyTimeoutControlMs / 2;
    }
    this.deadlineMs = this.clock.now() + ms;
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
