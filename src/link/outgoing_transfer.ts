/**
 * One packet being sent: offer, then data in bursts chosen by selective
 * repeat (missing fragments of the window first, in order), then waiting
 * for the receiver's verdict.
 * @module
 */

import { decodeBase32 } from "../encoding/base32.ts";
import { idTag } from "./frames.ts";
import type { OutgoingPacket, PacketReader } from "../store/contract.ts";
import { FragmentWindow } from "./window.ts";

/** Where a transfer stands. */
export type OutgoingPhase = "offer" | "data" | "verify";

/** One outbound packet in progress. */
export class OutgoingTransfer {
  readonly idBytes: Uint8Array;
  readonly tag: number;
  phase: OutgoingPhase = "offer";
  /** The receiver's numbering epoch, from the last ACCEPT. */
  epoch = -1;
  /** An ACK came after the last burst (a new burst may be planned). */
  ackFresh = true;
  /** Turns sent without data since the last ACK (polls); too many and the offer is repeated. */
  polls = 0;
  reader: PacketReader | null = null;
  #origin = 0;
  #window: FragmentWindow | null = null;
  /** Fragments `[0, sentUpTo)` have been sent at least once (since the last ACCEPT). */
  #sentUpTo = 0;

  /** `fragBytes`: fragment size this side offers (its link mtu minus the data header). */
  constructor(
    readonly packet: OutgoingPacket,
    readonly fragBytes: number,
    readonly windowFrames: number,
  ) {
    this.idBytes = decodeBase32(packet.id);
    if (this.idBytes.length !== 32) throw new TypeError(`Packet id ${packet.id} is not 32 bytes`);
    this.tag = idTag(this.idBytes);
  }

  /** The packet id (base32). */
  get id(): string {
    return this.packet.id;
  }

  /** Bytes the receiver has, all from the start. */
  get doneBytes(): number {
    if (!this.#window) return 0;
    return Math.min(this.packet.size, this.#origin + this.#window.base * this.fragBytes);
  }

  /**
   * Applies an ACCEPT: adopts the receiver's numbering (fragment 0 at
   * `offset`, all present before `base`) and skips what its bitmap holds.
   */
  accept(
    offset: number,
    base: number,
    fragBytes: number,
    epoch: number,
    bitmap: Uint8Array,
  ): boolean {
    if (fragBytes !== this.fragBytes || offset > this.packet.size) return false;
    const sameNumbering = this.#window !== null && epoch === this.epoch;
    this.epoch = epoch;
    this.#origin = offset;
    const count = Math.ceil((this.packet.size - this.#origin) / this.fragBytes);
    this.#window = new FragmentWindow(this.windowFrames, count);
    this.#window.apply(base, bitmap);
    this.#sentUpTo = sameNumbering ? Math.max(this.#sentUpTo, base) : this.#window.base;
    this.phase = this.#window.complete ? "verify" : "data";
    this.ackFresh = true;
    this.polls = 0;
    return true;
  }

  /** Applies an ACK; false when it counts in another numbering (ignored). */
  ack(epoch: number, base: number, bitmap: Uint8Array): boolean {
    if (this.phase === "offer" || epoch !== this.epoch) return false;
    this.ackFresh = true;
    this.polls = 0;
    if (this.phase !== "data" || !this.#window) return true;
    this.#window.apply(base, bitmap);
    if (this.#window.complete) this.phase = "verify";
    return true;
  }

  /** Fragments to send in the next burst, at most `max`. */
  nextBurst(max: number): number[] {
    return this.#window ? this.#window.missing(max) : [];
  }

  /** Byte range of fragment `i`. */
  range(i: number): { offset: number; length: number } {
    const offset = this.#origin + i * this.fragBytes;
    return { offset, length: Math.min(this.fragBytes, this.packet.size - offset) };
  }

  /** Records a sent fragment; true if it had been sent before (a retransmission). */
  sent(index: number): boolean {
    this.ackFresh = false;
    if (index < this.#sentUpTo) return true;
    this.#sentUpTo = index + 1;
    return false;
  }

  /** Releases the reader. */
  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = null;
    await reader?.close();
  }
}
