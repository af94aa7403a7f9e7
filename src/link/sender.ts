/**
 * The sending half of a session: keeps the outgoing queue in niceness
 * order (lower nice first, then older first), offers one packet at a time,
 * plans bursts, and applies the receiver's ACCEPT, ACK, VERIFIED and
 * REJECT. Between bursts a more urgent packet preempts the current one;
 * the paused packet is offered again later and resumes where the
 * receiver's persisted state says, so nothing acknowledged is sent again.
 * @module
 */

import { encodeBase32 } from "../encoding/base32.ts";
import { type ControlBody, type ControlFrame, seqModulo } from "./frames.ts";
import type { DerivedLimits } from "./limits.ts";
import { OutgoingTransfer } from "./outgoing_transfer.ts";
import type { HalfContext } from "./receiver.ts";
import type { OutgoingPacket } from "../store/contract.ts";
import type { DataOut } from "./turn.ts";

/** Turns without an ACK after which the offer is repeated to resynchronise. */
export const pollsBeforeReofferMax = 2;

/** What the sender wants to put in the next turn. */
export interface SenderPlan {
  /** An OFFER, or a TURN that asks for an ACK (a poll); null with data or nothing to do. */
  control: ControlBody | null;
  /** Fragment indexes for a data burst. */
  data: number[];
}

/** The sending half of a link session. */
export class Sender {
  #queue: OutgoingPacket[] = [];
  #scannedAtMs = -Infinity;
  #skip = new Set<string>();
  #out: OutgoingTransfer | null = null;

  /** Creates the half. */
  constructor(readonly ctx: HalfContext, readonly derived: DerivedLimits) {}

  /** The packet in transfer, if any. */
  get current(): OutgoingTransfer | null {
    return this.#out;
  }

  /** True while something is in transfer or queued. */
  hasWork(): boolean {
    return this.#out !== null || this.#next() !== undefined;
  }

  /** Packets queued (the one in transfer included) and the bytes still to go. */
  backlog(): { packets: number; bytes: number } {
    let packets = 0, bytes = 0;
    for (const p of this.#queue) {
      if (this.#skip.has(p.id)) continue;
      packets++;
      bytes += p.id === this.#out?.id ? p.size - this.#out.doneBytes : p.size;
    }
    return { packets, bytes };
  }

  /** Lists the queue again if the last scan is older than `queueRescanMs` (or when forced). */
  async refresh(force = false): Promise<void> {
    const { clock, store, peer, limits, log } = this.ctx;
    if (!force && clock.now() - this.#scannedAtMs < limits.queueRescanMs) return;
    this.#scannedAtMs = clock.now();
    let listed: OutgoingPacket[];
    try {
      listed = await store.listOutgoing(peer);
    } catch (err) {
      log.error("link-store-failed", { op: "list", error: String(err) });
      return;
    }
    listed.sort((a, b) => a.nice - b.nice || a.mtimeMs - b.mtimeMs || (a.id < b.id ? -1 : 1));
    this.#queue = listed.slice(0, limits.queuePacketsMax);
  }

  /** Decides the sender's part of the next turn. */
  async plan(): Promise<SenderPlan> {
    const { log, limits } = this.ctx;
    await this.refresh();
    let out = this.#out;
    const head = this.#next();
    if (out && out.phase !== "verify" && head && head.nice < out.packet.nice) {
      log.info("link-send-preempted", { id: out.id, by: head.id, nice: head.nice });
      await out.close();
      out = this.#out = null;
    }
    if (!out) {
      if (!head) return { control: null, data: [] };
      try {
        out = this.#out = new OutgoingTransfer(
          head,
          this.derived.fragBytes,
          limits.windowFramesMax,
        );
      } catch (err) {
        log.error("link-send-bad-id", { id: head.id, error: String(err) });
        this.#skip.add(head.id);
        return { control: null, data: [] };
      }
      log.info("link-send-offer", { id: out.id, size: head.size, nice: head.nice });
    }
    if (out.phase === "data" && !out.ackFresh) {
      if (out.polls >= pollsBeforeReofferMax) {
        log.debug("link-send-reoffer", { id: out.id });
        out.phase = "offer";
      } else {
        out.polls++;
        return { control: { kind: "turn" }, data: [] };
      }
    }
    if (out.phase === "offer" || out.phase === "verify") {
      return { control: this.#offer(out), data: [] };
    }
    return { control: null, data: out.nextBurst(limits.burstFramesMax) };
  }

  /** Reads the fragments of a planned burst; an unreadable packet is skipped (empty result). */
  async read(indices: number[]): Promise<DataOut[]> {
    const out = this.#out;
    if (!out) return [];
    const { store, peer, log } = this.ctx;
    try {
      out.reader ??= await store.openOutgoing(peer, out.id);
      const frames = [];
      for (const i of indices) {
        const { offset, length } = out.range(i);
        frames.push({
          seq: i % seqModulo,
          epoch: out.epoch & 1,
          payload: await out.reader.read(offset, length),
          index: i,
        });
      }
      return frames;
    } catch (err) {
      log.error("link-send-unreadable", { id: out.id, error: String(err) });
      this.#skip.add(out.id);
      await out.close().catch(() => {});
      this.#out = null;
      return [];
    }
  }

  /** Records one sent data frame (the burst then waits for an ACK). */
  sentOne(index: number): void {
    this.ctx.stats.dataFramesSent++;
    const out = this.#out;
    if (out && out.sent(index)) this.ctx.stats.retransmittedFrames++;
  }

  /** Handles ACCEPT, ACK, VERIFIED and REJECT. */
  async onReply(f: Extract<ControlFrame, { kind: "accept" | "ack" | "verified" | "reject" }>) {
    const { log, stats, store, peer, clock } = this.ctx;
    const out = this.#out;
    if (f.kind === "ack") {
      if (!out || out.tag !== f.tag || !out.ack(f.epoch, f.base, f.bitmap)) {
        log.debug("link-ack-stale", { tag: f.tag, epoch: f.epoch });
      }
      return;
    }
    const id = encodeBase32(f.id);
    if (!out || out.id !== id) {
      stats.framesDropped++;
      log.debug(`link-${f.kind}-stale`, { id });
      return;
    }
    if (f.kind === "accept") {
      if (out.accept(f.offset, f.base, f.fragBytes, f.epoch, f.bitmap)) {
        log.info("link-send-accepted", { id, offset: f.offset, base: f.base });
      } else {
        stats.framesDropped++;
        log.warn("link-accept-invalid", { id, offset: f.offset, fragBytes: f.fragBytes });
      }
      return;
    }
    await out.close();
    this.#out = null;
    if (f.kind === "reject") {
      stats.packetsRejected++;
      this.#skip.add(id);
      log.warn("link-send-rejected", { id, reason: f.reason });
      return;
    }
    try {
      await store.markSent(peer, id);
    } catch (err) {
      log.error("link-store-failed", { id, op: "mark-sent", error: String(err) });
    }
    this.#queue = this.#queue.filter((p) => p.id !== id);
    stats.packetsSent++;
    stats.bytesSent += out.packet.size;
    stats.lastSentAtMs = clock.now();
    log.info("link-send-done", { id, size: out.packet.size });
  }

  /** The peer restarted: offer the current packet again. */
  async reset(): Promise<void> {
    const out = this.#out;
    if (!out) return;
    await out.close();
    out.phase = "offer";
    out.ackFresh = true;
    out.polls = 0;
  }

  /** Releases the reader. */
  async close(): Promise<void> {
    await this.#out?.close();
    this.#out = null;
  }

  #offer(out: OutgoingTransfer): ControlBody {
    return {
      kind: "offer",
      id: out.idBytes,
      size: out.packet.size,
      nice: out.packet.nice,
      fragBytes: out.fragBytes,
    };
  }

  #next(): OutgoingPacket | undefined {
    return this.#queue.find((p) => !this.#skip.has(p.id) && p.id !== this.#out?.id);
  }
}
