/**
 * Every limit of the link protocol, with units, and the check that they
 * fit each other and the link they run on (done once when a session starts).
 *
 * @example
 * ```ts
 * import { checkLimits, linkLimitsDefault } from "./limits.ts";
 * import { bitrateAirtime } from "./airtime.ts";
 * const derived = checkLimits(linkLimitsDefault, {
 *   mtu: 251, overheadBytes: 4, airtime: bitrateAirtime({ bitsPerSecond: 5469 }),
 * });
 * console.assert(derived.fragBytes === 249);
 * ```
 * @module
 */

import type { AirtimeModel } from "./airtime.ts";
import type { AirtimeBudget } from "./budget.ts";
import {
  bitmapBits,
  controlFrameBytes,
  dataHeaderBytes,
  seqModulo,
  turnFramesMax,
} from "./frames.ts";

/** The tunable limits of a link session. */
export interface LinkLimits {
  /** Fragments the receiver's bitmap spans: the sender never runs further ahead of the acknowledged base. */
  windowFramesMax: number;
  /** Data frames in one turn at most. */
  burstFramesMax: number;
  /** When the airtime budget allows fewer data frames than this, wait for more instead. */
  budgetBurstFramesMin: number;
  /** Wait after getting the turn before transmitting (the peer's switch to receive), ms. */
  turnaroundMs: number;
  /** Slack on turn-end and response deadlines, ms. */
  turnGuardMs: number;
  /** Time the peer may spend on a turn's work (syncs, verifying a packet) before answering, ms. */
  processingMs: number;
  /**
   * Least latency of the modems on top of airtime, both ways together (two
   * TNCs' TXDELAY and slot time), ms: the measured reply timeout never goes
   * below the model plus this, and starts at the model plus twice this.
   */
  linkLatencyMs: number;
  /** Upper bound of the measured reply timeout, back-off included, ms. */
  replyTimeoutMsMax: number;
  /** Random extra wait before a repeated turn, against repeated collisions, ms. */
  retryJitterMs: number;
  /** Unanswered turns in a row before the peer counts as gone. */
  turnRetriesMax: number;
  /** Turns in a row without any progress (bytes or packets, either way) before the session ends. */
  stallTurnsMax: number;
  /** Shortest and longest quiet wait between turns while both sides are idle, ms. */
  idleWaitMsMin: number;
  idleWaitMsMax: number;
  /** Longest announced pause accepted from the peer (HOLD), ms. */
  holdMsMax: number;
  /** The outgoing queue is listed again at most this often, ms. */
  queueRescanMs: number;
  /** Outgoing packets considered per scan (most urgent first). */
  queuePacketsMax: number;
  /** Largest packet accepted or offered, bytes. */
  packetBytesMax: number;
  /** Smallest fragment size accepted in an offer, bytes. */
  fragmentBytesMin: number;
  /** Largest frame on any link (header included, check excluded), bytes. */
  frameBytesMax: number;
  /** Header, check and framing bytes per data frame at most. */
  dataOverheadBytesMax: number;
}

/** Control frames one turn may carry besides data (HELLO, replies, ACK, OFFER, HOLD, TURN). */
export const controlFramesPerTurnMax = 9;
/** Replies (ACCEPT, REJECT, VERIFIED) remembered for the next turn. */
export const repliesMax = 4;

/** Defaults, tuned for LoRa at SF7..SF9 and serial cables. */
export const linkLimitsDefault: Readonly<LinkLimits> = {
  windowFramesMax: 64,
  burstFramesMax: 32,
  budgetBurstFramesMin: 2,
  turnaroundMs: 60,
  turnGuardMs: 100,
  processingMs: 500,
  linkLatencyMs: 0,
  replyTimeoutMsMax: 120_000,
  retryJitterMs: 200,
  turnRetriesMax: 8,
  stallTurnsMax: 64,
  idleWaitMsMin: 2_000,
  idleWaitMsMax: 300_000,
  holdMsMax: 3_700_000,
  queueRescanMs: 1_000,
  queuePacketsMax: 10_000,
  packetBytesMax: 2 ** 34,
  fragmentBytesMin: 16,
  frameBytesMax: 1_024,
  dataOverheadBytesMax: 8,
};

/** What a session needs to know about its link to check limits. */
export interface LinkShape {
  /** Largest protocol frame (header included). */
  mtu: number;
  /** Bytes the link adds per frame. */
  overheadBytes: number;
  airtime: AirtimeModel;
  budget?: AirtimeBudget | null;
}

/** Values computed from the limits and the link. */
export interface DerivedLimits {
  /** Fragment bytes per data frame. */
  fragBytes: number;
  /** Airtime of a full data frame, ms. */
  dataFrameMs: number;
  /** Airtime of the largest control frame, ms. */
  controlFrameMs: number;
  /** Waiting for the first frame of a reply whose first frame is control / may be data, ms. */
  replyTimeoutControlMs: number;
  replyTimeoutDataMs: number;
}

/** Checks the limits against each other and the link; throws `RangeError` listing every problem. */
export function checkLimits(limits: LinkLimits, link: LinkShape): DerivedLimits {
  const problems: string[] = [];
  const need = (ok: boolean, text: string) => ok || problems.push(text);
  const l = limits;
  for (const [key, value] of Object.entries(l)) {
    need(Number.isFinite(value) && value >= 0, `${key} must be a number >= 0, got ${value}`);
  }
  need(
    l.windowFramesMax >= 1 && l.windowFramesMax <= bitmapBits,
    `windowFramesMax must be 1..${bitmapBits}`,
  );
  need(2 * l.windowFramesMax <= seqModulo, `windowFramesMax must be at most ${seqModulo / 2}`);
  need(
    l.burstFramesMax >= 1 && l.burstFramesMax <= l.windowFramesMax,
    "burstFramesMax must be 1..windowFramesMax",
  );
  need(
    l.burstFramesMax + controlFramesPerTurnMax <= turnFramesMax,
    `burstFramesMax must be at most ${turnFramesMax - controlFramesPerTurnMax}`,
  );
  need(
    l.budgetBurstFramesMin >= 1 && l.budgetBurstFramesMin <= l.burstFramesMax,
    "budgetBurstFramesMin must be 1..burstFramesMax",
  );
  need(l.turnRetriesMax >= 1, "turnRetriesMax must be >= 1");
  need(l.stallTurnsMax >= l.turnRetriesMax, "stallTurnsMax must be >= turnRetriesMax");
  need(l.idleWaitMsMin <= l.idleWaitMsMax, "idleWaitMsMin must not exceed idleWaitMsMax");
  need(l.idleWaitMsMax <= l.holdMsMax, "idleWaitMsMax must not exceed holdMsMax");
  need(l.holdMsMax < 2 ** 32, "holdMsMax must fit in 32 bits");
  need(
    l.queueRescanMs > 0 && l.queuePacketsMax >= 1,
    "queueRescanMs and queuePacketsMax must be > 0",
  );
  need(
    link.mtu <= l.frameBytesMax,
    `link mtu ${link.mtu} exceeds frameBytesMax ${l.frameBytesMax}`,
  );
  need(
    link.mtu >= controlFrameBytes("accept"),
    `link mtu ${link.mtu} cannot carry an ACCEPT frame`,
  );
  const fragBytes = link.mtu - dataHeaderBytes;
  need(
    fragBytes >= l.fragmentBytesMin,
    `link mtu ${link.mtu} leaves fragments below fragmentBytesMin`,
  );
  need(
    dataHeaderBytes + link.overheadBytes <= l.dataOverheadBytesMax,
    `data frames would carry ${dataHeaderBytes + link.overheadBytes} bytes of overhead, ` +
      `more than dataOverheadBytesMax ${l.dataOverheadBytesMax}`,
  );
  need(
    l.packetBytesMax <= Number.MAX_SAFE_INTEGER && l.packetBytesMax <= l.fragmentBytesMin * 2 ** 32,
    "packetBytesMax must be below 2^53 and fragmentBytesMin · 2^32 (32-bit fragment numbers)",
  );
  const dataFrameMs = link.airtime.frameMs(link.mtu + link.overheadBytes);
  const controlFrameMs = link.airtime.frameMs(controlFrameBytes("accept") + link.overheadBytes);
  if (link.budget) {
    const turnMs = controlFramesPerTurnMax * controlFrameMs + dataFrameMs;
    need(
      turnMs <= link.budget.limitMs,
      `airtime budget of ${link.budget.limitMs} ms per window cannot carry one turn (${turnMs} ms)`,
    );
  }
  if (problems.length > 0) throw new RangeError(`Link limits do not fit: ${problems.join("; ")}`);
  const base = l.turnaroundMs + l.processingMs + l.turnGuardMs;
  return {
    fragBytes,
    dataFrameMs,
    controlFrameMs,
    replyTimeoutControlMs: base + controlFrameMs,
    replyTimeoutDataMs: base + dataFrameMs,
  };
}
