/**
 * RAKwireless RAK3172 (and other RUI3 AT modules) in LoRa P2P mode, as a
 * {@linkcode FrameLink} (MTU 255 bytes). The port runs at 115200 8N1.
 *
 * At open: `AT` until the module answers, `AT+PRECV=0` (a previous run may
 * have left it listening), `AT+NWM=?` and, if not in P2P mode,
 * `AT+NWM=0` (the module reboots: the driver probes `AT` until it is back),
 * `AT+P2P=freq:sf:bw:cr:preamble:power`, then `AT+PRECV=65534` (listen
 * until stopped) or `65533` (listen and allow sending). Frames arrive as
 * `+EVT:RXP2P:<rssi>:<snr>:<hex>` (older RUI3 releases: `+EVT:RXP2P, RSSI
 * <rssi>, SNR <snr>` then `+EVT:<hex>`). `send()` issues `AT+PSEND=<hex>`,
 * expects `OK` and resolves on `+EVT:TXP2P DONE`: at the end of
 * transmission.
 * @module
 */

import { type Clock, systemClock } from "../clock/clock.ts";
import type { ByteLink } from "../link/link.ts";
import { type Logger, silentLogger } from "../log.ts";
import { AsciiRadio, openAsciiRadio } from "./_ascii_radio.ts";
import {
  ModemBusyError,
  ModemProtocolError,
  ModemRejectedError,
  ModemTimeoutError,
} from "./errors.ts";
import { toHex } from "./_hex.ts";
import { loraAirtimeMs } from "./lora_airtime.ts";
import {
  rak3172CommandTimeoutMsDefault,
  rak3172FrameBytesMax,
  type Rak3172Options,
  rak3172P2pCommand,
  rak3172ProbeIntervalMs,
  rak3172RearmRetryMs,
  rak3172RebootTimeoutMsDefault,
  rak3172TxDoneTimeoutMsDefault,
} from "./rak3172_options.ts";

/** `OK`, or the `AT_*` error code the module printed. */
type Result = { ok: true } | { ok: false; code: string };
const result = (l: string): Result | undefined =>
  l === "OK" ? { ok: true } : /^AT_[A-Z_]+$/.test(l) ? { ok: false, code: l } : undefined;
const rxEvent = /^\+EVT:RXP2P:(-?\d+):(-?\d+):(\S*)$/;
/** Older RUI3 releases: a header line, then `+EVT:<hex>` on the next line. */
const legacyRxHeader = /^\+EVT:RXP2P, RSSI (-?\d+), SNR (-?\d+)$/;
const legacyRxData = /^\+EVT:([0-9A-Fa-f]*)$/;

/** A RUI3 module in P2P mode as a frame link. Create with {@linkcode openRak3172}. */
export class Rak3172 extends AsciiRadio {
  /** RSSI of the last received frame, in dBm. */
  lastRssi = 0;
  /** SNR of the last received frame, in dB. */
  lastSnr = 0;
  readonly #options: Rak3172Options;
  /** An older firmware's `+EVT:RXP2P, RSSI ..., SNR ...` came: the next `+EVT:<hex>` is the frame. */
  #legacyPending = false;

  /** @internal Use {@linkcode openRak3172}. */
  constructor(port: ByteLink, options: Rak3172Options, clock: Clock, log: Logger) {
    super(port, {
      modem: "rak3172",
      mtu: rak3172FrameBytesMax,
      clock,
      log,
      rearmRetryMs: rak3172RearmRetryMs,
      txGapMs: options.txGapMs ?? 0,
      ...(options.receiveQueueFramesMax
        ? { receiveQueueFramesMax: options.receiveQueueFramesMax }
        : {}),
    });
    this.#options = options;
  }

  get #commandMs(): number {
    return this.#options.commandTimeoutMs ?? rak3172CommandTimeoutMsDefault;
  }

  get #precv(): number {
    return this.#options.receiveMode === "tx-compatible" ? 65533 : 65534;
  }

  /** Sends `command`, waits for `OK` or an `AT_*` error, throws the typed error. */
  async #at(command: string, timeoutMs = this.#commandMs): Promise<void> {
    const got = await this.channel.request(command, result, timeoutMs);
    if (!got.ok) this.#fail(command, got.code);
  }

  #fail(command: string, code: string): never {
    const text = `rak3172 answered ${code} to "${command.slice(0, 40)}"`;
    if (code === "AT_BUSY_ERROR") {
      throw new ModemBusyError(this.modem, `${text}; try again`, command, code);
    }
    throw new ModemRejectedError(
      this.modem,
      `${text}: check the value and the mode`,
      command,
      code,
    );
  }

  /** @internal Finds the module, switches to P2P, applies settings, listens. */
  async init(): Promise<void> {
    this.channel.start();
    if (!(await this.#probe(3))) {
      throw new ModemProtocolError(
        this.modem,
        "No RUI3 module answered AT; check the port and that it runs at 115200 baud",
        "AT",
      );
    }
    await this.channel.request("AT+PRECV=0", result, this.#commandMs); // any answer will do
    if ((await this.#workMode()) !== 0) await this.#switchToP2p();
    if (this.#options.p2p) await this.#at(rak3172P2pCommand(this.#options.p2p));
    await this.exclusive(() => this.arm());
    this.log.info("modem-open", { modem: this.modem, precv: this.#precv });
  }

  async #probe(attempts: number, timeoutMs = this.#commandMs): Promise<boolean> {
    for (let i = 0; i < attempts; i++) {
      try {
        const got = await this.channel.request("AT", result, timeoutMs);
        if (got.ok) return true;
      } catch (err) {
        if (!(err instanceof ModemTimeoutError)) throw err;
      }
    }
    return false;
  }

  async #workMode(): Promise<number> {
    // The value line comes first, then OK; wait for both so the OK answers nothing else.
    const trailer = this.channel.expect(
      (l) => (l === "OK" ? true : undefined),
      this.#commandMs,
      "OK",
    );
    trailer.catch(() => {});
    const got = await this.channel.request("AT+NWM=?", (l) => {
      const mode = /^(?:AT\+NWM=)?([0-2])$/.exec(l)?.[1];
      if (mode !== undefined) return Number(mode);
      const r = result(l);
      return r && !r.ok ? r.code : undefined;
    }, this.#commandMs);
    if (typeof got === "string") this.#fail("AT+NWM=?", got);
    await trailer;
    return got;
  }

  async #switchToP2p(): Promise<void> {
    this.log.info("modem-switch-to-p2p", { modem: this.modem });
    const rebootMs = this.#options.rebootTimeoutMs ?? rak3172RebootTimeoutMsDefault;
    try {
      await this.#at("AT+NWM=0");
    } catch (err) {
      if (!(err instanceof ModemTimeoutError)) throw err; // some releases reboot before OK
    }
    const deadline = this.clock.now() + rebootMs;
    let back = false;
    while (!back && this.clock.now() < deadline) {
      await this.clock.sleep(rak3172ProbeIntervalMs);
      back = await this.#probe(1, Math.min(this.#commandMs, 500));
    }
    if (!back || (await this.#workMode()) !== 0) {
      throw new ModemProtocolError(
        this.modem,
        `rak3172 did not come back in P2P mode within ${rebootMs} ms after AT+NWM=0`,
        "AT+NWM=0",
      );
    }
  }

  protected async arm(): Promise<void> {
    await this.#at(`AT+PRECV=${this.#precv}`);
    this.rxArmed = true;
  }

  protected async transmit(frame: Uint8Array): Promise<void> {
    if (this.rxArmed && this.#precv === 65534) {
      await this.#at("AT+PRECV=0");
      this.rxArmed = false;
    }
    const command = `AT+PSEND=${toHex(frame)}`;
    const cancel = new AbortController();
    // Registered before the command: the event may come in the same read as OK.
    const done = this.channel.expect(
      (l) => (l === "+EVT:TXP2P DONE" ? true : undefined),
      this.#txDoneMs(),
      "+EVT:TXP2P DONE",
      cancel.signal,
    );
    done.catch(() => {});
    try {
      await this.#at(command);
    } catch (err) {
      cancel.abort(err);
      throw err;
    }
    await done;
    this.log.debug("modem-tx-done", { modem: this.modem, bytes: frame.length });
  }

  #txDoneMs(): number {
    if (this.#options.txDoneTimeoutMs) return this.#options.txDoneTimeoutMs;
    const p = this.#options.p2p;
    if (!p) return rak3172TxDoneTimeoutMsDefault;
    const airtime = loraAirtimeMs(this.mtu, {
      sf: p.sf,
      bwHz: p.bwKhz * 1000,
      cr: Number(p.cr.slice(2)) - 4,
      preamble: p.preamble,
    });
    return Math.ceil(2 * airtime + 2000);
  }

  protected onUnsolicited(line: string): void {
    const rx = rxEvent.exec(line);
    if (rx) {
      this.lastRssi = Number(rx[1]);
      this.lastSnr = Number(rx[2]);
      this.deliverHex(rx[3] ?? "");
      return;
    }
    const header = legacyRxHeader.exec(line);
    if (header) {
      this.lastRssi = Number(header[1]);
      this.lastSnr = Number(header[2]);
      this.#legacyPending = true;
      return;
    }
    const data = this.#legacyPending ? legacyRxData.exec(line) : null;
    this.#legacyPending = false;
    if (data) {
      this.deliverHex(data[1] ?? "");
      return;
    }
    if (line.startsWith("+EVT:RXP2P RECEIVE")) {
      // ERROR or TIMEOUT: with 65534/65533 the module keeps listening.
      this.log.debug("modem-rx-event", { modem: this.modem, event: line });
      return;
    }
    this.ignore(line);
  }
}

/** Opens a RAK3172 (RUI3) on `port` (115200 8N1) in P2P mode. Throws typed `ModemError`s. */
export function openRak3172(
  port: ByteLink,
  options: Rak3172Options = {},
  clock: Clock = systemClock,
  log: Logger = silentLogger,
): Promise<Rak3172> {
  const radio = new Rak3172(port, options, clock, log);
  return openAsciiRadio(radio, () => radio.init());
}
