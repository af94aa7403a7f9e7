/**
 * Microchip RN2483 / RN2903 LoRa modules in raw radio mode, as a
 * {@linkcode FrameLink} (MTU 255 bytes). The port runs at 57600 8N1.
 *
 * The driver keeps the receiver armed with `radio rx 0` (continuous
 * reception, which ends after each frame: `radio_rx  <hex>`, with two
 * spaces on RN2483 firmware) and re-arms it after every frame or
 * `radio_err` (watchdog). To transmit it leaves reception with `radio
 * rxstop` (firmware 1.0.5+), sends `radio tx <hex>`, expects `ok`, and
 * resolves `send()` on `radio_tx_ok`: at the end of transmission.
 * @module
 */

import { type Clock, systemClock } from "../clock/clock.ts";
import type { ByteLink } from "../link/link.ts";
import { type Logger, silentLogger } from "../log.ts";
import { AsciiRadio, openAsciiRadio } from "./_ascii_radio.ts";
import { ModemBusyError, ModemProtocolError, ModemRejectedError, ModemTxError } from "./errors.ts";
import { toHex } from "./_hex.ts";
import { loraAirtimeMs } from "./lora_airtime.ts";

/** `mac pause` attempts while the LoRaWAN stack answers 0 (busy). */
export const rn2483MacPauseTriesMax = 10;
/** Wait between those attempts, ms. */
export const rn2483MacPauseRetryMs = 500;
import {
  rn2483CommandTimeoutMsDefault,
  rn2483FrameBytesMax,
  rn2483LegacyRxWaitMsDefault,
  type Rn2483Options,
  rn2483RadioCommands,
  rn2483RearmRetryMs,
  rn2483TxDoneTimeoutMsDefault,
  rn2483TxGapMsDefault,
} from "./rn2483_options.ts";

type Answer = "ok" | "invalid" | "busy" | "err";
const answer = (l: string): Answer | undefined =>
  l === "ok"
    ? "ok"
    : l === "invalid_param"
    ? "invalid"
    : l === "busy"
    ? "busy"
    : l === "radio_err"
    ? "err"
    : undefined;
const plainAnswer = (l: string) => (l === "radio_err" ? undefined : answer(l));
const txDone = (l: string) => (l === "radio_tx_ok" ? "ok" : l === "radio_err" ? "err" : undefined);
const rxLine = /^radio_rx\s+(\S*)\s*$/;
const versionLine = /^(RN2483|RN2903)\s+(\d+)\.(\d+)\.(\d+)/;

/** An RN2483/RN2903 as a frame link. Create with {@linkcode openRn2483}. */
export class Rn2483 extends AsciiRadio {
  /** `sys get ver` answer, when asked (`RN2483 1.0.5`). */
  version = "";
  readonly #options: Rn2483Options;
  #rxStop = true;
  #rxEnded: (() => void) | null = null;

  /** @internal Use {@linkcode openRn2483}. */
  constructor(port: ByteLink, options: Rn2483Options, clock: Clock, log: Logger) {
    super(port, {
      modem: "rn2483",
      mtu: rn2483FrameBytesMax,
      clock,
      log,
      rearmRetryMs: rn2483RearmRetryMs,
      txGapMs: options.txGapMs ?? rn2483TxGapMsDefault,
      ...(options.receiveQueueFramesMax
        ? { receiveQueueFramesMax: options.receiveQueueFramesMax }
        : {}),
    });
    this.#options = options;
  }

  get #commandMs(): number {
    return this.#options.commandTimeoutMs ?? rn2483CommandTimeoutMsDefault;
  }

  /** @internal Identifies the module, applies settings, arms the receiver. */
  async init(): Promise<void> {
    this.channel.start();
    const o = this.#options;
    if (o.checkVersion ?? true) await this.#checkVersion();
    this.#rxStop = o.rxStop ?? this.#rxStop;
    // A previous run may have left the radio listening: `radio set` would answer busy.
    if (this.#rxStop) await this.channel.request("radio rxstop", answer, this.#commandMs);
    if (o.macPause ?? true) await this.#macPause();
    for (const command of o.radio ? rn2483RadioCommands(o.radio) : []) {
      const got = await this.channel.request(command, plainAnswer, this.#commandMs);
      if (got !== "ok") this.#refused(command, got);
    }
    await this.exclusive(() => this.arm());
    this.log.info("modem-open", { modem: this.modem, version: this.version, rxstop: this.#rxStop });
  }

  /**
   * `mac pause` answers how long the LoRaWAN stack stays paused, or 0 when
   * the stack is busy and cannot be paused: then it is asked again.
   */
  async #macPause(): Promise<void> {
    for (let attempt = 1; attempt <= rn2483MacPauseTriesMax; attempt++) {
      const paused = await this.channel.request(
        "mac pause",
        (l) => (/^\d+$/.test(l) ? l : plainAnswer(l)),
        this.#commandMs,
      );
      if (!/^\d+$/.test(paused)) this.#refused("mac pause", paused as Answer);
      if (paused !== "0") return;
      this.log.debug("modem-mac-busy", { modem: this.modem, attempt });
      await this.clock.sleep(rn2483MacPauseRetryMs);
    }
    throw new ModemBusyError(
      this.modem,
      `rn2483: mac pause answered 0 ${rn2483MacPauseTriesMax} times: the LoRaWAN stack stays busy (a join or uplink in progress?)`,
      "mac pause",
    );
  }

  async #checkVersion(): Promise<void> {
    const match = (l: string) => versionLine.exec(l) ?? undefined;
    let found: RegExpExecArray | undefined;
    for (let attempt = 1; found === undefined; attempt++) {
      try {
        found = await this.channel.request("sys get ver", match, this.#commandMs);
      } catch (err) {
        if (attempt >= 2) {
          throw new ModemProtocolError(
            this.modem,
            `No RN2483/RN2903 answered "sys get ver" (${(err as Error).message}); check the ` +
              `port and that it runs at 57600 baud`,
            "sys get ver",
          );
        }
      }
    }
    this.version = found[0];
    const [major, minor, patch] = [found[2], found[3], found[4]].map(Number);
    this.#rxStop = (major ?? 0) * 10000 + (minor ?? 0) * 100 + (patch ?? 0) >= 10005;
  }

  #refused(command: string, got: Answer): never {
    if (got === "busy") {
      throw new ModemBusyError(
        this.modem,
        `rn2483 is busy: "${command}" not done`,
        command,
        "busy",
      );
    }
    throw new ModemRejectedError(
      this.modem,
      `rn2483 refused "${command}" (${got === "invalid" ? "invalid_param" : got}): check the value`,
      command,
      got === "invalid" ? "invalid_param" : got,
    );
  }

  protected async transmit(frame: Uint8Array): Promise<void> {
    const command = `radio tx ${toHex(frame)}`;
    if (this.rxArmed) await this.#leaveRx();
    for (let attempt = 1;; attempt++) {
      const cancel = new AbortController();
      // Registered before the command: radio_tx_ok may come in the same read as ok.
      const done = this.channel.expect(txDone, this.#txDoneMs(), "radio_tx_ok", cancel.signal);
      done.catch(() => {});
      let got: Answer;
      try {
        got = await this.channel.request(command, plainAnswer, this.#commandMs);
      } catch (err) {
        cancel.abort(err);
        throw err;
      }
      if (got === "ok") {
        if ((await done) === "err") {
          throw new ModemTxError(
            this.modem,
            "rn2483: radio_err after radio tx: the transmission failed",
            "radio tx",
            "radio_err",
          );
        }
        this.log.debug("modem-tx-done", { modem: this.modem, bytes: frame.length });
        return;
      }
      cancel.abort(new Error("not transmitted"));
      if (got !== "busy" || attempt >= 2 || !this.#rxStop) this.#refused("radio tx", got);
      await this.#leaveRx();
    }
  }

  #txDoneMs(): number {
    if (this.#options.txDoneTimeoutMs) return this.#options.txDoneTimeoutMs;
    const r = this.#options.radio;
    if (r?.sf === undefined || r.bwKhz === undefined) return rn2483TxDoneTimeoutMsDefault;
    const cr = r.cr ? Number(r.cr.slice(2)) - 4 : 1;
    const airtime = loraAirtimeMs(this.mtu, {
      sf: r.sf,
      bwHz: r.bwKhz * 1000,
      cr,
      preamble: r.preamble ?? 8,
    });
    return Math.ceil(2 * airtime + 2000);
  }

  async #leaveRx(): Promise<void> {
    if (this.#rxStop) {
      // Tolerant: a frame or the watchdog may have ended the window just before.
      await this.channel.request("radio rxstop", answer, this.#commandMs);
      this.rxArmed = false;
      return;
    }
    if (!this.rxArmed) return;
    const waitMs = this.#options.legacyRxWaitMs ?? rn2483LegacyRxWaitMsDefault;
    const timer = new AbortController();
    const ended = new Promise<boolean>((resolve) => (this.#rxEnded = () => resolve(true)));
    const timedOut = this.clock.sleep(waitMs, timer.signal).then(() => false, () => true);
    const inTime = await Promise.race([ended, timedOut]);
    timer.abort();
    if (!inTime) {
      throw new ModemBusyError(
        this.modem,
        `rn2483 still receiving after ${waitMs} ms and its firmware has no radio rxstop: ` +
          `set radio.watchdogMs so receive windows end`,
        "radio tx",
      );
    }
  }

  protected async arm(): Promise<void> {
    const got = await this.channel.request("radio rx 0", plainAnswer, this.#commandMs);
    // Outside a send the driver never has the radio transmit, so busy means it is
    // still listening (a window the driver thought had ended).
    if (got === "busy") this.log.debug("modem-rx-already-on", { modem: this.modem });
    else if (got !== "ok") this.#refused("radio rx 0", got);
    this.rxArmed = true;
  }

  protected onUnsolicited(line: string): void {
    const rx = rxLine.exec(line);
    if (!rx && line !== "radio_err") return this.ignore(line);
    this.rxArmed = false;
    this.#rxEnded?.();
    this.#rxEnded = null;
    if (rx) this.deliverHex(rx[1] ?? "");
    this.scheduleRearm();
  }
}

/** Opens an RN2483/RN2903 on `port` (57600 8N1). Throws typed `ModemError`s. */
export function openRn2483(
  port: ByteLink,
  options: Rn2483Options = {},
  clock: Clock = systemClock,
  log: Logger = silentLogger,
): Promise<Rn2483> {
  const radio = new Rn2483(port, options, clock, log);
  return openAsciiRadio(radio, () => radio.init());
}
