/**
 * One packet being received: maps data frames to fragments, writes them
 * into the store's partial, persists the resume state, and builds the
 * ACCEPT and ACK bodies that tell the sender where it stands.
 *
 * Fragment `i` covers bytes `origin + i · fragBytes` onwards; `origin` is
 * where this receiver resumed (its persisted `doneBytes`) and stays fixed
 * while the transfer object lives; every ACCEPT repeats it. A data frame carries `i`
 * modulo 256; since the sender never runs more than one window ahead of
 * the last acknowledged base, `i` is recovered from the receiver's base.
 * Each transfer object has its own numbering epoch, carried in ACCEPT and
 * ACK and (its low bit) in data frames.
 * @module
 */

import { encodeBase32 } from "../encoding/base32.ts";
import { type ControlBody, idTag, seqModulo } from "./frames.ts";
import type { LinkStore, PartialPacket } from "../store/contract.ts";
import { FragmentWindow } from "./window.ts";

/** What became of one received data frame. */
export type DataVerdict =
  | "new"
  | "duplicate"
  | "out-of-range"
  | "bad-length"
  | "other-numbering";

/** One inbound packet in progress. */
export class IncomingTransfer {
  readonly id: string;
  readonly tag: number;
  /** Written since the last persist. */
  dirty = false;
  /**
   * The first ACCEPT of this transfer has gone out. Until then any data
   * frame belongs to an earlier numbering (another session, or this
   * packet before it was paused) and is dropped.
   */
  armed = false;
  #origin: number;
  #window: FragmentWindow;

  private constructor(
    readonly idBytes: Uint8Array,
    readonly size: number,
    readonly fragBytes: number,
    readonly windowFrames: number,
    readonly partial: PartialPacket,
    readonly epoch: number,
  ) {
    this.id = encodeBase32(idBytes);
    this.tag = idTag(idBytes);
    const resume = partial.resume;
    this.#origin = resume ? resume.doneBytes : 0;
    this.#window = new FragmentWindow(windowFrames, Math.ceil((size - this.#origin) / fragBytes));
    if (resume && resume.fragBytes === fragBytes) this.#window.apply(0, resume.bitmap);
  }

  /** Opens (or resumes) the partial for an accepted offer. */
  static async open(
    store: LinkStore,
    peer: string,
    idBytes: Uint8Array,
    size: number,
    fragBytes: number,
    windowFrames: number,
    epoch: number,
  ): Promise<IncomingTransfer> {
    const partial = await store.openIncoming(peer, encodeBase32(idBytes), size);
    return new IncomingTransfer(idBytes, size, fragBytes, windowFrames, partial, epoch);
  }

  /** True when every byte is present. */
  get complete(): boolean {
    return this.#window.complete;
  }

  /** Bytes from the start that are all present. */
  get doneBytes(): number {
    return Math.min(this.size, this.#origin + this.#window.base * this.fragBytes);
  }

  /**
   * The ACCEPT body: the numbering (origin, base) and what is present. It
   * never changes the numbering, so a repeated or lost ACCEPT cannot put
   * the two sides out of step.
   */
  acceptBody(): ControlBody {
    return {
      kind: "accept",
      id: this.idBytes,
      offset: this.#origin,
      base: this.#window.base,
      fragBytes: this.fragBytes,
      epoch: this.epoch,
      bitmap: this.#window.toBitmap(),
    };
  }

  /** The ACK body: base fragment and the bitmap after it. */
  ackBody(): ControlBody {
    return {
      kind: "ack",
      tag: this.tag,
      epoch: this.epoch,
      base: this.#window.base,
      bitmap: this.#window.toBitmap(),
    };
  }

  /** Takes one data frame: checks its index and length, writes new fragments. */
  async onData(seq: number, epochBit: number, payload: Uint8Array): Promise<DataVerdict> {
    if (epochBit !== (this.epoch & 1)) return "other-numbering";
    const w = this.#window;
    const rel = (seq - (w.base % seqModulo) + seqModulo) % seqModulo;
    let i: number;
    if (rel < w.size) i = w.base + rel;
    else if (rel >= seqModulo - w.size && w.base - (seqModulo - rel) >= 0) return "duplicate";
    else return "out-of-range";
    if (i >= w.count) return "out-of-range";
    if (w.has(i)) return "duplicate";
    const offset = this.#origin + i * this.fragBytes;
    if (payload.length !== Math.min(this.fragBytes, this.size - offset)) return "bad-length";
    await this.partial.write(offset, payload);
    w.set(i);
    this.dirty = true;
    return "new";
  }

  /** Makes received fragments durable and records where to resume. */
  async persist(): Promise<void> {
    if (!this.dirty) return;
    await this.partial.persist({
      size: this.size,
      fragBytes: this.fragBytes,
      doneBytes: this.doneBytes,
      bitmap: this.#window.toBitmap(),
    });
    this.dirty = false;
  }
}
