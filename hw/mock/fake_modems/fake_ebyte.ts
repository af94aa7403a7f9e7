/**
 * A scripted Ebyte module (E22 / E220 / E32) in transparent mode, for
 * tests, on the module side of a serial link. As the manuals describe: UART
 * bytes go into a buffer of fixed size (E22 1000, E32 512, E220 400 bytes;
 * bytes beyond it are lost and counted), the module starts an air packet
 * when a full packet is buffered or the UART falls silent, one packet at a
 * time, and drives AUX low (busy) while anything is buffered or on the air.
 * AUX is written to a file, as a GPIO `value` file reads. Received packets
 * go to the UART, with an RSSI byte appended when enabled; AUX goes low
 * before the first byte of received data goes out and high after the last
 * (the module is busy while it outputs).
 *
 * The M0/M1 pins pick the mode ({@linkcode FakeEbyte.setPins}): only
 * normal mode (M0 = M1 = 0) sends and receives. In configuration mode
 * (E22/E220: M0 = 0, M1 = 1; E32: M0 = M1 = 1) the radio is off and UART
 * bytes are register commands as the E22/E220 manuals give them: `C0 addr
 * len data...` writes (answered `C1 addr len data...`), `C1 addr len`
 * reads, anything else is answered `FF FF FF` (the E32's older `C0` + 5
 * bytes / `C1 C1 C1` scheme is not modelled); nothing goes on the air. Other modes (wake-on-radio, sleep)
 * neither send nor receive.
 * @module
 */

import type { ByteLink } from "../../link/link.ts";
import { type AirRadio, FakeAir } from "./air.ts";

/** Module families and their UART buffer sizes, in bytes. */
export const FAKE_EBYTE_BUFFER_BYTES = { e22: 1000, e220: 400, e32: 512 } as const;

/** How the fake behaves. */
export interface FakeEbyteOptions {
  air: FakeAir;
  /** Module family. Default `e22`. */
  model?: keyof typeof FAKE_EBYTE_BUFFER_BYTES;
  /** Air packet size. Default 240. */
  packetBytes?: number;
  /** Buffer size override, in bytes. Default: the family's. */
  bufferBytes?: number;
  /** Air data rate, in bit/s. Default 62500. */
  airDataRateBps?: number;
  /** File the AUX level is written to (`1` idle, `0` busy). */
  auxPath?: string;
  /** Append an RSSI byte to each received packet. Default false. */
  rssiByte?: boolean;
  /** UART silence that starts a partial packet, in ms. Default 3. */
  uartIdleMs?: number;
}

/** Registers of the fake in configuration mode (E22 layout: address, network, UART/air rate, ...). */
const REGISTER_BYTES = 9;

/** The RSSI byte value the fake appends. */
export const FAKE_EBYTE_RSSI = 0xa5;

/** A fake Ebyte module on `port`, on the given air. */
export class FakeEbyte implements AirRadio {
  /** Bytes lost because the buffer was full: must stay 0 with a correct driver. */
  overflowBytes = 0;
  /** Sizes of the air packets sent, in order. */
  readonly packetSizes: number[] = [];
  /** Packets heard while transmitting (half duplex) or outside normal mode. */
  missedPackets = 0;
  /** AUX levels written, in order, with why (tests read the module's busy periods). */
  readonly auxHistory: { idle: boolean; why: string }[] = [];
  /** Configuration registers (read and written in configuration mode). */
  readonly registers = new Uint8Array(REGISTER_BYTES);
  #m0 = 0;
  #m1 = 0;
  #rxOutputs = 0;
  #config: number[] = [];
  readonly #port: ByteLink;
  readonly #air: FakeAir;
  readonly #options: FakeEbyteOptions;
  readonly #stop = new AbortController();
  #buffer: number[] = [];
  #transmitting = false;
  #idleTimer: AbortController | null = null;
  #writing: Promise<void> = Promise.resolve();
  #loop: Promise<void>;

  constructor(port: ByteLink, options: FakeEbyteOptions) {
    this.#port = port;
    this.#air = options.air;
    this.#options = options;
    this.#setAux(true, "power-up");
    this.#air.join(this);
    this.#loop = this.#read();
  }

  get #capacity(): number {
    return this.#options.bufferBytes ?? FAKE_EBYTE_BUFFER_BYTES[this.#options.model ?? "e22"];
  }

  get #packetBytes(): number {
    return this.#options.packetBytes ?? 240;
  }

  /** Leaves the air and closes the port. */
  async close(): Promise<void> {
    this.#air.leave(this);
    this.#stop.abort();
    this.#idleTimer?.abort();
    await this.#port.close();
    await this.#loop;
  }

  /** Sets the M0 and M1 pins (0 or 1), as the host's wiring or GPIOs would. */
  setPins(m0: number, m1: number): void {
    this.#m0 = m0 ? 1 : 0;
    this.#m1 = m1 ? 1 : 0;
    this.#config = [];
  }

  /** The mode the pins select. */
  get mode(): "normal" | "configuration" | "other" {
    if (this.#m0 === 0 && this.#m1 === 0) return "normal";
    const config = (this.#options.model ?? "e22") === "e32"
      ? this.#m0 === 1 && this.#m1 === 1
      : this.#m0 === 0 && this.#m1 === 1;
    return config ? "configuration" : "other";
  }

  /** The air delivered a frame (from {@linkcode AirRadio}). */
  hear(packet: Uint8Array, crcOk = true): void {
    if (!crcOk) return; // the module drops packets whose CRC failed
    if (this.#transmitting || this.mode !== "normal") {
      this.missedPackets++;
      return;
    }
    const out = this.#options.rssiByte ? new Uint8Array([...packet, FAKE_EBYTE_RSSI]) : packet;
    // AUX goes low before the received data goes out on the UART and high after it.
    this.#rxOutputs++;
    this.#setAux(false, "rx-output");
    this.#writing = this.#writing.then(() => this.#port.write(out)).catch(() => {}).finally(() => {
      this.#rxOutputs--;
      if (this.#rxOutputs === 0 && !this.#transmitting && this.#buffer.length === 0) {
        this.#setAux(true, "rx-output-done");
      }
    });
  }

  async #read(): Promise<void> {
    try {
      for (;;) {
        const chunk = await this.#port.read();
        if (chunk === null) return;
        if (this.mode === "configuration") {
          this.#configure(chunk);
          continue;
        }
        if (this.mode !== "normal") continue; // asleep: the UART is not read
        for (const b of chunk) {
          if (this.#buffer.length >= this.#capacity) this.overflowBytes++;
          else this.#buffer.push(b);
        }
        this.#setAux(false, "tx-buffer");
        this.#idleTimer?.abort();
        const timer = this.#idleTimer = new AbortController();
        this.#air.clock.sleep(this.#options.uartIdleMs ?? 3, timer.signal).then(
          () => this.#send(true),
          () => {},
        );
        this.#send(false);
      }
    } catch { /* port gone */ }
  }

  /** Starts the next packet if the radio is free and a packet is due. */
  #send(uartIdle: boolean): void {
    if (this.#transmitting || this.#stop.signal.aborted) return;
    const due = this.#buffer.length >= this.#packetBytes || (uartIdle && this.#buffer.length > 0);
    if (!due) {
      if (this.#buffer.length === 0 && this.#rxOutputs === 0) this.#setAux(true, "idle");
      return;
    }
    const packet = new Uint8Array(this.#buffer.splice(0, this.#packetBytes));
    this.packetSizes.push(packet.length);
    this.#transmitting = true;
    const airtime = (packet.length * 8 * 1000) / (this.#options.airDataRateBps ?? 62500);
    this.#air.transmit(this, packet, airtime, this.#stop.signal).then(() => {
      this.#transmitting = false;
      this.#send(true);
    }, () => {});
  }

  /** Register commands in configuration mode (E22 manual, section "register read/write"). */
  #configure(chunk: Uint8Array): void {
    this.#config.push(...chunk);
    const c = this.#config;
    const reply = (bytes: number[]) => {
      const out = new Uint8Array(bytes);
      this.#writing = this.#writing.then(() => this.#port.write(out)).catch(() => {});
    };
    while (c.length >= 3) {
      const [cmd, addr, len] = c as [number, number, number];
      const fits = addr + len <= REGISTER_BYTES && len > 0;
      if (cmd === 0xc0) {
        if (!fits) {
          c.splice(0, c.length);
          return reply([0xff, 0xff, 0xff]);
        }
        if (c.length < 3 + len) return;
        const data = c.splice(0, 3 + len).slice(3);
        this.registers.set(data, addr);
        reply([0xc1, addr, len, ...data]);
      } else if (cmd === 0xc1) {
        c.splice(0, 3);
        if (!fits) return reply([0xff, 0xff, 0xff]);
        reply([0xc1, addr, len, ...this.registers.subarray(addr, addr + len)]);
      } else {
        c.splice(0, c.length);
        reply([0xff, 0xff, 0xff]);
      }
    }
  }

  #setAux(idle: boolean, why: string): void {
    this.auxHistory.push({ idle, why });
    if (this.auxHistory.length > 10_000) this.auxHistory.shift();
    const path = this.#options.auxPath;
    if (!path) return;
    // Replace the file in one step, so a reader never sees it empty (as sysfs never is).
    Deno.writeTextFileSync(`${path}.new`, idle ? "1\n" : "0\n");
    Deno.renameSync(`${path}.new`, path);
  }
}
