/**
 * Our side of what a session sends: INFOs for the packets waiting in
 * `tx/` (niceness-filtered, most urgent first, each announced once), the
 * peer's FREQs queued in niceness order, FILE chunks read from the packet
 * at the requested offset (`spReadAheadBytes` at a time), and the peer's
 * DONE, which alone removes a packet from `tx/`.
 * @module
 */

import { decodeBase32, encodeBase32 } from "../encoding/base32.ts";
import { humanBytes } from "../log/humanize.ts";
import type { PacketReader } from "../store/mod.ts";
import { encodePacket, SpProtocolError, SpType } from "./codec.ts";
import { spFileChunkBytes, spFreqQueueMax, spReadAheadBytes } from "./limits.ts";
import type { SessionLink } from "./session_types.ts";
import { crashPoint } from "../fsutil/crash_point.ts";

interface Freq {
  id: string;
  hash: Uint8Array;
  nice: number;
  size: number;
  offset: number;
}

/** The sending half of a session. */
export class Outgoing {
  readonly #s: SessionLink;
  /** Packets we announced: id → niceness and size. */
  readonly #announced = new Map<string, { nice: number; size: number }>();
  /** Packets the peer confirmed in this session (never announced again). */
  readonly #done = new Set<string>();
  #freqs: Freq[] = [];
  readonly #readers = new Map<string, PacketReader>();
  #ahead: { id: string; start: number; bytes: Uint8Array } | null = null;
  /** Packets the peer confirmed. */
  sent = 0;

  constructor(s: SessionLink) {
    this.#s = s;
  }

  /** True while the peer asked for bytes we have not sent. */
  get busy(): boolean {
    return this.#freqs.length > 0;
  }

  /** Bytes the peer asked for and has not got yet. */
  get bytesLeft(): number {
    let n = 0;
    for (const f of this.#freqs) n += f.size - f.offset;
    return n;
  }

  /**
   * INFOs for packets that appeared in `tx/` since the last look; the
   * folder is listed again only when its modification time changed.
   */
  async appearedInfos(): Promise<Uint8Array[]> {
    const dir = this.#s.ctx.spool.dir(this.#s.peer.idText, "tx");
    const mtime = await Deno.stat(dir).then((st) => st.mtime?.getTime() ?? -1, () => -2);
    if (mtime === this.#txMtime) return [];
    this.#txMtime = mtime;
    return await this.newInfos();
  }

  #txMtime = -3;

  /** INFO packets for outgoing packets not announced yet, most urgent first. */
  async newInfos(): Promise<Uint8Array[]> {
    const node = this.#s.peer.idText;
    const fresh = (await this.#s.store.listOutgoing(node))
      .filter((p) => p.nice <= this.#s.nice && !this.#announced.has(p.id) && !this.#done.has(p.id))
      .sort((a, b) => a.nice - b.nice || a.mtimeMs - b.mtimeMs);
    let total = 0;
    const out = fresh.map((p) => {
      this.#announced.set(p.id, { nice: p.nice, size: p.size });
      total += p.size;
      return encodePacket({
        type: SpType.Info,
        nice: p.nice,
        size: p.size,
        hash: decodeBase32(p.id),
      });
    });
    if (out.length > 0) {
      await this.#s.record(
        "sp-infos-tx",
        [["XX", "tx"], ["Node", node], ["Pkts", out.length], ["Size", total]],
        `We have got for ${this.#s.peer.name}: ${out.length} packets, ${humanBytes(total)}`,
      );
    }
    return out;
  }

  /** The peer's HALT: it wants nothing more for now. */
  halt(): void {
    this.#freqs = [];
  }

  /** Queues the peer's request for `hash` from `offset`. */
  onFreq(hash: Uint8Array, offset: number): void {
    const id = encodeBase32(hash);
    const ours = this.#announced.get(id);
    if (!ours || this.#done.has(id)) {
      this.#s.ctx.log.warn("sp-freq-unknown", { node: this.#s.peer.name, pkt: id });
      return;
    }
    if (offset > ours.size) {
      throw new SpProtocolError(`FREQ for ${id} at ${offset} is beyond its ${ours.size} bytes`);
    }
    const existing = this.#freqs.find((f) => f.id === id);
    if (existing) {
      existing.offset = offset;
      return;
    }
    if (this.#freqs.length >= spFreqQueueMax) {
      throw new SpProtocolError(`the peer requested more than ${spFreqQueueMax} packets at once`);
    }
    let at = this.#freqs.findIndex((f) => f.nice > ours.nice);
    if (at < 0) at = this.#freqs.length;
    this.#freqs.splice(at, 0, { id, hash, nice: ours.nice, size: ours.size, offset });
  }

  /**
   * The next FILE packet for the most urgent request, or null when none is
   * waiting. A request at the end of the packet gets an empty FILE, as NNCP
   * sends it, so the peer can finish its part.
   */
  async nextChunk(): Promise<Uint8Array | null> {
    const freq = this.#freqs[0];
    if (!freq) return null;
    let reader = this.#readers.get(freq.id);
    if (!reader) {
      try {
        reader = await this.#s.store.openOutgoing(this.#s.peer.idText, freq.id);
      } catch (err) {
        this.#s.ctx.log.error("sp-file-open", {
          node: this.#s.peer.name,
          pkt: freq.id,
          error: String(err),
        });
        this.#freqs.shift();
        return null;
      }
      this.#readers.set(freq.id, reader);
    }
    const n = Math.max(0, Math.min(spFileChunkBytes, freq.size - freq.offset));
    const data = n > 0 ? await this.#read(reader, freq, n) : new Uint8Array(0);
    const payload = encodePacket({ type: SpType.File, hash: freq.hash, offset: freq.offset, data });
    freq.offset += n;
    if (freq.offset >= freq.size) {
      const at = this.#freqs.indexOf(freq);
      if (at >= 0) this.#freqs.splice(at, 1);
      this.#readers.delete(freq.id);
      this.#ahead = null;
      await reader.close();
    }
    return payload;
  }

  async #read(reader: PacketReader, freq: Freq, n: number): Promise<Uint8Array> {
    const a = this.#ahead;
    if (
      !a || a.id !== freq.id || freq.offset < a.start ||
      freq.offset + n > a.start + a.bytes.length
    ) {
      const len = Math.min(spReadAheadBytes, freq.size - freq.offset);
      this.#ahead = { id: freq.id, start: freq.offset, bytes: await reader.read(freq.offset, len) };
    }
    const b = this.#ahead!;
    return b.bytes.subarray(freq.offset - b.start, freq.offset - b.start + n);
  }

  /** The peer verified and stored `hash`: remove it from `tx/`. */
  async onDone(hash: Uint8Array): Promise<void> {
    const id = encodeBase32(hash);
    if (!this.#announced.has(id) || this.#done.has(id)) {
      this.#s.ctx.log.warn("sp-done-unknown", { node: this.#s.peer.name, pkt: id });
      return;
    }
    this.#freqs = this.#freqs.filter((f) => f.id !== id);
    const r = this.#readers.get(id);
    if (r) {
      this.#readers.delete(id);
      await r.close();
    }
    this.#done.add(id);
    crashPoint("sp.done-received");
    await this.#s.store.markSent(this.#s.peer.idText, id);
    this.sent++;
    this.#s.ctx.log.info("sp-done", { node: this.#s.peer.name, pkt: id });
    await this.#s.record(
      "sp-done",
      [["Node", this.#s.peer.idText], ["Nice", this.#s.nice], ["Type", "done"], ["Pkt", id], [
        "XX",
        "tx",
      ]],
      `Packet ${id} is sent`,
    );
  }

  /** Closes the open packet files. */
  async close(): Promise<void> {
    for (const r of this.#readers.values()) await r.close().catch(() => {});
    this.#readers.clear();
    this.#ahead = null;
  }
}
