/**
 * Microchip RN2483 / RN2903 LoRa modules in raw radio mode, as a
 * {@linkcode FrameLink} (MTU 255 bytes). The port runs at 57600 8N1.
 *
 * The driver keeps the receiver armed with `radio rx 0` (continuous
 * reception, which ends after each frame: `radio_rx  <hex>`, with two
 * spaces on RN2483 firmware) and re-arms it after every frame or
 * `radio_err`. To transmit it leaves reception with `radio rxstop`
 * (firmware 1.0.5+), sends `radio tx <hex>`, expects `ok`, and resolves
 * `send()` on `radio_tx_ok`, that is at the end of transmission.
 * @module
 */

import { type Clock, systemClock } from "../clock/clock.ts";
import {
  type ByteLink,
  type FrameLink,
  LinkClosedError,
  OverlappingWriteError,
} from "../link/link.ts";
import { type Logger, silentLogger } from "../../src/log/logger.ts";
import { ModemBusyError, ModemProtocolError, ModemRejectedError, ModemTxError } from "./errors.ts";
import { FrameQueue, receiveQueueFramesDefault } from "./_frame_queue.ts";
import { parseHex, toHex } from "./_hex.ts";
import { LineChannel } from "./_line_channel.ts";
import { loraAirtimeMs } from "./lora_airtime.ts";
import { Mutex } from "./_mutex.ts";
import { checkFrame, type ModemStats, newStats } from "./_stats.ts";
import {
  rn2483CommandTimeoutMsDefault,
  rn2483FrameBytesMax,
  rn2483LegacyRxWaitMsDefault,
  type Rn2483Options,
  rn2483RadioCommands,
  rn2483RearmRetryMs,
  rn2483TxDoneTimeoutMsDefault,
} from "./rn2483_options.ts";

const MODEM = "rn2483";
const okOrRejected = (l: string) =>
  l === "ok" ? "ok" : l === "invalid_param" ? "invalid" : l === "busy" ? "busy" : undefined;
const txDone = (l: string) => l === "radio_tx_ok" ? "ok" : l === "radio_err" ? "err" : undefined;
const rxLine = /^radio_rx\s+(\S*)\s*$/;

/** An RN2483/RN2903 as a frame link. Create with {@linkcode openRn2483}. */
export class Rn2483 implements FrameLink {
  /** 255 bytes, the module's LoRa payload limit. */
  readonly mtu = rn2483FrameBytesMax;
  /** `sys get ver` answer, when asked. */
  version = "";
  /** Counters for status pages. */
  readonly stats: ModemStats = newStats();
  readonly #channel: LineChannel;
  readonly #mutex = new Mutex();
  readonly #queue: FrameQueue;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #options: Rn2483Options;
  #rxStop = true;
  #rxArmed = false;
  #rxEnded: (() => void) | null = null;
  #rearmQueued = false;
  #sending = false;
  #sendsWaiting = 0;
  #closed = false;

  /** @internal Use {@linkcode openRn2483}. */
  constructor(port: ByteLink, options: Rn2483Options, clock: Clock, log: Logger) {
    this.#options = options;
    this.#clock = clock;
    this.#log = log;
    this.#queue = new FrameQueue(
      "rn2483",
      options.receiveQueueFramesMax ?? receiveQueueFramesDefault,
    );
    this.#channel = new LineChannel(port, {
      modem: MODEM,
      log,
      clock,
      lineCharsMax: 2 * rn2483FrameBytesMax + 64,
      onLine: (line) => this.#onLine(line),
      onEnd: () => this.#onEnd(),
    });
  }

  get #commandMs(): number {
    return this.#options.commandTimeoutMs ?? rn2483CommandTimeoutMsDefault;
  }

  /** @internal Identifies the module, applies settings, arms the receiver. */
  async init(): Promise<void> {
    this.#channel.start();
    const o = this.#options;
    if (o.checkVersion ?? true) await this.#checkVersion();
    this.#rxStop = o.rxStop ?? this.#rxStop;
    // A previous run may have left the radio listening; radio set would answer busy.
    if (this.#rxStop) {
      await this.#channel.request(
        "radio rxstop",
        (l) => okOrRejected(l) ?? (l === "radio_err" ? "err" : undefined),
        this.#commandMs,
      );
    }
    if (o.macPause ?? true) {
      const paused = await this.#channel.request(
        "mac pause",
        (l) => /^\d+$/.test(l) ? "ok" : okOrRejected(l),
        this.#commandMs,
      );
      if (paused !== "ok") {
        throw new ModemRejectedError(
          MODEM,
          `rn2483: mac pause answered ${paused}`,
          "mac pause",
          paused,
        );
      }
    }
    for (const command of o.radio ? rn2483RadioCommands(o.radio) : []) {
      const answer = await this.#channel.request(command, okOrRejected, this.#commandMs);
      if (answer === "invalid") {
        throw new ModemRejectedError(
          MODEM,
          `rn2483 refused "${command}" (invalid_param): check the value`,
          command,
          "invalid_param",
        );
      }
      if (answer === "busy") {
        throw new ModemBusyError(
          MODEM,
          `rn2483 is busy; "${command}" not applied`,
          command,
          "busy",
        );
      }
    }
    await this.#arm();
    this.#log.info("modem-open", { modem: MODEM, version: this.version, rxstop: this.#rxStop });
  }

  async #checkVersion(): Promise<void> {
    const match = (l: string) => /^(RN2483|RN2903)\s+(\d+)\.(\d+)\.(\d+)/.exec(l) ?? undefined;
    let found: RegExpExecArray | undefined;
    for (let attempt = 1; !found; attempt++) {
      try {
        found = await this.#channel.request("sys get ver", match, this.#commandMs);
      } catch (err) {
        if (attempt >= 2) {
          throw new ModemProtocolError(
            MODEM,
            `No RN2483/RN2903 answered "sys get ver" (${
              (err as Error).message
            }); check the port and that it runs at 57600 baud`,
            "sys get ver",
          );
        }
      }
    }
    this.version = found[0];
    const [major, minor, patch] = [found[2], found[3], found[4]].map(Number) as [
      number,
      number,
      number,
    ];
    this.#rxStop = major * 10000 + minor * 100 + patch >= 10005;
  }

  /** Sends one frame; resolves after `radio_tx_ok`. */
  async send(frame: Uint8Array, signal?: AbortSignal): Promise<void> {
    checkFrame(MODEM, frame, this.mtu);
    if (this.#sending) {
      throw new OverlappingWriteError("rn2483: send() called while another send is pending");
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
        await this.#transmit(frame);
      });
      this.stats.framesSent++;
    } catch (err) {
      this.stats.sendFailures++;
      throw err;
    } finally {
      this.#sending = false;
      this.#scheduleRearm();
    }
  }

  async #transmit(frame: Uint8Array): Promise<void> {
    const command = `radio tx ${toHex(frame)}`;
    if (this.#rxArmed) await this.#leaveRx();
    for (let attempt = 1;; attempt++) {
      const cancel = new AbortController();
      const done = this.#channel.expect(txDone, this.#txDoneMs(), "radio_tx_ok", cancel.signal);
      done.catch(() => {});
      const answer = await this.#channel.request(command, okOrRejected, this.#commandMs).catch(
        (e) => {
          cancel.abort(e);
          throw e;
        },
      );
      if (answer === "ok") {
        if ((await done) === "err") {
          throw new ModemTxError(
            MODEM,
            "rn2483: radio_err after radio tx: the transmission failed",
            "radio tx",
            "radio_err",
          );
        }
        this.#log.debug("modem-tx-done", { modem: MODEM, bytes: frame.length });
        return;
      }
      cancel.abort(new Error("not transmitted"));
      if (answer === "invalid") {
        throw new ModemRejectedError(
          MODEM,
          "rn2483 refused radio tx (invalid_param)",
          "radio tx",
          "invalid_param",
        );
      }
      if (attempt >= 2 || !this.#rxStop) {
        throw new ModemBusyError(
          MODEM,
          "rn2483 answered busy to radio tx; try again later",
          "radio tx",
          "busy",
        );
      }
      await this.#leaveRx();
    }
  }

  #txDoneMs(): number {
    if (this.#options.txDoneTimeoutMs) return this.#options.txDoneTimeoutMs;
    const r = this.#options.radio;
    if (r?.sf === undefined || r.bwKhz === undefined) return rn2483TxDoneTimeoutMsDefault;
    const cr = r.cr ? Number(r.cr.slice(2)) - 4 : 1;
    const airtime = loraAirtimeMs(rn2483FrameBytesMax, {
      sf: r.sf,
      bwHz: r.bwKhz * 1000,
      cr,
      preamble: r.preamble ?? 8,
    });
    return Math.ceil(2 * airtime + 2000);
  }

  async #leaveRx(): Promise<void> {
    if (this.#rxStop) {
      await this.#channel.request(
        "radio rxstop",
        (l) => okOrRejected(l) ?? (l === "radio_err" ? "err" : undefined),
        this.#commandMs,
      );
      this.#rxArmed = false;
      return;
    }
    if (!this.#rxArmed) return;
    const ended = new Promise<void>((resolve) => this.#rxEnded = resolve);
    const timer = new AbortController();
    const waitMs = this.#options.legacyRxWaitMs ?? rn2483LegacyRxWaitMsDefault;
    const timedOut = this.#clock.sleep(waitMs, timer.signal).then(() => true, () => false);
    const late = await Promise.race([ended.then(() => false), timedOut]);
    timer.abort();
    if (late) {
      throw new ModemBusyError(
        MODEM,
        `rn2483 still receiving after ${waitMs} ms and its firmware has no radio rxstop: set radio.watchdogMs so receive windows end`,
        "radio tx",
      );
    }
  }

  async #arm(): Promise<void> {
    const answer = await this.#channel.request("radio rx 0", okOrRejected, this.#commandMs);
    // Outside a send the driver never has the radio transmit, so busy means it is
    // still listening (a window the driver thought had ended).
    if (answer === "busy") this.#log.debug("modem-rx-already-on", { modem: MODEM });
    else if (answer !== "ok") {
      throw new ModemRejectedError(
        MODEM,
        `rn2483 answered ${answer} to radio rx 0`,
        "radio rx 0",
        answer,
      );
    }
    this.#rxArmed = true;
  }

  #scheduleRearm(): void {
    if (this.#closed || this.#rxArmed || this.#rearmQueued) return;
    this.#rearmQueued = true;
    this.#mutex.run(async () => {
      this.#rearmQueued = false;
      if (this.#closed || this.#rxArmed || this.#sendsWaiting > 0) return;
      await this.#arm();
    }).catch(async (err) => {
      if (this.#closed || err instanceof LinkClosedError) return;
      this.#log.warn("modem-rx-rearm-failed", { modem: MODEM, error: (err as Error).message });
      await this.#clock.sleep(rn2483RearmRetryMs);
      this.#scheduleRearm();
    });
  }

  #onLine(line: string): void {
    const rx = rxLine.exec(line);
    if (rx || line === "radio_err") {
      this.#rxArmed = false;
      this.#rxEnded?.();
      this.#rxEnded = null;
      if (rx) this.#deliver(rx[1] ?? "");
      this.#scheduleRearm();
      return;
    }
    this.stats.linesIgnored++;
    this.#log.debug("modem-line-ignored", { modem: MODEM, line: line.slice(0, 80) });
  }

  #deliver(hex: string): void {
    let frame: Uint8Array;
    try {
      frame = parseHex(hex, rn2483FrameBytesMax);
      if (frame.length === 0) throw new SyntaxError("radio_rx without a payload");
    } catch (err) {
      this.stats.framesMalformed++;
      this.#log.warn("modem-rx-malformed", { modem: MODEM, error: (err as Error).message });
      return;
    }
    this.stats.framesReceived++;
    if (!this.#queue.push(frame)) {
      this.stats.framesDropped++;
      this.#log.warn("modem-rx-dropped", { modem: MODEM, reason: "receive queue full" });
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
    this.#queue.end(true);
    await this.#channel.close();
  }

  #onEnd(): void {
    if (!this.#closed) this.#log.warn("modem-port-ended", { modem: MODEM });
    this.#closed = true;
    this.#queue.end();
  }

  #checkOpen(): void {
    if (this.#closed) throw new LinkClosedError("rn2483: the link is closed (closed or unplugged)");
  }
}

/** Opens an RN2483/RN2903 on `port` (57600 8N1). Throws typed {@linkcode ModemError}s. */
export async function openRn2483(
  port: ByteLink,
  options: Rn2483Options = {},
  clock: Clock = systemClock,
  log: Logger = silentLogger,
): Promise<Rn2483> {
  const modem = new Rn2483(port, options, clock, log);
  try {
    await modem.init();
  } catch (err) {
    await modem.close();
    throw err;
  }
  return modem;
}
