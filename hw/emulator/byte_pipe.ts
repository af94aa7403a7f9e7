/**
 * An emulated byte stream between two ends, "a" and "b", each a strict
 * {@linkcode ByteLink}: a cable or a transparent UART radio on a
 * {@linkcode SimClock}. Writes take `bytes · bitsPerByte / bitsPerSecond`;
 * the bytes arrive `latencyMs` later in reads of random sizes. The stream
 * is cut into "air packets" of `airPacketBytes`; each may be lost (loss
 * model per direction) or have bits flipped, like a transparent LoRa
 * module that drops a whole sub-packet. Garbage can be injected.
 *
 * @example
 * ```ts
 * import { BytePipe } from "./byte_pipe.ts";
 * import { SimClock } from "./sim_clock.ts";
 * const clock = new SimClock();
 * const pipe = new BytePipe({ clock, bitsPerSecond: 9600 });
 * const got = await clock.run((async () => {
 *   await pipe.a.write(new Uint8Array([1, 2]));
 *   return await pipe.b.read();
 * })());
 * console.assert(got !== null && got.length >= 1);
 * ```
 * @module
 */

import { type ByteLink, LinkClosedError, OverlappingWriteError } from "../link/link.ts";
import { createLossModel, type LossModel, type LossSpec } from "./loss.ts";
import { Prng } from "./prng.ts";
import type { SimClock } from "./sim_clock.ts";
import type { Side } from "./radio_channel.ts";

/** Settings of a {@linkcode BytePipe}. */
export interface BytePipeOptions {
  clock: SimClock;
  bitsPerSecond: number;
  /** Bits on the line per byte (10 for 8N1 UART). Default 10. */
  bitsPerByte?: number;
  latencyMs?: number;
  /** The stream is cut into packets of this size for loss and corruption. Default 64. */
  airPacketBytes?: number;
  /** Loss of air packets, per direction. Default none. */
  loss?: LossSpec;
  /** Probability that an air packet arrives with flipped bits. Default 0. */
  corruptP?: number;
  /** Largest chunk one `read` returns. Default 64. */
  readBytesMax?: number;
  seed?: number;
}

/** Bytes buffered at a receiving end before more are dropped. */
export const pipeBufferBytesMax = 1 << 20;

/** Two ends of an emulated byte stream. */
export class BytePipe {
  readonly a: ByteLink;
  readonly b: ByteLink;
  /** Air packets lost so far, per sending side. */
  readonly lostPackets: Record<Side, number> = { a: 0, b: 0 };
  readonly #ends: Record<Side, PipeEnd>;
  readonly #loss: Record<Side, LossModel>;
  readonly #random: Prng;
  readonly #o: Required<Omit<BytePipeOptions, "loss">>;

  /** Creates both ends. */
  constructor(options: BytePipeOptions) {
    if (!(options.bitsPerSecond > 0)) {
      throw new RangeError(`bitsPerSecond must be > 0, got ${options.bitsPerSecond}`);
    }
    this.#o = {
      clock: options.clock,
      bitsPerSecond: options.bitsPerSecond,
      bitsPerByte: options.bitsPerByte ?? 10,
      latencyMs: options.latencyMs ?? 0,
      airPacketBytes: options.airPacketBytes ?? 64,
      corruptP: options.corruptP ?? 0,
      readBytesMax: options.readBytesMax ?? 64,
      seed: options.seed ?? 1,
    };
    this.#random = new Prng(this.#o.seed);
    const loss = options.loss ?? { kind: "none" };
    this.#loss = {
      a: createLossModel(loss, new Prng(this.#o.seed * 17 + 1)),
      b: createLossModel(loss, new Prng(this.#o.seed * 17 + 2)),
    };
    this.#ends = { a: new PipeEnd(this, "a"), b: new PipeEnd(this, "b") };
    this.a = this.#ends.a;
    this.b = this.#ends.b;
  }

  /** Puts `bytes` into `to`'s receive buffer now (line noise, a module's status text). */
  injectGarbage(to: Side, bytes: Uint8Array): void {
    this.#ends[to].deliver(bytes.slice());
  }

  /** @internal Sends bytes from one end; returns the line time in ms. */
  transmit(from: Side, bytes: Uint8Array): number {
    const o = this.#o;
    const to: Side = from === "a" ? "b" : "a";
    const start = o.clock.now();
    const msPerByte = o.bitsPerByte * 1000 / o.bitsPerSecond;
    for (let at = 0; at < bytes.length; at += o.airPacketBytes) {
      const packet = bytes.slice(at, at + o.airPacketBytes);
      const arrive = start + (at + packet.length) * msPerByte + o.latencyMs;
      if (this.#loss[from].lose()) {
        this.lostPackets[from]++;
        continue;
      }
      if (o.corruptP > 0 && this.#random.next() < o.corruptP) {
        packet[this.#random.int(packet.length)]! ^= 1 << this.#random.int(8);
      }
      o.clock.schedule(arrive, () => this.#ends[to].deliver(packet));
    }
    return bytes.length * msPerByte;
  }

  /** @internal */
  get options(): Required<Omit<BytePipeOptions, "loss">> {
    return this.#o;
  }

  /** @internal */
  get random(): Prng {
    return this.#random;
  }
}

class PipeEnd implements ByteLink {
  #buffer: Uint8Array[] = [];
  #buffered = 0;
  #reader: ((bytes: Uint8Array | null) => void) | null = null;
  #writing = false;
  #closed = false;

  constructor(readonly pipe: BytePipe, readonly side: Side) {}

  read(signal?: AbortSignal): Promise<Uint8Array | null> {
    if (this.#reader) return Promise.reject(new Error(`Pipe end ${this.side}: read while reading`));
    if (this.#buffer.length > 0) return Promise.resolve(this.#take());
    if (this.#closed) return Promise.resolve(null);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#reader = null;
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#reader = (bytes) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(bytes);
      };
    });
  }

  async write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (this.#closed) throw new LinkClosedError(`Pipe end ${this.side} is closed`);
    if (this.#writing) {
      throw new OverlappingWriteError(`Pipe end ${this.side}: write while writing`);
    }
    signal?.throwIfAborted();
    this.#writing = true;
    try {
      const ms = this.pipe.transmit(this.side, bytes);
      await this.pipe.options.clock.sleep(ms, signal);
    } finally {
      this.#writing = false;
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    const reader = this.#reader;
    this.#reader = null;
    reader?.(null);
    return Promise.resolve();
  }

  deliver(bytes: Uint8Array): void {
    if (this.#closed || bytes.length === 0) return;
    if (this.#buffered + bytes.length > pipeBufferBytesMax) return;
    this.#buffer.push(bytes);
    this.#buffered += bytes.length;
    const reader = this.#reader;
    if (reader) {
      this.#reader = null;
      reader(this.#take());
    }
  }

  #take(): Uint8Array {
    const head = this.#buffer[0]!;
    const size = Math.min(head.length, 1 + this.pipe.random.int(this.pipe.options.readBytesMax));
    const out = head.subarray(0, size);
    if (size === head.length) this.#buffer.shift();
    else this.#buffer[0] = head.subarray(size);
    this.#buffered -= size;
    return out;
  }
}
