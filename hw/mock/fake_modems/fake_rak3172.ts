/**
 * A scripted RAK3172 with RUI3 AT firmware, for tests, on the module side
 * of a serial link. It follows the RUI3 AT command manual for the P2P
 * commands ferry uses: answers end in `OK` or an `AT_*_ERROR` code;
 * `AT+NWM=0` from LoRaWAN mode reboots the module (banner, commands lost
 * meanwhile); `AT+PRECV=65534` listens until `AT+PRECV=0` and makes
 * `AT+PSEND` answer `AT_BUSY_ERROR`, `65533` listens and allows sending,
 * `65535` listens for one frame; `AT+PSEND` answers `OK` then, after the
 * airtime, `+EVT:TXP2P DONE`; frames arrive as `+EVT:RXP2P:<rssi>:<snr>:<hex>`.
 * `AT+PRECV=1..65532` listens that many ms for one frame: the window
 * expires with `+EVT:RXP2P RECEIVE TIMEOUT` and the radio stops
 * listening. Older RUI3 releases report a frame on two lines,
 * `+EVT:RXP2P, RSSI <rssi>, SNR <snr>` then `+EVT:<hex>` (`legacyEvents`).
 * @module
 */

import type { ByteLink } from "../../link/link.ts";
import { type AirRadio, FakeAir } from "./air.ts";
import { LineEndpoint } from "./_line_endpoint.ts";

/** How the fake behaves. */
export interface FakeRak3172Options {
  air: FakeAir;
  /** Work mode at power-up: 0 P2P, 1 LoRaWAN (factory default), 2 FSK. Default 1. */
  workMode?: number;
  /** Reboot time after a work mode change, in ms. Default 50. */
  rebootMs?: number;
  /** Echo each command line back (as `ATE` does). Default false. */
  echo?: boolean;
  /** Airtime of a frame, in ms. Default 2. */
  airtimeMs?: (bytes: number) => number;
  /** Hardware variant: `high` (above 600 MHz, default) or `low`; the other band is refused. */
  band?: "high" | "low";
  /** Report received frames on two lines, as older RUI3 releases do. Default false. */
  legacyEvents?: boolean;
}

const P2P_RANGES: ((v: number) => boolean)[] = [
  (f) => f >= 150_000_000 && f <= 960_000_000,
  (sf) => sf >= 5 && sf <= 12,
  (bw) => [125, 250, 500].includes(bw) || (bw >= 0 && bw <= 9),
  (cr) => cr >= 0 && cr <= 3,
  (pl) => pl >= 5 && pl <= 65535,
  (p) => p >= 5 && p <= 22,
];

/** A fake RUI3 module on `port`, on the given air. */
export class FakeRak3172 implements AirRadio {
  /** Every command line received, in order (also those lost in a reboot). */
  readonly commands: string[] = [];
  /** `AT+P2P` value last applied. */
  p2p = "868000000:7:125:0:8:14";
  /** 0 = not listening, else the `AT+PRECV` value in force. */
  precv = 0;
  /** Frames heard while not listening. */
  missedFrames = 0;
  /** Reboots done. */
  reboots = 0;
  readonly #io: LineEndpoint;
  readonly #air: FakeAir;
  readonly #options: FakeRak3172Options;
  readonly #stop = new AbortController();
  #workMode: number;
  #rebooting = false;
  #transmitting = false;
  #busyNext = 0;
  #rejectNext: { prefix: string; code: string } | null = null;
  /** Ends the current timed receive window. */
  #window: AbortController | null = null;

  constructor(port: ByteLink, options: FakeRak3172Options) {
    this.#io = new LineEndpoint(port);
    this.#air = options.air;
    this.#options = options;
    this.#workMode = options.workMode ?? 1;
    this.#air.join(this);
    this.#io.start((line) => this.#onCommand(line));
  }

  /** The work mode now (0 = P2P). */
  get workMode(): number {
    return this.#workMode;
  }

  /** True while a frame is on the air. */
  get transmitting(): boolean {
    return this.#transmitting;
  }

  /** The next `count` `AT+PSEND` commands answer `AT_BUSY_ERROR`. */
  busyNextSend(count = 1): void {
    this.#busyNext += count;
  }

  /** The next command starting with `prefix` is answered with the error `code`. */
  rejectNext(prefix: string, code: string): void {
    this.#rejectNext = { prefix, code };
  }

  /** Writes an arbitrary line to the host. */
  say(line: string): Promise<void> {
    return this.#io.say(line);
  }

  /** Leaves the air and closes the port. */
  async close(): Promise<void> {
    this.#air.leave(this);
    this.#window?.abort();
    this.#stop.abort();
    await this.#io.close();
  }

  /** The air delivered a frame (from {@linkcode AirRadio}). */
  hear(frame: Uint8Array, crcOk = true): void {
    if (this.precv === 0 || this.#transmitting || this.#rebooting) {
      this.missedFrames++;
      return;
    }
    // One frame ends a single or timed window.
    if (this.precv === 65535 || this.precv < 65533) this.#endWindow();
    if (!crcOk) return void this.#io.say("+EVT:RXP2P RECEIVE ERROR");
    const hex = [...frame].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join("");
    if (this.#options.legacyEvents) {
      this.#io.say("+EVT:RXP2P, RSSI -42, SNR 9");
      this.#io.say(`+EVT:${hex}`);
    } else {
      this.#io.say(`+EVT:RXP2P:-42:9:${hex}`);
    }
  }

  #reply(code: string): void {
    this.#io.writeRaw(new TextEncoder().encode(`\r\n${code}\r\n`));
  }

  #onCommand(line: string): void {
    this.commands.push(line);
    if (this.#rebooting) return;
    if (this.#options.echo) this.#io.say(line);
    if (this.#rejectNext && line.startsWith(this.#rejectNext.prefix)) {
      const { code } = this.#rejectNext;
      this.#rejectNext = null;
      return this.#reply(code);
    }
    const m = /^AT(?:\+([A-Z0-9]+))?(?:=(.*))?$/.exec(line.trim());
    if (!m) return this.#reply("AT_COMMAND_NOT_FOUND");
    const [, name, arg] = m;
    if (name === undefined && arg === undefined) return this.#reply("OK");
    switch (name) {
      case "NWM":
        return this.#nwm(arg);
      case "P2P":
        if (this.#workMode !== 0) return this.#reply("AT_MODE_NO_SUPPORT");
        if (arg === "?") {
          this.#io.say(`AT+P2P=${this.p2p}`);
          return this.#reply("OK");
        }
        return this.#setP2p(arg ?? "");
      case "PRECV":
        return this.#precv(arg ?? "");
      case "PSEND":
        return this.#psend(arg ?? "");
      default:
        return this.#reply("AT_COMMAND_NOT_FOUND");
    }
  }

  #nwm(arg: string | undefined): void {
    if (arg === "?") {
      this.#io.say(`AT+NWM=${this.#workMode}`);
      return this.#reply("OK");
    }
    if (arg === undefined || !/^[0-2]$/.test(arg)) return this.#reply("AT_PARAM_ERROR");
    this.#reply("OK");
    if (Number(arg) === this.#workMode) return;
    this.#workMode = Number(arg);
    this.#rebooting = true;
    this.precv = 0;
    this.#air.clock.sleep(this.#options.rebootMs ?? 50, this.#stop.signal).then(() => {
      this.#rebooting = false;
      this.reboots++;
      this.#io.say("RAKwireless RAK3172-E Example");
      this.#io.say("------------------------------------------------------");
      this.#io.say(`Current Work Mode: ${this.#workMode === 0 ? "LoRa P2P" : "LoRaWAN"}.`);
    }, () => {});
  }

  #setP2p(arg: string): void {
    const parts = arg.split(":");
    const ok = parts.length === 6 &&
      parts.every((p, i) => /^\d+$/.test(p) && (P2P_RANGES[i]?.(Number(p)) ?? false));
    if (!ok) return this.#reply("AT_PARAM_ERROR");
    const high = Number(parts[0]) > 600_000_000;
    if (high !== ((this.#options.band ?? "high") === "high")) return this.#reply("AT_ERROR");
    this.p2p = arg;
    this.#reply("OK");
  }

  #precv(arg: string): void {
    if (this.#workMode === 1) return this.#reply("AT_MODE_NO_SUPPORT");
    if (!/^\d+$/.test(arg) || Number(arg) > 65535) return this.#reply("AT_PARAM_ERROR");
    const value = Number(arg);
    if (value !== 0 && this.precv >= 65533) {
      this.#io.say("P2P_RX_ON already");
      return this.#reply("AT_BUSY_ERROR");
    }
    this.#endWindow();
    this.precv = value;
    this.#reply("OK");
    if (value >= 1 && value <= 65532) {
      const window = this.#window = new AbortController();
      this.#air.clock.sleep(value, window.signal).then(() => {
        if (this.#window !== window) return;
        this.#window = null;
        this.precv = 0;
        this.#io.say("+EVT:RXP2P RECEIVE TIMEOUT");
      }, () => {});
    }
  }

  #endWindow(): void {
    this.#window?.abort();
    this.#window = null;
    this.precv = 0;
  }

  #psend(arg: string): void {
    if (this.#workMode === 1) return this.#reply("AT_MODE_NO_SUPPORT");
    if (!/^([0-9a-fA-F]{2}){1,255}$/.test(arg)) return this.#reply("AT_PARAM_ERROR");
    if (this.#busyNext > 0) {
      this.#busyNext--;
      return this.#reply("AT_BUSY_ERROR");
    }
    const listeningBlocks = this.precv !== 0 && this.precv !== 65533;
    if (this.#transmitting || listeningBlocks) return this.#reply("AT_BUSY_ERROR");
    const frame = new Uint8Array(arg.length / 2);
    for (let i = 0; i < frame.length; i++) frame[i] = parseInt(arg.slice(2 * i, 2 * i + 2), 16);
    this.#transmitting = true;
    this.#reply("OK");
    const airtime = this.#options.airtimeMs?.(frame.length) ?? 2;
    this.#air.transmit(this, frame, airtime, this.#stop.signal).then(() => {
      this.#transmitting = false;
      this.#io.say("+EVT:TXP2P DONE");
    }, () => {});
  }
}
