/**
 * The sending side of the MQTT transport, one per reachable peer. It walks
 * the peer's `tx/` in niceness order (lower first, older first among
 * equals) and removes a packet only when the recipient's signed ACK
 * arrives (`ack.ts`); the broker's PUBACK proves nothing about the peer.
 *
 * - A small packet (one chunk) goes as one DATA message; up to
 *   `packets-in-flight` of them wait for their ACKs at once, and one is sent
 *   again when no ACK came in {@linkcode mqttLimits.ackWaitMs}.
 * - A larger packet goes only while the peer's presence says it is online:
 *   OFFER, the recipient answers HAVE (what it holds), then the missing
 *   chunks within its 64-chunk window, sliding as HAVEs come in. When the
 *   recipient falls silent the sender offers again and fills the holes;
 *   after {@linkcode mqttLimits.stalledRoundsMax} rounds without progress the
 *   packet is put aside for {@linkcode mqttLimits.deferMs}.
 * - While the peer is away, only small packets with niceness up to
 *   `offline-nice-max` are left in the broker for it, at most
 *   `offline-packets` at a time; they are sent again when it comes back.
 *
 * Memory: a bulk packet's DATA messages are built in a ring of
 * `chunks-in-flight` + 1 buffers of `chunk-kib` each, the packet's bytes read
 * straight into them; a buffer is used again only after the broker's PUBACK
 * for the message it held (the client writes it from that buffer, without a copy).
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import { decodeBase32 } from "../encoding/base32.ts";
import type { Logger } from "../log/logger.ts";
import type { OutgoingPacket, PacketStore } from "../store/mod.ts";
import { verifyAck } from "./ack.ts";
import { mqttLimits } from "./limits.ts";
import { Wake } from "./wake.ts";
import {
  type AckMessage,
  dataHeaderBytes,
  encodeData,
  encodeOffer,
  type HaveMessage,
  writeDataHeader,
} from "./wire.ts";
import { crashPoint } from "../fsutil/crash_point.ts";

/** Publishing through the current connection. */
export interface Publisher {
  /** Waits for a free in-flight slot and publishes; `acked` settles on the broker's PUBACK. */
  publish(to: string, bytes: Uint8Array): Promise<{ acked: Promise<void> }>;
  /**
   * Publishes at once, outside the in-flight limit, without waiting for the
   * broker (for replies sent while an incoming message is being handled:
   * the broker's PUBACK cannot be read until that handling ends).
   */
  reply(to: string, bytes: Uint8Array): void;
  /** Resolves when nothing is in flight any more. */
  drain(): Promise<void>;
}

/** One connection as the sender sees it. */
export interface SenderLink {
  publisher: Publisher;
  /** Aborts when the connection ends. */
  signal: AbortSignal;
  /** Chunk size for this connection (the setting, capped by the broker's limit). */
  chunkBytes: number;
}

/** Settings the sender uses (from `ferry.mqtt`). */
export interface SenderSettings {
  packetsInFlight: number;
  /** Chunks published and not yet acknowledged by the broker (the ring of DATA buffers). */
  chunksInFlight: number;
  offlinePackets: number;
  offlineNiceMax: number;
}

interface Bulk {
  id: string;
  have: HaveMessage | null;
  haveSeq: number;
  acked: boolean;
}

/** Sends one peer's packets. */
export class PeerSender {
  readonly peer: Neighbour;
  /** Presence from the peer's retained message: true, false, or undefined (not heard yet). */
  present: boolean | undefined = undefined;
  /** Packets and bytes waiting in `tx/` at the last listing. */
  queuedPackets = 0;
  queuedBytes = 0;
  /** Packets acknowledged (removed from `tx/`) since start. */
  sent = 0;
  readonly #store: PacketStore;
  readonly #log: Logger;
  readonly #selfId: Uint8Array;
  readonly #settings: SenderSettings;
  readonly #wake = new Wake();
  /** Small packets waiting for an ACK: id → resend deadline (Infinity while the peer is away). */
  readonly #pending = new Map<string, number>();
  readonly #deferred = new Map<string, number>();
  #bulk: Bulk | null = null;
  #busy = false;

  constructor(
    peer: Neighbour,
    store: PacketStore,
    log: Logger,
    selfId: Uint8Array,
    settings: SenderSettings,
  ) {
    this.peer = peer;
    this.#store = store;
    this.#log = log.child({ peer: peer.name });
    this.#selfId = selfId;
    this.#settings = settings;
  }

  /** True while there is work the peer could take now. */
  get busy(): boolean {
    return this.#busy;
  }

  /**
   * A new connection: what the last one had in flight may be lost (a broker
   * that died without saving), so small packets waiting for an ACK are sent
   * again at once (the recipient acknowledges a duplicate without storing it
   * twice); those left for an absent peer keep waiting.
   */
  reconnected(): void {
    for (const [id, d] of this.#pending) if (d !== Infinity) this.#pending.set(id, 0);
    this.#deferred.clear();
  }

  /** Presence changed. */
  setPresent(present: boolean): void {
    if (present && this.present !== true) {
      // What was left in the broker for the absent peer is sent again now: a peer that never
      // had a session there did not get it, and one that did acknowledges a duplicate
      // without storing it twice.
      for (const [id, d] of this.#pending) if (d === Infinity) this.#pending.set(id, 0);
      this.#deferred.clear();
    }
    this.present = present;
    this.#wake.notify();
  }

  /** Takes a HAVE from the peer. */
  onHave(m: HaveMessage): void {
    const b = this.#bulk;
    if (!b || decodeBase32(b.id).some((x, i) => x !== m.packet[i])) return;
    b.have = m;
    b.haveSeq++;
    this.#wake.notify();
  }

  /** Takes an ACK from the peer: verifies its signature, then removes the packet from `tx/`. */
  async onAck(m: AckMessage, id: string): Promise<void> {
    if (!verifyAck(this.peer.signPub, this.peer.id, this.#selfId, m.packet, m.signature)) {
      this.#log.warn("mqtt-ack-forged", {
        id,
        reason: `signature is not ${this.peer.name}'s; packet kept`,
      });
      return;
    }
    crashPoint("mqtt.ack-verified");
    let removed = true;
    await this.#store.markSent(this.peer.idText, id).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      removed = false;
    });
    this.#pending.delete(id);
    if (this.#bulk?.id === id) this.#bulk.acked = true;
    if (removed) {
      this.sent++;
      this.#log.info("mqtt-packet-sent", { id });
    }
    this.#wake.notify();
  }

  /** Sends until the connection ends. */
  async run(link: SenderLink): Promise<void> {
    const { signal } = link;
    while (!signal.aborted) {
      const list = (await this.#store.listOutgoing(this.peer.idText)).sort((a, b) =>
        a.nice - b.nice || a.mtimeMs - b.mtimeMs
      );
      this.queuedPackets = list.length;
      this.queuedBytes = list.reduce((n, p) => n + p.size, 0);
      const ids = new Set(list.map((p) => p.id));
      for (const id of this.#pending.keys()) if (!ids.has(id)) this.#pending.delete(id);
      let acted = false;
      let waiting = false;
      for (const p of list) {
        if (signal.aborted) break;
        const now = Date.now();
        if ((this.#pending.get(p.id) ?? 0) > now) {
          if (this.present) waiting = true;
          continue;
        }
        if ((this.#deferred.get(p.id) ?? 0) > now) continue;
        if (p.size <= link.chunkBytes) {
          if (!this.present) {
            const away = [...this.#pending.values()].filter((d) => d === Infinity).length;
            if (p.nice > this.#settings.offlineNiceMax || away >= this.#settings.offlinePackets) {
              continue;
            }
          }
          this.#busy = true;
          while (this.#pending.size >= this.#settings.packetsInFlight && !signal.aborted) {
            await this.#wake.wait(mqttLimits.ackWaitMs, signal);
            this.#expire();
          }
          if (signal.aborted) break;
          await this.#sendWhole(link, p);
          acted = true;
        } else if (this.present) {
          this.#busy = true;
          const ok = await this.#sendBulk(link, p);
          if (!ok && !signal.aborted) this.#deferred.set(p.id, Date.now() + mqttLimits.deferMs);
          acted = true;
          break; // list again: something more urgent may have arrived meanwhile
        }
      }
      this.#busy = acted || waiting;
      if (!acted) await this.#wake.wait(mqttLimits.txScanMs, signal);
    }
  }

  #expire(): void {
    const now = Date.now();
    for (const [id, d] of this.#pending) if (d <= now) this.#pending.delete(id);
  }

  async #sendWhole(link: SenderLink, p: OutgoingPacket): Promise<void> {
    const reader = await this.#store.openOutgoing(this.peer.idText, p.id);
    let bytes: Uint8Array;
    try {
      bytes = await reader.read(0, p.size);
    } finally {
      await reader.close();
    }
    this.#pending.set(p.id, this.present ? Date.now() + mqttLimits.ackWaitMs : Infinity);
    if (!this.present) this.#log.info("mqtt-left-for-absent-peer", { id: p.id, nice: p.nice });
    await link.publisher.publish(
      this.peer.idText,
      encodeData({
        peer: this.#selfId,
        packet: decodeBase32(p.id),
        size: p.size,
        nice: p.nice,
        chunk: link.chunkBytes,
        offset: 0,
        bytes,
      }),
    );
  }

  /** Sends a multi-chunk packet; true once it is acknowledged. */
  async #sendBulk(link: SenderLink, p: OutgoingPacket): Promise<boolean> {
    const { signal, publisher } = link;
    const chunk = link.chunkBytes;
    const packet = decodeBase32(p.id);
    const bulk: Bulk = { id: p.id, have: null, haveSeq: 0, acked: false };
    this.#bulk = bulk;
    const reader = await this.#store.openOutgoing(this.peer.idText, p.id);
    const offer = encodeOffer({ peer: this.#selfId, packet, size: p.size, nice: p.nice, chunk });
    let stalled = 0;
    let progress = -1;
    const ring = new DataRing(this.#settings.chunksInFlight + 1, dataHeaderBytes + chunk);
    try {
      while (!signal.aborted && this.present && !bulk.acked) {
        const seq = bulk.haveSeq;
        await publisher.publish(this.peer.idText, offer);
        while (bulk.haveSeq === seq && !bulk.acked && !signal.aborted) {
          if (!await this.#wake.wait(mqttLimits.haveWaitMs, signal)) break;
        }
        if (bulk.acked) return true;
        if (bulk.haveSeq === seq) {
          if (++stalled >= mqttLimits.stalledRoundsMax) return false;
          continue;
        }
        // One round: from what the recipient holds, send the rest within its window.
        let sentUpTo = bulk.have!.done;
        for (;;) {
          if (bulk.acked || signal.aborted || !this.present) break;
          const have = bulk.have!;
          const seen = bulk.haveSeq;
          const bits = have.frag === chunk ? have.bitmap : new Uint8Array(8);
          const windowEnd = Math.min(p.size, have.done + mqttLimits.windowChunks * chunk);
          let next = -1;
          for (let o = Math.max(sentUpTo, have.done); o < windowEnd; o += chunk) {
            const i = (o - have.done) / chunk;
            if (!Number.isInteger(i)) break;
            if (!((bits[i >> 3]! >> (i & 7)) & 1)) {
              next = o;
              break;
            }
          }
          if (next >= 0) {
            const length = Math.min(chunk, p.size - next);
            const slot = await ring.take();
            const message = slot.bytes.subarray(0, dataHeaderBytes + length);
            const m = {
              peer: this.#selfId,
              packet,
              size: p.size,
              nice: p.nice,
              chunk,
              offset: next,
            };
            writeDataHeader(m, message);
            if (reader.readInto) await reader.readInto(next, message.subarray(dataHeaderBytes));
            else message.set(await reader.read(next, length), dataHeaderBytes);
            const { acked } = await publisher.publish(this.peer.idText, message);
            slot.free = acked.catch(() => {});
            sentUpTo = next + chunk;
            continue;
          }
          // Everything in the window is out. A HAVE that came meanwhile may have slid it;
          // otherwise wait for the recipient to report, timed from when the broker has it all.
          if (bulk.haveSeq !== seen) continue;
          await publisher.drain();
          while (bulk.haveSeq === seen && !bulk.acked && !signal.aborted) {
            if (!await this.#wake.wait(mqttLimits.haveWaitMs, signal)) break;
          }
          if (bulk.haveSeq === seen && !bulk.acked) break; // silent: offer again, fill the holes
        }
        const now = bulk.have!.done + popCount(bulk.have!.bitmap);
        if (now > progress) {
          progress = now;
          stalled = 0;
        } else if (++stalled >= mqttLimits.stalledRoundsMax) return bulk.acked;
      }
      return bulk.acked;
    } catch (err) {
      if (signal.aborted) return false;
      throw err;
    } finally {
      this.#bulk = null;
      await reader.close();
    }
  }
}

/** A reused DATA buffer and when it may be written again. */
interface Slot {
  bytes: Uint8Array;
  /** Settles on the broker's PUBACK (or the connection's end) for the message it holds. */
  free: Promise<void>;
}

/** Buffers for a bulk packet's DATA messages, used in turn (allocated as needed). */
class DataRing {
  readonly #slots: Slot[] = [];
  readonly #count: number;
  readonly #bytes: number;
  #next = 0;

  constructor(count: number, bytes: number) {
    this.#count = count;
    this.#bytes = bytes;
  }

  /** The next buffer, once the broker has acknowledged what it held. */
  async take(): Promise<Slot> {
    const i = this.#next;
    this.#next = (i + 1) % this.#count;
    let slot = this.#slots[i];
    if (!slot) {
      slot = { bytes: new Uint8Array(this.#bytes), free: Promise.resolve() };
      this.#slots[i] = slot;
    }
    await slot.free;
    return slot;
  }
}

function popCount(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) for (let x = b; x; x >>= 1) n += x & 1;
  return n;
}
