/**
 * A strict in-memory {@linkcode ByteLink} pair: what one end writes, the
 * other reads. It enforces the contract loudly (overlapping writes reject
 * with {@linkcode OverlappingWriteError}, a second pending read rejects,
 * writes after close or hang-up reject with {@linkcode LinkClosedError},
 * non-`Uint8Array` writes throw `TypeError`) and has knobs that make tests
 * realistic: split reads, dropped writes, corrupted bytes, delay on an
 * injected clock, a slow line, echo, and a record of everything written.
 *
 * @example
 * ```ts
 * import { createMockByteLinkPair } from "./mock_byte_link.ts";
 * const { a, b } = createMockByteLinkPair({ splitReads: true, seed: 3 });
 * await a.write(new Uint8Array([1, 2, 3]));
 * const first = await b.read();
 * console.assert(first !== null && first.length >= 1);
 * ```
 * @module
 */

import { type Clock, systemClock } from "../clock/clock.ts";
import { type ByteLink, LinkClosedError, OverlappingWriteError } from "../link/link.ts";
import { AsyncQueue } from "./_async_queue.ts";
import { checkRate, randomInt, seededRandom } from "./seeded_random.ts";

/** Knobs of a mock byte link pair; every one applies to both directions. */
export interface MockByteLinkOptions {
  /** Clock for `delayMs` and `bytesPerSecond`. Default: the real clock. */
  clock?: Clock;
  /** Seed of the random source behind split, drop and corrupt. Default 1. */
  seed?: number;
  /** Deliver bytes in random chunks (`true`: 1 to 64 bytes). Default: as written. */
  splitReads?: boolean | { minBytes: number; maxBytes: number };
  /** Probability that a whole write is lost. Default 0. */
  dropRate?: number;
  /** Probability that a delivered byte has one bit flipped. Default 0. */
  corruptRate?: number;
  /** Delay between a write and its delivery, in ms of `clock`. Default 0. */
  delayMs?: number;
  /** Line speed: a write takes `bytes / bytesPerSecond` of `clock`. Default: instant. */
  bytesPerSecond?: number;
  /** Each end also reads back what it writes (an echoing device). Default false. */
  echo?: boolean;
}

interface Shared {
  clock: Clock;
  random: () => number;
  split: { minBytes: number; maxBytes: number } | null;
  dropRate: number;
  corruptRate: number;
  delayMs: number;
  bytesPerSecond: number;
  echo: boolean;
}

/** One end of a mock byte link. */
export class MockByteLinkEnd implements ByteLink {
  /** `"a"` or `"b"`. */
  readonly name: string;
  /** A copy of every write, in order, including dropped ones. */
  readonly written: Uint8Array[] = [];
  /** Writes lost to `dropRate`. */
  droppedWrites = 0;
  /** Bytes flipped by `corruptRate`. */
  corruptedBytes = 0;
  readonly #shared: Shared;
  readonly #inbox: AsyncQueue<Uint8Array>;
  #peer: MockByteLinkEnd | null = null;
  #closed = false;
  #hungUp = false;
  #writing = false;

  /** @internal Use {@linkcode createMockByteLinkPair}. */
  constructor(name: string, shared: Shared) {
    this.name = name;
    this.#shared = shared;
    this.#inbox = new AsyncQueue(`MockByteLink ${name}`);
  }

  /** @internal */
  connect(peer: MockByteLinkEnd): void {
    this.#peer = peer;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Everything written so far, concatenated. */
  writtenBytes(): Uint8Array {
    const total = this.written.reduce((n, w) => n + w.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const w of this.written) out.set(w, (at += w.length) - w.length);
    return out;
  }

  /** Next bytes (one chunk, or a random piece of it with `splitReads`); `null` at the end. */
  async read(signal?: AbortSignal): Promise<Uint8Array | null> {
    if (this.#closed || this.#hungUp) return null;
    const chunk = await this.#inbox.take(signal);
    if (chunk === null || this.#hungUp) return null;
    const split = this.#shared.split;
    if (!split || chunk.length <= 1) return chunk;
    const n = Math.min(
      chunk.length,
      randomInt(this.#shared.random, split.minBytes, split.maxBytes),
    );
    if (n < chunk.length) this.#inbox.unshift(chunk.subarray(n));
    return chunk.slice(0, n);
  }

  /** Hands `bytes` to the peer (after the line time, if any). */
  async write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(`MockByteLink ${this.name}: write() needs a Uint8Array`);
    }
    if (this.#writing) {
      throw new OverlappingWriteError(
        `MockByteLink ${this.name}: write() called while another write is pending`,
      );
    }
    this.#checkOpen();
    signal?.throwIfAborted();
    this.#writing = true;
    try {
      const copy = bytes.slice();
      this.written.push(copy);
      const s = this.#shared;
      // A real write is never synchronous: stay pending for at least one turn.
      if (s.bytesPerSecond > 0 && copy.length > 0) {
        await s.clock.sleep((copy.length * 1000) / s.bytesPerSecond, signal);
      } else {
        await Promise.resolve();
      }
      this.#checkOpen();
      if (s.random() < s.dropRate) {
        this.droppedWrites++;
        return;
      }
      const sent = this.#corrupt(copy);
      this.#schedule(this.#peer, sent);
      if (s.echo) this.#schedule(this, sent.slice());
    } finally {
      this.#writing = false;
    }
  }

  /** Ends this end: pending reads resolve `null`; the peer reads what is left, then `null`. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#inbox.clear();
    this.#inbox.end();
    this.#peer?.peerClosed();
    return Promise.resolve();
  }

  /** @internal The other end closed. */
  peerClosed(): void {
    this.#inbox.end();
  }

  /** @internal Unplug: buffered bytes are lost, both directions end now. */
  hangUp(): void {
    this.#hungUp = true;
    this.#inbox.clear();
    this.#inbox.end();
  }

  /** @internal */
  deliver(chunk: Uint8Array): void {
    if (chunk.length > 0 && !this.#closed && !this.#hungUp) this.#inbox.push(chunk);
  }

  #schedule(to: MockByteLinkEnd | null, chunk: Uint8Array): void {
    if (!to) return;
    const delay = this.#shared.delayMs;
    if (delay <= 0) return to.deliver(chunk);
    this.#shared.clock.sleep(delay).then(() => to.deliver(chunk));
  }

  #corrupt(written: Uint8Array): Uint8Array {
    const s = this.#shared;
    if (s.corruptRate === 0) return written;
    const bytes = written.slice();
    for (let i = 0; i < bytes.length; i++) {
      if (s.random() < s.corruptRate) {
        bytes[i] = (bytes[i] ?? 0) ^ (1 << randomInt(s.random, 0, 7));
        this.corruptedBytes++;
      }
    }
    return bytes;
  }

  #checkOpen(): void {
    if (this.#closed) throw new LinkClosedError(`MockByteLink ${this.name} is closed`);
    if (this.#hungUp) throw new LinkClosedError(`MockByteLink ${this.name} hung up`);
    if (this.#peer?.closed) {
      throw new LinkClosedError(`MockByteLink ${this.name}: the other end is closed`);
    }
  }
}

/** Two connected ends and an unplug switch. */
export interface MockByteLinkPair {
  a: MockByteLinkEnd;
  b: MockByteLinkEnd;
  /** Simulates pulling the cable: both ends hang up at once. */
  hangUp(): void;
}

/** Creates two connected strict mock byte links. */
export function createMockByteLinkPair(options: MockByteLinkOptions = {}): MockByteLinkPair {
  let split: Shared["split"] = null;
  if (options.splitReads === true) split = { minBytes: 1, maxBytes: 64 };
  else if (options.splitReads) split = options.splitReads;
  if (split && !(split.minBytes >= 1 && split.maxBytes >= split.minBytes)) {
    throw new RangeError(`Mock option splitReads needs 1 <= minBytes <= maxBytes`);
  }
  const shared: Shared = {
    clock: options.clock ?? systemClock,
    random: seededRandom(options.seed ?? 1),
    split,
    dropRate: checkRate("dropRate", options.dropRate),
    corruptRate: checkRate("corruptRate", options.corruptRate),
    delayMs: Math.max(0, options.delayMs ?? 0),
    bytesPerSecond: Math.max(0, options.bytesPerSecond ?? 0),
    echo: options.echo ?? false,
  };
  const a = new MockByteLinkEnd("a", shared);
  const b = new MockByteLinkEnd("b", shared);
  a.connect(b);
  b.connect(a);
  return {
    a,
    b,
    hangUp() {
      a.hangUp();
      b.hangUp();
    },
  };
}
