/**
 * The status report of a session: airtime budget left, the outgoing
 * backlog, an estimate of when it will be empty, and the packets in
 * transfer.
 * @module
 */

import { estimateQueueEmptyAt } from "./estimate.ts";
import type { LinkSession } from "./session.ts";
import type { LinkStatus } from "./session_types.ts";

/** Builds the status report of a session at its clock's current time. */
export function sessionStatus(s: LinkSession): LinkStatus {
  const now = s.clock.now();
  const { packets, bytes } = s.sender.backlog();
  const out = s.sender.current;
  return {
    atMs: now,
    budgetLeftMs: s.budget ? s.budget.availableMs(now) : Infinity,
    budgetLimitMs: s.budget ? s.budget.limitMs : Infinity,
    queuePackets: packets,
    queueBytes: bytes,
    queueEmptyAtMs: estimateQueueEmptyAt({
      nowMs: now,
      queueBytes: bytes,
      fragBytes: s.derived.fragBytes,
      dataFrameMs: s.derived.dataFrameMs,
      controlFrameMs: s.derived.controlFrameMs,
      turnaroundMs: s.limits.turnaroundMs,
      burstFramesMax: s.limits.burstFramesMax,
      lossRate: s.stats.retransmittedFrames / Math.max(1, s.stats.dataFramesSent),
      budget: s.budget,
    }),
    sending: out ? { id: out.id, size: out.packet.size, doneBytes: out.doneBytes } : null,
    receiving: s.receiver.progress(),
  };
}

/** Logs a status line and hands the report to the session's `onStatus`. */
export function reportStatus(s: LinkSession): LinkStatus {
  const status = sessionStatus(s);
  s.log.info("link-status", {
    budgetLeftMs: Number.isFinite(status.budgetLeftMs)
      ? Math.round(status.budgetLeftMs)
      : "unlimited",
    queuePackets: status.queuePackets,
    queueBytes: status.queueBytes,
    emptyInS: Math.round((status.queueEmptyAtMs - status.atMs) / 1000),
  });
  s.options.onStatus?.(status);
  return status;
}
