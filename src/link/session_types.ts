/**
 * Options, statistics, status and results of a link session.
 * @module
 */

import type { Clock } from "../../hw/clock/clock.ts";
import type { Logger } from "../log/logger.ts";
import type { AirtimeModel } from "./airtime.ts";
import type { AirtimeBudget } from "./budget.ts";
import type { CheckedLink } from "./checked_link.ts";
import type { LinkLimits } from "./limits.ts";
import type { TimerEstimates } from "./turn_timer.ts";
import type { LinkStore } from "../store/contract.ts";

/** What starts and ends a session. */
export interface LinkSessionOptions {
  /** The link, with frame checks (`crcFrameLink`, `cobsFrameLink`). */
  link: CheckedLink;
  clock: Clock;
  store: LinkStore;
  /** This node's id (as named in the store) and the peer's. */
  localNode: string;
  peerNode: string;
  /** How long frames stay on air, for budgets and timeouts. */
  airtime: AirtimeModel;
  /** This side's airtime budget; none means no duty-cycle limit. */
  budget?: AirtimeBudget | null;
  /** Overrides of {@linkcode linkLimitsDefault}. */
  limits?: Partial<LinkLimits>;
  log?: Logger;
  /**
   * `"idle"` (default): end once both sides have nothing to send.
   * `"never"`: stay on the link, polling at a growing interval while idle
   * (an agent's permanent link); end only at `untilMs`, on abort or when
   * the peer is lost.
   */
  stopWhen?: "idle" | "never";
  /** End at this clock time (ms) whatever is left. */
  untilMs?: number;
  /** Which side speaks first; default: the side whose node id sorts first. */
  starts?: boolean;
  /** Uniform random numbers in [0, 1) for nonces and jitter. Default: `crypto`. */
  random?: () => number;
  /** Aborting drops everything at once, like a killed process (nothing is flushed). */
  signal?: AbortSignal;
  /** Called with a status report every `statusEveryMs` of clock time and at the end. */
  onStatus?: (status: LinkStatus) => void;
  /** Default 60 000. */
  statusEveryMs?: number;
}

/** Why a session ended. */
export type EndReason =
  | "idle"
  | "deadline"
  | "peer-bye"
  | "peer-lost"
  | "stalled"
  | "closed"
  | "aborted"
  | "incompatible";

/** Counters of one session. */
export interface LinkStats {
  framesSent: number;
  framesReceived: number;
  dataFramesSent: number;
  dataFramesReceived: number;
  /** Data frames sent again (the fragment had been sent before in this session). */
  retransmittedFrames: number;
  wireBytesSent: number;
  /** New fragment bytes written to partials (duplicates not counted). */
  payloadBytesReceived: number;
  /** Packets the peer confirmed verified, and their bytes. */
  packetsSent: number;
  bytesSent: number;
  /** Packets verified and stored here, and their bytes. */
  packetsReceived: number;
  bytesReceived: number;
  /** Packets refused either way (invalid offer, wrong id, store error). */
  packetsRejected: number;
  /** Frames dropped as malformed, unexpected or duplicate (bad checks are counted by the link). */
  framesDropped: number;
  airtimeMs: number;
  /** Time spent waiting for the airtime budget, ms. */
  budgetWaitMs: number;
  /** Replies that did not come in time. */
  turnTimeouts: number;
  /** Turns this side passed to the peer (turnarounds). */
  turns: number;
  /** Frames that predated this side's latest turn (a TNC still held it): no turn taken on them. */
  staleFrames: number;
  /** The turn timer's measured estimates (at the end of the session). */
  timer: TimerEstimates | null;
  startedAtMs: number;
  endedAtMs: number;
  /** Clock time of the last packet stored here / confirmed by the peer. */
  lastReceivedAtMs: number | null;
  lastSentAtMs: number | null;
}

/** A progress report: budget, queue and an estimate of when it will be empty. */
export interface LinkStatus {
  atMs: number;
  /** Airtime left in the current sliding window (Infinity without a budget), ms. */
  budgetLeftMs: number;
  budgetLimitMs: number;
  /** Outgoing packets for the peer (including the one in transfer), and their bytes still to go. */
  queuePackets: number;
  queueBytes: number;
  /** Estimated clock time when the queue will be empty; `atMs` when it is. */
  queueEmptyAtMs: number;
  sending: { id: string; size: number; doneBytes: number } | null;
  receiving: { id: string; size: number; doneBytes: number } | null;
}

/** What {@linkcode runLinkSession} returns. */
export interface LinkSessionResult {
  reason: EndReason;
  stats: LinkStats;
  status: LinkStatus;
}

/** Fresh counters. */
export function emptyStats(nowMs: number): LinkStats {
  return {
    framesSent: 0,
    framesReceived: 0,
    dataFramesSent: 0,
    dataFramesReceived: 0,
    retransmittedFrames: 0,
    wireBytesSent: 0,
    payloadBytesReceived: 0,
    packetsSent: 0,
    bytesSent: 0,
    packetsReceived: 0,
    bytesReceived: 0,
    packetsRejected: 0,
    framesDropped: 0,
    airtimeMs: 0,
    budgetWaitMs: 0,
    turnTimeouts: 0,
    turns: 0,
    staleFrames: 0,
    timer: null,
    startedAtMs: nowMs,
    endedAtMs: nowMs,
    lastReceivedAtMs: null,
    lastSentAtMs: null,
  };
}
