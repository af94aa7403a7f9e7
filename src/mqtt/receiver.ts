/**
 * The receiving side of the MQTT transport: DATA chunks go into the packet
 * store's resumable partial (`rx/<id>.part` of the spool) at their offsets;
 * every {@linkcode mqttLimits.persistEveryChunks} new chunks the partial is
 * made durable (in the background while further chunks are written: the
 * resume state it writes names only chunks written before its sync began,
 * and one such persist runs at a time); once every byte
 * is there the store checks the bytes against the packet id and commits
 * them into `rx/`, and only then a signed ACK goes back. HAVE goes out every
 * {@linkcode mqttLimits.haveEveryChunks} chunks so the sender's window slides
 * without waiting for the slower fsync.
 *
 * Resume state: the store's {@linkcode ResumeState} (all bytes below `done`,
 * plus a 64-fragment bitmap after it). A chunk is taken only when it lies on
 * the fragment grid from `done`, inside the bitmap window, with the exact
 * length; anything else is dropped and will be sent again after the next
 * HAVE. Memory: one open file per partial (at most
 * {@linkcode mqttLimits.openPartialsMax}), never the packet's bytes. A peer
 * gets at most {@linkcode mqttLimits.partialsPerPeerMax} partials started
 * and not finished (idle ones stop counting after
 * {@linkcode mqttLimits.partialIdleMs}): beyond that a new packet is refused
 * with a log line and no HAVE, and its sender offers it again later.
 *
 * The id check: a packet received from its first byte with every chunk in
 * order (what a broker delivers on one topic) is hashed as its chunks are
 * written (on this thread, and for a packet over 8 MiB also by the
 * process's hash workers on the other cores, started once its OFFER is
 * answered, while this thread writes the next chunks),
 * and the store's commit compares that hash with
 * the id; a packet resumed from an earlier session, or one whose chunks
 * came out of order, is hashed from its file at the commit instead.
 * @module
 */

import { decodeBase32, encodeBase32 } from "../encoding/base32.ts";
import { HashPipe } from "../packet/hash_pipe.ts";
import { HASH_WORKER_THRESHOLD_BYTES } from "../packet/limits.ts";
import type { Logger } from "../log/logger.ts";
import type { PacketStore, PartialPacket, ResumeState } from "../store/mod.ts";
import { signAck } from "./ack.ts";
import { mqttLimits } from "./limits.ts";
import { type DataMessage, encodeAck, encodeHave, type OfferMessage } from "./wire.ts";
import { crashPoint } from "../fsutil/crash_point.ts";

/** What the receiver needs from its surroundings. */
export interface ReceiverDeps {
  store: PacketStore;
  log: Logger;
  /** Our node id and 64-byte Ed25519 sign key. */
  selfId: Uint8Array;
  signPrv: Uint8Array;
  /** Publishes `bytes` to node `to` (base32 id); resolves once the broker has it. */
  reply(to: string, bytes: Uint8Array): Promise<void>;
  /** A packet from `from` was committed into `rx/`. */
  onCommitted?(from: string, id: string, size: number): void;
}

interface Incoming {
  from: string;
  id: string;
  idBytes: Uint8Array;
  size: number;
  frag: number;
  done: number;
  /** Fragments after `done`: bit i = fragment i. */
  bits: bigint;
  newChunks: number;
  /** Chunks taken since the last HAVE. */
  sinceHave: number;
  partial: PartialPacket;
  /** The background persist running now, or null. */
  persisting: Promise<void> | null;
  /** Hash of the bytes below `done` while every chunk came in order from offset 0, else null. */
  hasher: HashPipe | null;
  usedMs: number;
}

const WINDOW = BigInt(mqttLimits.windowChunks);
const MASK = (1n << WINDOW) - 1n;

function bitsToBytes(bits: bigint): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = Number((bits >> BigInt(8 * i)) & 0xffn);
  return out;
}

function bytesToBits(bytes: Uint8Array): bigint {
  let bits = 0n;
  for (let i = 0; i < 8; i++) bits |= BigInt(bytes[i] ?? 0) << BigInt(8 * i);
  return bits;
}

/** Receives packets from every peer of one connection. */
export class Receiver {
  readonly #d: ReceiverDeps;
  readonly #open = new Map<string, Incoming>();
  /** Partials started per peer and not finished: peer → packet id → last used (ms). */
  readonly #started = new Map<string, Map<string, number>>();

  constructor(deps: ReceiverDeps) {
    this.#d = deps;
  }

  /** Bytes still expected per peer (packets in progress). */
  expectedBytes(from: string): number {
    let n = 0;
    for (const inc of this.#open.values()) if (inc.from === from) n += inc.size - inc.done;
    return n;
  }

  /** Handles an OFFER: ACK when the packet is already here, otherwise HAVE. */
  async onOffer(from: string, m: OfferMessage): Promise<void> {
    const id = encodeBase32(m.packet);
    if (await this.#d.store.hasIncoming(from, id)) return await this.#ack(from, m.packet);
    const inc = await this.#get(from, id, m.packet, m.size);
    if (!inc) return;
    this.#rebase(inc, m.chunk);
    // The resume state on disk names only bytes that are there: with nothing new since it
    // was written (or nothing at all yet) there is nothing to make durable before the HAVE.
    if (inc.newChunks > 0) await this.#persist(inc);
    await this.#have(inc);
    this.#startHashWorkers(inc);
  }

  /** Handles one DATA chunk. */
  async onData(from: string, m: DataMessage): Promise<void> {
    const id = encodeBase32(m.packet);
    const known = this.#open.get(`${from}/${id}`);
    if (!known && await this.#d.store.hasIncoming(from, id)) {
      return await this.#ack(from, m.packet);
    }
    const inc = known ?? await this.#get(from, id, m.packet, m.size);
    if (!inc) return;
    if (m.offset === 0 && m.bytes.length === m.size && inc.done > 0) {
      // The whole packet in one message: it replaces whatever partial there was.
      inc.done = 0;
      inc.bits = 0n;
      inc.hasher?.close();
      inc.hasher = new HashPipe({ mode: "auto" });
    }
    this.#rebase(inc, m.chunk);
    const rel = m.offset - inc.done;
    if (rel < 0) return; // already have it
    if (rel % inc.frag !== 0 || rel / inc.frag >= mqttLimits.windowChunks) {
      this.#d.log.debug("mqtt-chunk-outside-window", {
        from,
        id,
        offset: m.offset,
        done: inc.done,
      });
      return;
    }
    const i = BigInt(rel / inc.frag);
    if ((inc.bits >> i) & 1n) return;
    if (m.bytes.length !== Math.min(inc.frag, inc.size - m.offset)) {
      this.#d.log.warn("mqtt-chunk-bad-length", {
        from,
        id,
        offset: m.offset,
        bytes: m.bytes.length,
        chunk: inc.frag,
      });
      return;
    }
    await inc.partial.write(m.offset, m.bytes);
    if (inc.hasher) {
      if (m.offset === inc.done) await inc.hasher.update(m.bytes);
      else {
        inc.hasher.close(); // out of order: the commit hashes the file instead
        inc.hasher = null;
      }
    }
    inc.bits |= 1n << i;
    inc.newChunks++;
    while (inc.bits & 1n) {
      inc.bits >>= 1n;
      inc.done = Math.min(inc.size, inc.done + inc.frag);
    }
    if (inc.done === inc.size) return await this.#commit(inc);
    // HAVE may report chunks not yet durable: after a crash the sender's next OFFER gets a
    // HAVE from what was persisted, and the holes are sent again.
    if (inc.newChunks >= mqttLimits.persistEveryChunks) this.#persistSoon(inc);
    if (++inc.sinceHave >= mqttLimits.haveEveryChunks) await this.#have(inc);
  }

  /** Persists and closes every open partial (they resume in a later session). */
  async close(): Promise<void> {
    for (const inc of [...this.#open.values()]) await this.#drop(inc, true);
  }

  /** True when `from` may have a partial for `id` (it has one, or is below its limit). */
  #admit(from: string, id: string): boolean {
    let ids = this.#started.get(from);
    if (!ids) {
      ids = new Map();
      this.#started.set(from, ids);
    }
    const now = Date.now();
    if (ids.has(id)) {
      ids.set(id, now);
      return true;
    }
    for (const [k, t] of ids) if (now - t > mqttLimits.partialIdleMs) ids.delete(k);
    if (ids.size >= mqttLimits.partialsPerPeerMax) return false;
    ids.set(id, now);
    return true;
  }

  async #get(
    from: string,
    id: string,
    idBytes: Uint8Array,
    size: number,
  ): Promise<Incoming | null> {
    const key = `${from}/${id}`;
    const inc = this.#open.get(key);
    if (!this.#admit(from, id)) {
      this.#d.log.warn("mqtt-partials-limit", {
        from,
        id,
        reason:
          `${mqttLimits.partialsPerPeerMax} packets from this peer are already in progress; ` +
          "refused for now (its sender offers it again later)",
      });
      return null;
    }
    if (inc) {
      if (inc.size !== size) {
        this.#d.log.warn("mqtt-size-mismatch", { from, id, size, was: inc.size });
        return null;
      }
      inc.usedMs = Date.now();
      return inc;
    }
    if (this.#open.size >= mqttLimits.openPartialsMax) {
      const oldest = [...this.#open.values()].sort((a, b) => a.usedMs - b.usedMs)[0]!;
      await this.#drop(oldest, true);
    }
    // One chunk is handled at a time: its write is done here, without a trip to a blocking thread.
    const partial = await this.#d.store.openIncoming(from, id, size, { writeInline: true })
      .catch((err) => {
        this.#started.get(from)?.delete(id); // nothing of it is in progress
        throw err;
      });
    const r = partial.resume;
    const fresh: Incoming = {
      from,
      id,
      idBytes,
      size,
      frag: r ? r.fragBytes : 1,
      done: r ? r.doneBytes : 0,
      bits: r ? bytesToBits(r.bitmap) & MASK : 0n,
      newChunks: 0,
      sinceHave: 0,
      partial,
      persisting: null,
      hasher: r && (r.doneBytes > 0 || bytesToBits(r.bitmap) !== 0n)
        ? null
        : new HashPipe({ mode: "auto" }),
      usedMs: Date.now(),
    };
    this.#open.set(key, fresh);
    return fresh;
  }

  /** Counts fragments in the sender's chunk size (what was beyond `done` is asked for again). */
  #rebase(inc: Incoming, chunk: number): void {
    if (inc.frag === chunk) return;
    inc.frag = chunk;
    inc.bits = 0n;
  }

  async #persist(inc: Incoming): Promise<void> {
    await inc.persisting;
    const state = this.#snapshot(inc);
    await inc.partial.persist(state);
  }

  /**
   * Starts a persist of what is written now and returns at once; nothing
   * when one is running (the chunks keep counting and the next chunk after
   * it starts another).
   */
  #persistSoon(inc: Incoming): void {
    if (inc.persisting) return;
    const state = this.#snapshot(inc);
    inc.persisting = inc.partial.persist(state).catch((err) => {
      // The next chunk tries again.
      inc.newChunks = Math.max(inc.newChunks, mqttLimits.persistEveryChunks);
      this.#d.log.warn("mqtt-persist-failed", {
        from: inc.from,
        id: inc.id,
        error: (err as Error).message,
      });
    }).finally(() => {
      inc.persisting = null;
    });
  }

  /** The resume state of what has been written so far (counted as persisted from here on). */
  #snapshot(inc: Incoming): ResumeState {
    inc.newChunks = 0;
    return {
      size: inc.size,
      fragBytes: inc.frag,
      doneBytes: inc.done,
      bitmap: bitsToBytes(inc.bits),
    };
  }

  async #have(inc: Incoming): Promise<void> {
    inc.sinceHave = 0;
    await this.#d.reply(
      inc.from,
      encodeHave({
        peer: this.#d.selfId,
        packet: inc.idBytes,
        size: inc.size,
        done: inc.done,
        frag: inc.frag,
        bitmap: bitsToBytes(inc.bits),
      }),
    );
  }

  async #commit(inc: Incoming): Promise<void> {
    this.#open.delete(`${inc.from}/${inc.id}`);
    this.#started.get(inc.from)?.delete(inc.id);
    const hasher = inc.hasher;
    inc.hasher = null;
    const checkedId = hasher ? encodeBase32(await hasher.digest()) : undefined;
    await inc.persisting;
    const ok = await inc.partial.commit(checkedId);
    if (!ok) {
      this.#d.log.warn("mqtt-packet-refused", {
        from: inc.from,
        id: inc.id,
        reason: "bytes do not hash to the packet id; partial discarded",
      });
      return;
    }
    this.#d.log.info("mqtt-packet-received", { from: inc.from, id: inc.id, size: inc.size });
    this.#d.onCommitted?.(inc.from, inc.id, inc.size);
    crashPoint("mqtt.committed");
    await this.#ack(inc.from, inc.idBytes);
  }

  async #drop(inc: Incoming, persist: boolean): Promise<void> {
    this.#open.delete(`${inc.from}/${inc.id}`);
    // A partial kept on disk is still in progress; one thrown away no longer counts.
    if (!persist) this.#started.get(inc.from)?.delete(inc.id);
    inc.hasher?.close();
    inc.hasher = null;
    await inc.persisting;
    if (persist && inc.newChunks > 0) await this.#persist(inc).catch(() => {});
    await inc.partial.close();
  }

  /**
   * A packet over {@linkcode HASH_WORKER_THRESHOLD_BYTES} offered from its
   * first byte: its hasher borrows the hash workers now, after the HAVE went
   * out, so they start while the sender answers it rather than between
   * chunks (a hasher in `auto` mode would start them past the threshold).
   */
  #startHashWorkers(inc: Incoming): void {
    if (!inc.hasher || inc.size <= HASH_WORKER_THRESHOLD_BYTES) return;
    if (inc.done !== 0 || inc.bits !== 0n || inc.newChunks !== 0) return; // it has input
    inc.hasher.close();
    inc.hasher = new HashPipe({ mode: "worker" });
  }

  async #ack(to: string, packet: Uint8Array): Promise<void> {
    const from = new Uint8Array(this.#d.selfId);
    const sender = decodeBase32(to);
    const signature = signAck(this.#d.signPrv, from, sender, packet);
    await this.#d.reply(to, encodeAck({ peer: from, packet, signature }));
  }
}
