/**
 * A scripted RN2483 for tests, on the module side of a serial link. It
 * answers the commands of Microchip's RN2483 command reference that ferry
 * uses, the way the manual describes: `radio tx` answers `ok` then, after
 * the airtime, `radio_tx_ok` (or `radio_err`); `radio rx 0` answers `ok`
 * and reports one frame as `radio_rx  <hex>` (two spaces, as the firmware
 * prints) before leaving receive mode; `radio rxstop` needs firmware
 * 1.0.5; busy radios answer `busy`, bad values `invalid_param`; the radio
 * watchdog ends receive windows with `radio_err`, and so does a frame
 * received with a failed CRC. The RN2903 takes only 902-928 MHz and 2 to
 * 20 dBm, the RN2483 433/868 MHz and -3 to 15 dBm; in FSK mode `radio tx`
 * takes at most 64 bytes; `mac pause` answers 0 (and pauses nothing)
 * while the LoRaWAN stack is busy.
 * @module
 */

import type { ByteLink } from "../../link/link.ts";
import { type AirRadio, FakeAir } from "./air.ts";
import { LineEndpoint } from "./_line_endpoint.ts";

/** How the fake behaves. */
export interface FakeRn2483Options {
  /** The air this radio transmits on and listens to. */
  air: FakeAir;
  /** Firmware version reported and obeyed (rxstop needs 1.0.5). Default "1.0.5". */
  firmware?: string;
  /** `RN2483` (default) or `RN2903`. */
  model?: "RN2483" | "RN2903";
  /** Airtime of a frame, in ms. Default 2. */
  airtimeMs?: (bytes: number) => number;
  /** Radio watchdog at power-up, in ms (the module's default is 15000). */
  watchdogMs?: number;
  /** `mac pause` answers 0 this many times first (LoRaWAN stack busy). Default 0. */
  macBusyPauses?: number;
}

/** Largest `radio tx` payload in FSK mode (command reference: 64 bytes). */
export const RN_FSK_PAYLOAD_MAX = 64;

type Mode = "idle" | "rx" | "tx";

/** Frequency and power ranges per model (RN2483 / RN2903 command references). */
const MODEL_RANGES = {
  RN2483: {
    freq: (f: number) =>
      (f >= 433_050_000 && f <= 434_790_000) || (f >= 863_000_000 && f <= 870_000_000),
    pwr: (p: number) => p >= -3 && p <= 15,
  },
  RN2903: {
    freq: (f: number) => f >= 902_000_000 && f <= 928_000_000,
    pwr: (p: number) => p >= 2 && p <= 20,
  },
} as const;

const RANGES: Record<string, (v: string) => boolean> = {
  mod: (v) => v === "lora" || v === "fsk",
  freq: (v) => /^\d+$/.test(v),
  pwr: (v) => /^-?\d+$/.test(v),
  sf: (v) => /^sf(7|8|9|10|11|12)$/.test(v),
  bw: (v) => ["125", "250", "500"].includes(v),
  cr: (v) => ["4/5", "4/6", "4/7", "4/8"].includes(v),
  prlen: (v) => /^\d+$/.test(v) && Number(v) <= 65535,
  crc: (v) => v === "on" || v === "off",
  sync: (v) => /^[0-9a-fA-F]{1,2}$/.test(v),
  wdt: (v) => /^\d+$/.test(v) && Number(v) <= 4_294_967_295,
};

/** A fake RN2483 on `port`, on the given air. */
export class FakeRn2483 implements AirRadio {
  /** Every command line received, in order. */
  readonly commands: string[] = [];
  /** Frames heard while not listening. */
  missedFrames = 0;
  /** Settings applied with `radio set`. */
  readonly settings = new Map<string, string>();
  readonly #io: LineEndpoint;
  readonly #air: FakeAir;
  readonly #options: FakeRn2483Options;
  #mode: Mode = "idle";
  #macPaused = false;
  #watchdogMs: number;
  #rxSession = 0;
  #failNextTx = 0;
  #busyNext = 0;
  #macBusyPauses: number;
  readonly #stop = new AbortController();

  constructor(port: ByteLink, options: FakeRn2483Options) {
    this.#io = new LineEndpoint(port);
    this.#air = options.air;
    this.#options = options;
    this.#watchdogMs = options.watchdogMs ?? 15000;
    this.#macBusyPauses = options.macBusyPauses ?? 0;
    this.#air.join(this);
    this.#io.start((line) => this.#onCommand(line));
  }

  /** What the radio is doing now. */
  get mode(): Mode {
    return this.#mode;
  }

  /** The next `count` transmissions end with `radio_err`. */
  failNextTx(count = 1): void {
    this.#failNextTx += count;
  }

  /** The next `count` `radio tx` commands are answered `busy`. */
  busyNextTx(count = 1): void {
    this.#busyNext += count;
  }

  /** Writes an arbitrary line to the host (garbage, boot noise). */
  say(line: string): Promise<void> {
    return this.#io.say(line);
  }

  /** Leaves the air and closes the port. */
  async close(): Promise<void> {
    this.#air.leave(this);
    this.#stop.abort();
    await this.#io.close();
  }

  /** The air delivered a frame (from {@linkcode AirRadio}). */
  hear(frame: Uint8Array, crcOk = true): void {
    if (this.#mode !== "rx") {
      this.missedFrames++;
      return;
    }
    this.#mode = "idle";
    if (!crcOk) return void this.#io.say("radio_err");
    const hex = [...frame].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join("");
    this.#io.say(`radio_rx  ${hex}`);
  }

  #onCommand(line: string): void {
    this.commands.push(line);
    const words = line.trim().split(/\s+/);
    const [w0, w1, w2, w3] = words;
    const say = (answer: string) => this.#io.say(answer);
    if (w0 === "sys" && w1 === "get" && w2 === "ver" && words.length === 3) {
      say(`${this.#options.model ?? "RN2483"} ${this.#firmware} Oct 31 2018 15:06:52`);
    } else if (w0 === "mac" && w1 === "pause" && words.length === 2) {
      if (this.#macBusyPauses > 0) {
        this.#macBusyPauses--;
        return void say("0");
      }
      this.#macPaused = true;
      say("4294967245");
    } else if (w0 === "radio" && w1 === "set" && w2 !== undefined && w3 !== undefined) {
      const check = RANGES[w2];
      if (!check || words.length !== 4 || !check(w3)) return void say("invalid_param");
      const model = MODEL_RANGES[this.#options.model ?? "RN2483"];
      if (w2 === "freq" && !model.freq(Number(w3))) return void say("invalid_param");
      if (w2 === "pwr" && !model.pwr(Number(w3))) return void say("invalid_param");
      if (this.#mode !== "idle") return void say("busy");
      this.settings.set(w2, w3);
      if (w2 === "wdt") this.#watchdogMs = Number(w3);
      say("ok");
    } else if (w0 === "radio" && w1 === "tx" && words.length === 3 && w2 !== undefined) {
      this.#tx(w2);
    } else if (w0 === "radio" && w1 === "rx" && words.length === 3 && /^\d+$/.test(w2 ?? "")) {
      if (this.#mode !== "idle" || !this.#macPaused) return void say("busy");
      this.#mode = "rx";
      const session = ++this.#rxSession;
      say("ok");
      if (this.#watchdogMs > 0) {
        this.#air.clock.sleep(this.#watchdogMs, this.#stop.signal).then(() => {
          if (this.#mode === "rx" && this.#rxSession === session) {
            this.#mode = "idle";
            say("radio_err");
          }
        }, () => {});
      }
    } else if (w0 === "radio" && w1 === "rxstop" && words.length === 2) {
      if (!this.#rxStopSupported) return void say("invalid_param");
      if (this.#mode === "rx") this.#mode = "idle";
      say("ok");
    } else {
      say("invalid_param");
    }
  }

  #tx(hex: string): void {
    const say = (answer: string) => this.#io.say(answer);
    if (!/^([0-9a-fA-F]{2}){1,255}$/.test(hex)) return void say("invalid_param");
    if (this.settings.get("mod") === "fsk" && hex.length / 2 > RN_FSK_PAYLOAD_MAX) {
      return void say("invalid_param");
    }
    if (this.#busyNext > 0) {
      this.#busyNext--;
      return void say("busy");
    }
    if (this.#mode !== "idle" || !this.#macPaused) return void say("busy");
    this.#mode = "tx";
    const frame = new Uint8Array(hex.length / 2);
    for (let i = 0; i < frame.length; i++) frame[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    say("ok");
    const airtime = this.#options.airtimeMs?.(frame.length) ?? 2;
    const failed = this.#failNextTx > 0;
    if (failed) this.#failNextTx--;
    const stop = this.#stop.signal;
    const sending = failed
      ? this.#air.clock.sleep(airtime, stop)
      : this.#air.transmit(this, frame, airtime, stop);
    sending.then(() => {
      this.#mode = "idle";
      say(failed ? "radio_err" : "radio_tx_ok");
    }, () => {});
  }

  get #firmware(): string {
    return this.#options.firmware ?? "1.0.5";
  }

  get #rxStopSupported(): boolean {
    const [a = 0, b = 0, c = 0] = this.#firmware.split(".").map(Number);
    return a * 10000 + b * 100 + c >= 10005;
  }
}
