/**
 * A strict in-memory {@linkcode FrameLink} pair. It rejects what the
 * contract forbids (frames over `mtu` with `RangeError`, overlapping sends
 * with {@linkcode OverlappingWriteError}, sends after close with
 * {@linkcode LinkClosedError}, a second pending receive) and can drop,
 * corrupt and delay frames on an injected clock, take airtime per send,
 * and record every frame sent.
 *
 * @example
 * ```ts
 * import { createMockFrameLinkPair } from "./mock_frame_link.ts";
 * const { a, b } = createMockFrameLinkPair({ mtu: 255 });
 * await a.send(new Uint8Array([7, 8]));
 * console.assert((await b.receive())?.length === 2);
 * ```
 * @module
 */

import { type Clock, systemClock } from "../clock/clock.ts";
import { type FrameLink, LinkClosedError, OverlappingWriteError } from "../link/link.ts";
import { AsyncQueue } from "./_async_queue.ts";
import { checkRate, randomInt, seededRandom } from "./seeded_random.ts";

/** Default inbox size: frames beyond it are dropped like a full modem buffer. */
export const mockInboxFramesMax = 1024;

/** Knobs of a mock frame link pair; all apply to both directions. */
export interface MockFrameLinkOptions {
  /** Largest frame, in bytes. Default 255. */
  mtu?: number;
  /** Clock for delays and airtime. Default: the real clock. */
  clock?: Clock;
  /** Seed for drop and corrupt. Default 1. */
  seed?: number;
  /** Probability that a frame is lost. Default 0. */
  dropRate?: number;
  /** Probability that a frame arrives with one bit flipped. Default 0. */
  corruptRate?: number;
  /** Time from the end of a send to delivery, in ms. Default 0. */
  delayMs?: number;
  /** How long `send()` takes (airtime), in ms, fixed or per frame. Default 0. */
  sendDurationMs?: number | ((frame: Uint8Array) => number);
  /** Frames an end holds unread before new ones are dropped. Default 1024. */
  inboxFramesMax?: number;
}

interface Shared {
  mtu: number;
  clock: Clock;
  random: () => number;
  dropRate: number;
  corruptRate: number;
  delayMs: number;
  sendDurationMs: (frame: Uint8Array) => number;
  inboxFramesMax: number;
}

/** One end of a mock frame link. */
export class MockFrameLinkEnd implements FrameLink {
  /** `"a"` or `"b"`. */
  readonly name: string;
  /** Largest frame `send` accepts. */
  readonly mtu: number;
  /** A copy of every frame sent, including lost ones. */
  readonly sent: Uint8Array[] = [];
  /** Frames lost to `dropRate` on the way out. */
  droppedFrames = 0;
  /** Frames corrupted on the way out. */
  corruptedFrames = 0;
  /** Frames this end discarded because its inbox was full. */
  overflowFrames = 0;
  readonly #shared: Shared;
  readonly #inbox: AsyncQueue<Uint8Array>;
  #peer: MockFrameLinkEnd | null = null;
  #closed = false;
  #sending = false;

  /** @internal Use {@linkcode createMockFrameLinkPair}. */
  constructor(name: string, shared: Shared) {
    this.name = name;
    this.mtu = shared.mtu;
    this.#shared = shared;
    this.#inbox = new AsyncQueue(`MockFrameLink ${name}`);
  }

  /** @internal */
  connect(peer: MockFrameLinkEnd): void {
    this.#peer = peer;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one frame; resolves after its airtime. */
  async send(frame: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (!(frame instanceof Uint8Array)) {
      throw new TypeError(`MockFrameLink ${this.name}: send() needs a Uint8Array`);
    }
    if (frame.length > this.mtu) {
      throw new RangeError(
        `MockFrameLink ${this.name}: frame of ${frame.length} bytes exceeds the MTU of ${this.mtu}`,
      );
    }
    if (this.#sending) {
      throw new OverlappingWriteError(
        `MockFrameLink ${this.name}: send() called while another send is pending`,
      );
    }
    this.#checkOpen();
    signal?.throwIfAborted();
    this.#sending = true;
    try {
      const copy = frame.slice();
      this.sent.push(copy.slice());
      const s = this.#shared;
      const airtime = s.sendDurationMs(copy);
      // A real send is never synchronous: stay pending for at least one turn.
      if (airtime > 0) await s.clock.sleep(airtime, signal);
      else await Promise.resolve();
      this.#checkOpen();
      if (s.random() < s.dropRate) {
        this.droppedFrames++;
        return;
      }
      if (copy.length > 0 && s.random() < s.corruptRate) {
        const i = randomInt(s.random, 0, copy.length - 1);
        copy[i] = (copy[i] ?? 0) ^ (1 << randomInt(s.random, 0, 7));
        this.corruptedFrames++;
      }
      const peer = this.#peer;
      if (!peer) return;
      if (s.delayMs <= 0) peer.deliver(copy);
      else s.clock.sleep(s.delayMs).then(() => peer.deliver(copy));
    } finally {
      this.#sending = false;
    }
  }

  /** Next frame, or `null` once this end or the peer is closed and nothing is left. */
  receive(signal?: AbortSignal): Promise<Uint8Array | null> {
    if (this.#closed) return Promise.resolve(null);
    return this.#inbox.take(signal);
  }

  /** Closes this end; the peer's receives end once its inbox is empty. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#inbox.clear();
    this.#inbox.end();
    this.#peer?.peerClosed();
    return Promise.resolve();
  }

  /** @internal */
  peerClosed(): void {
    this.#inbox.end();
  }

  /** @internal */
  deliver(frame: Uint8Array): void {
    if (this.#closed) return;
    if (this.#inbox.length >= this.#shared.inboxFramesMax) {
      this.overflowFrames++;
      return;
    }
    this.#inbox.push(frame);
  }

  #checkOpen(): void {
    if (this.#closed) throw new LinkClosedError(`MockFrameLink ${this.name} is closed`);
    if (this.#peer?.closed) {
      throw new LinkClosedError(`MockFrameLink ${this.name}: the other end is closed`);
    }
  }
}

/** Two connected ends. */
export interface MockFrameLinkPair {
  a: MockFrameLinkEnd;
  b: MockFrameLinkEnd;
}

/** Creates two connected strict mock frame links. */
export function createMockFrameLinkPair(options: MockFrameLinkOptions = {}): MockFrameLinkPair {
  const mtu = options.mtu ?? 255;
  if (!Number.isInteger(mtu) || mtu < 1) {
    throw new RangeError(`Mock option mtu must be a positive integer, got ${mtu}`);
  }
  const duration = options.sendDurationMs ?? 0;
  const shared: Shared = {
    mtu,
    clock: options.clock ?? systemClock,
    random: seededRandom(options.seed ?? 1),
    dropRate: checkRate("dropRate", options.dropRate),
    corruptRate: checkRate("corruptRate", options.corruptRate),
    delayMs: Math.max(0, options.delayMs ?? 0),
    sendDurationMs: typeof duration === "number" ? () => duration : duration,
    inboxFramesMax: options.inboxFramesMax ?? mockInboxFramesMax,
  };
  const a = new MockFrameLinkEnd("a", shared);
  const b = new MockFrameLinkEnd("b", shared);
  a.connect(b);
  b.connect(a);
  return { a, b };
}
