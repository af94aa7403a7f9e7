/**
 * The receiving half of a session: answers offers (ACCEPT with a resume
 * point, VERIFIED for packets already stored, REJECT for absurd ones),
 * takes data frames, and at each of its turns either persists and
 * acknowledges (one ACK per burst) or, once complete, verifies and commits
 * the packet. The verdict (VERIFIED or REJECT) is repeated every turn
 * until the sender moves on, so a lost verdict costs one more turn.
 * @module
 */

import { encodeBase32 } from "../encoding/base32.ts";
import type { Logger } from "../log/logger.ts";
import type { Clock } from "../../hw/clock/clock.ts";
import {
  type ControlBody,
  type ControlFrame,
  type DataFrame,
  dataHeaderBytes,
  RejectReason,
} from "./frames.ts";
import { IncomingTransfer } from "./incoming_transfer.ts";
import { type LinkLimits, repliesMax } from "./limits.ts";
import type { LinkStats } from "./session_types.ts";
import type { LinkStore } from "../store/contract.ts";

/** What the receiving half needs from its session. */
export interface HalfContext {
  store: LinkStore;
  peer: string;
  limits: LinkLimits;
  log: Logger;
  stats: LinkStats;
  clock: Clock;
}

type Offer = Extract<ControlFrame, { kind: "offer" }>;

/** Packets whose last numbering epoch is remembered within a session. */
export const epochsRememberedMax = 64;

/** The receiving half of a link session. */
export class Receiver {
  #incoming: IncomingTransfer | null = null;
  #replies: ControlBody[] = [];
  #verdict: ControlBody | null = null;
  #epoch: number;
  #epochs = new Map<string, number>();

  /** Creates the half; `firstEpoch` (0..255, random per session) seeds the numbering epochs. */
  constructor(readonly ctx: HalfContext, firstEpoch: number) {
    this.#epoch = firstEpoch & 0xff;
  }

  /** True while a packet is being received. */
  get active(): boolean {
    return this.#incoming !== null;
  }

  /** The packet in progress, for status reports. */
  progress(): { id: string; size: number; doneBytes: number } | null {
    const t = this.#incoming;
    return t ? { id: t.id, size: t.size, doneBytes: t.doneBytes } : null;
  }

  /** Handles an OFFER. */
  async onOffer(f: Offer): Promise<void> {
    const { log, limits, store, peer, stats } = this.ctx;
    const id = encodeBase32(f.id);
    if (
      f.size < 1 || f.size > limits.packetBytesMax || f.fragBytes < limits.fragmentBytesMin ||
      f.fragBytes > limits.frameBytesMax - dataHeaderBytes || f.nice < 1
    ) {
      log.warn("link-offer-invalid", { id, size: f.size, fragBytes: f.fragBytes, nice: f.nice });
      stats.framesDropped++;
      stats.packetsRejected++;
      this.#reply({ kind: "reject", id: f.id, reason: RejectReason.invalid });
      return;
    }
    this.#verdict = null;
    const current = this.#incoming;
    if (
      current && current.id === id && current.size === f.size && current.fragBytes === f.fragBytes
    ) {
      this.#reply(current.acceptBody());
      return;
    }
    try {
      if (await store.hasIncoming(peer, id)) {
        log.info("link-offer-already-stored", { id });
        this.#reply({ kind: "verified", id: f.id });
        return;
      }
      if (current) {
        log.info("link-receive-paused", { id: current.id, doneBytes: current.doneBytes });
        await this.#release(true);
      }
      const t = await IncomingTransfer.open(
        store,
        peer,
        f.id,
        f.size,
        f.fragBytes,
        limits.windowFramesMax,
        this.#nextEpoch(id),
      );
      this.#incoming = t;
      log.info("link-receive-start", { id, size: f.size, offset: t.doneBytes, nice: f.nice });
      this.#reply(t.acceptBody());
    } catch (err) {
      log.error("link-store-failed", { id, op: "open", error: String(err) });
      stats.packetsRejected++;
      this.#reply({ kind: "reject", id: f.id, reason: RejectReason.storeError });
    }
  }

  /** Handles a data frame. */
  async onData(f: DataFrame): Promise<void> {
    const { log, stats } = this.ctx;
    const t = this.#incoming;
    stats.dataFramesReceived++;
    if (!t || !t.armed) {
      stats.framesDropped++;
      log.debug(t ? "link-data-before-accept" : "link-data-without-transfer", { seq: f.seq });
      return;
    }
    let verdict;
    try {
      verdict = await t.onData(f.seq, f.epoch, f.payload);
    } catch (err) {
      log.error("link-store-failed", { id: t.id, op: "write", error: String(err) });
      await this.#fail(t, RejectReason.storeError);
      return;
    }
    if (verdict === "new") {
      stats.payloadBytesReceived += f.payload.length;
      return;
    }
    stats.framesDropped++;
    if (verdict === "duplicate" || verdict === "other-numbering") {
      log.debug(`link-data-${verdict}`, { id: t.id, seq: f.seq });
    } else log.warn(`link-data-${verdict}`, { id: t.id, seq: f.seq, bytes: f.payload.length });
  }

  /** The sender moved on (offered something, or went idle): stop repeating the verdict. */
  peerMovedOn(): void {
    this.#verdict = null;
  }

  /** Control frames for this side's next turn: ACK or verdict, then replies to offers. */
  async compose(): Promise<ControlBody[]> {
    const { log, stats, clock } = this.ctx;
    const out: ControlBody[] = [];
    const t = this.#incoming;
    if (t && t.complete) {
      out.push(t.ackBody());
      let ok = false;
      try {
        ok = await t.partial.commit();
      } catch (err) {
        log.error("link-store-failed", { id: t.id, op: "commit", error: String(err) });
      }
      this.#incoming = null;
      if (ok) {
        stats.packetsReceived++;
        stats.bytesReceived += t.size;
        stats.lastReceivedAtMs = clock.now();
        log.info("link-receive-done", { id: t.id, size: t.size });
        this.#verdict = { kind: "verified", id: t.idBytes };
      } else {
        stats.packetsRejected++;
        this.#verdict = { kind: "reject", id: t.idBytes, reason: RejectReason.verifyFailed };
      }
    } else if (t) {
      try {
        await t.persist();
        out.push(t.ackBody());
      } catch (err) {
        log.error("link-store-failed", { id: t.id, op: "persist", error: String(err) });
        await this.#fail(t, RejectReason.storeError);
      }
    }
    const seen = new Set<string>();
    for (const body of [...(this.#verdict ? [this.#verdict] : []), ...this.#replies]) {
      const key = "id" in body ? `${body.kind}:${encodeBase32(body.id)}` : body.kind;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(body);
      if (body.kind === "accept" && this.#incoming && encodeBase32(body.id) === this.#incoming.id) {
        this.#incoming.armed = true; // goes out in this turn: numbering from here on
      }
    }
    this.#replies = [];
    return out;
  }

  /** The peer restarted: keep what was received on disk, forget the rest. */
  async reset(): Promise<void> {
    await this.#release(true);
    this.#replies = [];
    this.#verdict = null;
  }

  /** Ends the half: `persist` false drops unsynced work, as a killed process would. */
  async close(persist: boolean): Promise<void> {
    await this.#release(persist);
  }

  async #release(persist: boolean): Promise<void> {
    const t = this.#incoming;
    this.#incoming = null;
    if (!t) return;
    try {
      if (persist) await t.persist();
    } catch (err) {
      this.ctx.log.error("link-store-failed", { id: t.id, op: "persist", error: String(err) });
    } finally {
      await t.partial.close();
    }
  }

  async #fail(t: IncomingTransfer, reason: number): Promise<void> {
    this.ctx.stats.packetsRejected++;
    this.#incoming = null;
    await t.partial.close().catch(() => {});
    this.#verdict = { kind: "reject", id: t.idBytes, reason };
  }

  /**
   * A new numbering epoch for `id`, whose low bit (the one data frames
   * carry) differs from the epoch this packet had before in this session,
   * so frames the sender still counts the old way cannot pass.
   */
  #nextEpoch(id: string): number {
    this.#epoch = (this.#epoch + 1) & 0xff;
    const before = this.#epochs.get(id);
    if (before !== undefined && (before & 1) === (this.#epoch & 1)) {
      this.#epoch = (this.#epoch + 1) & 0xff;
    }
    this.#epochs.delete(id);
    this.#epochs.set(id, this.#epoch);
    if (this.#epochs.size > epochsRememberedMax) {
      this.#epochs.delete(this.#epochs.keys().next().value!);
    }
    return this.#epoch;
  }

  #reply(body: ControlBody): void {
    if (this.#replies.length >= repliesMax) this.#replies.shift();
    this.#replies.push(body);
  }
}
