/**
 * What a session does with each frame it takes, and the watch that ends
 * a session which keeps turning without moving a byte.
 * @module
 */

import { type Frame, protocolVersion } from "./frames.ts";
import type { LinkSession } from "./session.ts";

/** Hands a decoded frame to the half of the session it concerns. */
export async function handleFrame(s: LinkSession, f: Frame): Promise<void> {
  switch (f.kind) {
    case "data":
      return await s.receiver.onData(f);
    case "offer":
      return await s.receiver.onOffer(f);
    case "accept":
    case "ack":
    case "verified":
    case "reject":
      return await s.sender.onReply(f);
    case "hello":
      return await onHello(s, f);
    case "hold":
      s.peerHoldMs = Math.min(f.ms, s.limits.holdMsMax);
      return;
    case "turn":
      return;
    case "bye":
      s.log.info("link-peer-bye", {});
      s.end(!s.sender.hasWork() && !s.receiver.active ? "idle" : "peer-bye");
      return;
  }
}

async function onHello(s: LinkSession, h: Extract<Frame, { kind: "hello" }>): Promise<void> {
  const outcome = s.greeting.receive(h);
  if (outcome === "incompatible") {
    s.log.error("link-hello-version", { theirs: h.version, ours: protocolVersion });
    s.end("incompatible");
  } else if (outcome === "wrong-peer") {
    s.stats.framesDropped++;
    s.log.warn("link-hello-wrong-peer", { from: h.fromTag, to: h.toTag });
  } else if (outcome === "restarted") {
    s.log.info("link-peer-restarted", {});
    await s.sender.reset();
    await s.receiver.reset();
  }
}

/** Counts this side's turns in a row that moved nothing (bytes or packets, either way). */
export class ProgressWatch {
  #key = "";
  #turns = 0;

  /** Called after each turn; true once `stallTurnsMax` turns in a row moved nothing. */
  stalled(s: LinkSession, idle: boolean): boolean {
    const st = s.stats;
    const key = `${st.packetsSent} ${st.packetsReceived} ${st.packetsRejected} ` +
      `${st.payloadBytesReceived} ${s.sender.current?.doneBytes}`;
    if (key !== this.#key || (idle && s.peerIdle)) {
      this.#key = key;
      this.#turns = 0;
      return false;
    }
    return ++this.#turns > s.limits.stallTurnsMax;
  }
}
