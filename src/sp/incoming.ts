/**
 * The receiving half of a session: for every INFO the peer sends, DONE
 * when the packet is already here (`rx/`, `seen/`, or a `.nock` that
 * checks out), otherwise FREQ from the length of `rx/<id>.part`. FILE
 * chunks are written at the offset we hold (anything else is ignored, so
 * nothing lands outside the part), hashed as they arrive when the packet
 * started at 0 in this session, and a complete part is committed by the
 * shared packet store only when its bytes hash to the id; then DONE.
 *
 * Parts follow NNCP's rule (their length is what arrived) and get no
 * resume state while a session writes them: a killed process resumes
 * exactly where its bytes end, as NNCP does. After a power cut the tail of
 * a part may not be what was sent; the id check at the end then discards
 * it and the packet is fetched again, never delivered wrong.
 * @module
 */

import { encodeBase32 } from "../encoding/base32.ts";
import { humanBytes } from "../log/humanize.ts";
import { HashPipe } from "../packet/mod.ts";
import type { PartialPacket } from "../store/mod.ts";
import { SpProtocolError, SpType } from "./codec.ts";
import { spInfosTheirMax } from "./limits.ts";
import type { RecFields, SessionLink } from "./session_types.ts";
import { crashPoint } from "../fsutil/crash_point.ts";

interface TheirInfo {
  nice: number;
  size: number;
  /** Bytes we hold, contiguous from 0. */
  have: number;
}

/** Open partials kept at once (a sender may switch files when a more urgent FREQ arrives). */
export const spOpenPartialsMax = 8;

/** The receiving half of a session. */
export class Incoming {
  readonly #s: SessionLink;
  readonly #pkts: string[] | undefined;
  readonly #infos = new Map<string, TheirInfo>();
  readonly #partials = new Map<string, PartialPacket>();
  /** Packets received from offset 0 here are hashed on the way; resumed ones are read back. */
  readonly #hashers = new Map<string, HashPipe>();
  /** Packets whose bytes did not match their id in this session: not requested again. */
  readonly #refused = new Set<string>();
  /** Packets stored in `rx/`. */
  received = 0;

  constructor(s: SessionLink, pkts?: string[]) {
    this.#s = s;
    this.#pkts = pkts;
  }

  /** True while a packet is partly received. */
  get busy(): boolean {
    return this.#partials.size > 0;
  }

  /** Bytes announced and not yet received. */
  get bytesLeft(): number {
    let n = 0;
    for (const i of this.#infos.values()) n += i.size - i.have;
    return n;
  }

  #fields(id: string, extra: RecFields): RecFields {
    return [["Node", this.#s.peer.idText], ["Nice", this.#s.nice], ...extra, ["Pkt", id]];
  }

  /** Records the INFO totals, as NNCP's `sp-infos-rx`. */
  async recordInfos(): Promise<void> {
    let size = 0;
    for (const i of this.#infos.values()) size += i.size;
    const n = this.#infos.size;
    await this.#s.record(
      "sp-infos-rx",
      [["XX", "rx"], ["Node", this.#s.peer.idText], ["Pkts", n], ["Size", size]],
      `${this.#s.peer.name} has got for us: ${n} packets, ${humanBytes(size)}`,
    );
  }

  /** Answers an INFO with DONE or FREQ (or nothing when it is too nice or not wanted). */
  async onInfo(hash: Uint8Array, nice: number, size: number): Promise<void> {
    const id = encodeBase32(hash);
    const node = this.#s.peer.idText;
    if (nice > this.#s.nice || this.#infos.has(id) || this.#refused.has(id)) return;
    if (this.#infos.size >= spInfosTheirMax) {
      throw new SpProtocolError(`the peer announced more than ${spInfosTheirMax} packets`);
    }
    const les = this.#fields(id, [["Type", "info"]]).concat([["Size", size], ["PktNice", nice]]);
    if (await this.#s.store.hasIncoming(node, id)) {
      await this.#s.record("sp-info-done", les, `Packet ${id} (${humanBytes(size)}): already done`);
      this.#s.reply({ type: SpType.Done, hash });
      return;
    }
    if ((await this.#s.store.checkUnchecked(node, id)) === true) {
      this.#s.reply({ type: SpType.Done, hash });
      return;
    }
    if (size < 1) {
      this.#s.ctx.log.warn("sp-info-empty", { node: this.#s.peer.name, pkt: id });
      return;
    }
    const partial = await this.#s.store.openIncoming(node, id, size, { partLengthIsDone: true });
    const have = partial.resume?.doneBytes ?? 0;
    this.#infos.set(id, { nice, size, have });
    if (have === size) {
      await this.#finish(id, hash, partial, size);
      return;
    }
    await partial.close();
    await this.#s.record(
      "sp-info",
      [...les, ["Offset", have]],
      `Packet ${id} (${humanBytes(size)}) (nice ${nice}): ${Math.floor((100 * have) / size)}%`,
    );
    if (this.#pkts && !this.#pkts.includes(id)) return;
    this.#s.reply({ type: SpType.Freq, hash, offset: have });
  }

  /** Writes a FILE chunk into the part; commits the packet when it is complete. */
  async onFile(hash: Uint8Array, offset: number, data: Uint8Array): Promise<void> {
    const id = encodeBase32(hash);
    const info = this.#infos.get(id);
    if (!info) {
      this.#s.ctx.log.warn("sp-file-unknown", { node: this.#s.peer.name, pkt: id, offset });
      return;
    }
    if (offset + data.length > info.size) {
      throw new SpProtocolError(
        `FILE ${id} carries bytes up to ${offset + data.length}, beyond its ${info.size} bytes`,
      );
    }
    if (offset !== info.have) {
      this.#s.ctx.log.warn("sp-file-offset-differs", {
        node: this.#s.peer.name,
        pkt: id,
        offset,
        have: info.have,
      });
      return;
    }
    const partial = await this.#open(id, info);
    if (data.length > 0) {
      await partial.write(offset, data);
      await this.#hashers.get(id)?.update(data);
    }
    info.have += data.length;
    if (info.have === info.size) {
      this.#partials.delete(id);
      const hasher = this.#hashers.get(id);
      this.#hashers.delete(id);
      const checkedId = hasher ? encodeBase32(await hasher.digest()) : undefined;
      await this.#finish(id, hash, partial, info.size, checkedId);
    }
  }

  async #open(id: string, info: TheirInfo): Promise<PartialPacket> {
    const open = this.#partials.get(id);
    if (open) return open;
    const partial = await this.#s.store.openIncoming(this.#s.peer.idText, id, info.size, {
      partLengthIsDone: true,
    });
    const have = partial.resume?.doneBytes ?? 0;
    if (have !== info.have) {
      await partial.close();
      throw new Error(`rx/${id}.part changed under the session (${have} vs ${info.have} bytes)`);
    }
    this.#partials.set(id, partial);
    if (have === 0) this.#hashers.set(id, new HashPipe());
    if (this.#partials.size > spOpenPartialsMax) {
      const [oldId, old] = this.#partials.entries().next().value!;
      this.#partials.delete(oldId);
      this.#hashers.get(oldId)?.close();
      this.#hashers.delete(oldId);
      await old.close();
    }
    return partial;
  }

  async #finish(
    id: string,
    hash: Uint8Array,
    partial: PartialPacket,
    size: number,
    checkedId?: string,
  ): Promise<void> {
    this.#infos.delete(id);
    const les = this.#fields(id, [["Type", "file"], ["XX", "rx"]]).concat([
      ["Size", size],
      ["FullSize", size],
    ]);
    if (!(await partial.commit(checkedId))) {
      this.#refused.add(id);
      this.#s.ctx.log.error("sp-file-bad-checksum", {
        node: this.#s.peer.name,
        pkt: id,
        size,
        error: "the received bytes do not hash to the packet id; discarded",
      });
      await this.#s.record("sp-file-bad-checksum", les, `Got packet ${id}`, "checksum mismatch");
      return;
    }
    crashPoint("sp.committed");
    this.received++;
    this.#s.ctx.log.info("sp-file-done", { node: this.#s.peer.name, pkt: id, size });
    await this.#s.record("sp-file-done", les, `Got packet ${id} 100% (${humanBytes(size)}): done`);
    this.#s.reply({ type: SpType.Done, hash });
  }

  /** Closes open parts (kept on disk for the next session) and stops hashing. */
  async close(): Promise<void> {
    for (const h of this.#hashers.values()) h.close();
    this.#hashers.clear();
    for (const p of this.#partials.values()) await p.close().catch(() => {});
    this.#partials.clear();
  }
}
