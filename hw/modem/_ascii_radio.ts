/**
 * What the ASCII radio drivers (RN2483, RAK3172) share: the
 * {@linkcode FrameLink} surface with its checks, one command sequence at a
 * time, a bounded receive queue, keeping the receiver armed, and the end
 * of the link on close or hang-up. A driver adds how to transmit, how to
 * arm the receiver and how to read its unsolicited lines.
 * @module
 */

import type { Clock } from "../clock/clock.ts";
import {
  type ByteLink,
  type FrameLink,
  LinkClosedError,
  OverlappingWriteError,
} from "../link/link.ts";
import type { Logger } from "../log.ts";
import { FrameQueue, receiveQueueFramesDefault } from "./_frame_queue.ts";
import { parseHex } from "./_hex.ts";
import { LineChannel } from "./_line_channel.ts";
import { Mutex } from "./_mutex.ts";
import { checkFrame, type ModemStats, newStats } from "./_stats.ts";

/** Construction parameters of an {@linkcode AsciiRadio}. */
export interface AsciiRadioSetup {
  modem: string;
  mtu: number;
  clock: Clock;
  log: Logger;
  receiveQueueFramesMax?: number;
  /** Pause before retrying a failed re-arm, in ms. */
  rearmRetryMs: number;
  /** Least time from the end of one transmission to the start of the next, in ms. */
  txGapMs: number;
}

/** Base of the line-protocol radio drivers. */
export abstract class AsciiRadio implements FrameLink {
  /** Largest frame `send` accepts. */
  readonly mtu: number;
  /** Counters for status pages. */
  readonly stats: ModemStats = newStats();
  protected readonly channel: LineChannel;
  protected readonly clock: Clock;
  protected readonly log: Logger;
  protected readonly modem: string;
  /** True while the driver believes the module is listening. */
  protected rxArmed = false;
  readonly #mutex = new Mutex();
  readonly #queue: FrameQueue;
  readonly #rearmRetryMs: number;
  readonly #txGapMs: number;
  #lastTxEndAt = -Infinity;
  #rearmQueued = false;
  #sending = false;
  #sendsWaiting = 0;
  #closed = false;
  /** Aborted at close or hang-up: ends retry pauses. */
  readonly #stop = new AbortController();

  constructor(port: ByteLink, setup: AsciiRadioSetup) {
    this.mtu = setup.mtu;
    this.modem = setup.modem;
    this.clock = setup.clock;
    this.log = setup.log;
    this.#rearmRetryMs = setup.rearmRetryMs;
    this.#txGapMs = setup.txGapMs;
    this.#queue = new FrameQueue(
      setup.modem,
      setup.receiveQueueFramesMax ?? receiveQueueFramesDefault,
    );
    this.channel = new LineChannel(port, {
      modem: setup.modem,
      log: setup.log,
      clock: setup.clock,
      lineCharsMax: 2 * setup.mtu + 64,
      onLine: (line) => this.onUnsolicited(line),
      onEnd: () => this.#onEnd(),
    });
  }

  /** Sends the frame over the air; the module is free (no other command runs). */
  protected abstract transmit(frame: Uint8Array): Promise<void>;
  /** Puts the module into receive mode and sets {@linkcode rxArmed}. */
  protected abstract arm(): Promise<void>;
  /** A line that answered no command: a received frame, an event, noise. */
  protected abstract onUnsolicited(line: string): void;

  /** Whether the receiver must be re-armed now. */
  protected needsRearm(): boolean {
    return !this.rxArmed;
  }

  /** True after close or hang-up. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** Sends one frame; see the driver for when it resolves. */
  async send(frame: Uint8Array, signal?: AbortSignal): Promise<void> {
    checkFrame(this.modem, frame, this.mtu);
    if (this.#sending) {
      throw new OverlappingWriteError(`${this.modem}: send() called while another send is pending`);
    }
    this.#checkOpen();
    signal?.throwIfAborted();
    this.#sending = true;
    this.#sendsWaiting++;
    try {
      await this.#mutex.run(async () => {
        this.#sendsWaiting--;
        signal?.throwIfAborted();
        this.#checkOpen();
        // Let the receiving radio print the last frame and listen again.
        const gap = this.#lastTxEndAt + this.#txGapMs - this.clock.now();
        if (gap > 0) await this.clock.sleep(gap, signal);
        try {
          await this.transmit(frame);
        } finally {
          this.#lastTxEndAt = this.clock.now();
        }
      });
      this.stats.framesSent++;
    } catch (err) {
      this.stats.sendFailures++;
      throw err;
    } finally {
      this.#sending = false;
      this.scheduleRearm();
    }
  }

  /** Next received frame; `null` after close or hang-up. */
  receive(signal?: AbortSignal): Promise<Uint8Array | null> {
    return this.#queue.take(signal);
  }

  /** Closes the port. Pending receives resolve `null`, pending sends reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    this.#queue.end(true);
    await this.channel.close();
  }

  /** Runs `task` when no other command sequence runs. */
  protected exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.#mutex.run(task);
  }

  /** Queues a re-arm of the receiver unless one is queued or a send waits. */
  protected scheduleRearm(): void {
    if (this.#closed || !this.needsRearm() || this.#rearmQueued) return;
    this.#rearmQueued = true;
    this.#mutex.run(async () => {
      this.#rearmQueued = false;
      // A waiting send re-arms after itself; arming now would cost a round trip.
      if (this.#closed || !this.needsRearm() || this.#sendsWaiting > 0) return;
      await this.arm();
    }).catch(async (err) => {
      if (this.#closed || err instanceof LinkClosedError) return;
      this.log.warn("modem-rx-rearm-failed", { modem: this.modem, error: (err as Error).message });
      await this.clock.sleep(this.#rearmRetryMs, this.#stop.signal).then(
        () => this.scheduleRearm(),
        () => {},
      );
    });
  }

  /** Decodes a received hex payload into the receive queue. */
  protected deliverHex(hex: string): void {
    let frame: Uint8Array;
    try {
      frame = parseHex(hex, this.mtu);
      if (frame.length === 0) throw new SyntaxError("a received frame without payload");
    } catch (err) {
      this.stats.framesMalformed++;
      this.log.warn("modem-rx-malformed", { modem: this.modem, error: (err as Error).message });
      return;
    }
    this.stats.framesReceived++;
    if (!this.#queue.push(frame)) {
      this.stats.framesDropped++;
      this.log.warn("modem-rx-dropped", { modem: this.modem, reason: "receive queue full" });
    }
  }

  /** Counts and logs a line the driver does not use. */
  protected ignore(line: string): void {
    this.stats.linesIgnored++;
    this.log.debug("modem-line-ignored", { modem: this.modem, line: line.slice(0, 80) });
  }

  #onEnd(): void {
    if (!this.#closed) this.log.warn("modem-port-ended", { modem: this.modem });
    this.#closed = true;
    this.#stop.abort();
    this.#queue.end();
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new LinkClosedError(`${this.modem}: the link is closed (closed or unplugged)`);
    }
  }
}

/** Opens a driver: runs `init`, and closes the port again if it fails. */
export async function openAsciiRadio<T extends { close(): Promise<void> }>(
  radio: T,
  init: () => Promise<void>,
): Promise<T> {
  try {
    await init();
  } catch (err) {
    await radio.close();
    throw err;
  }
  return radio;
}
