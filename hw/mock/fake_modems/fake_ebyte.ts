/**
 * A scripted Ebyte module (E22 / E220 / E32) in transparent mode, for
 * tests, on the module side of a serial link. As the manuals describe: UART
 * bytes go into a buffer of fixed size (E22 1000, E32 512, E220 400 bytes;
 * bytes beyond it are lost and counted), the module starts an air packet
 * when a full packet is buffered or the UART falls silent, one packet at a
 * time, and drives AUX low (busy) while anything is buffered or on the air.
 * AUX is written to a file, as a GPIO `value` file reads. Received packets
 * go to the UART, with an RSSI byte appended when enabled.
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

/** The RSSI byte value the fake appends. */
export const FAKE_EBYTE_RSSI = 0xa5;

/** A fake Ebyte module on `port`, on the given air. */
export class FakeEbyte implements AirRadio {
  /** Bytes lost because the buffer was full: must stay 0 with a correct driver. */
  overflowBytes = 0;
  /** Sizes of the air packets sent, in order. */
  readonly packetSizes: number[] = [];
  /** Packets heard while transmitting (half duplex). */
  missedPackets = 0;
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
    this.#setAux(true);
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

  /** The air delivered a frame (from {@linkcode AirRadio}). */
  hear(packet: Uint8Array, crcOk = true): void {
    if (!crcOk) return; // the module drops packets whose CRC failed
    if (this.#transmitting) {
      this.missedPackets++;
      return;
    }
    const out = this.#options.rssiByte ? new Uint8Array([...packet, FAKE_EBYTE_RSSI]) : packet;
    this.#writing = this.#writing.then(() => this.#port.write(out)).catch(() => {});
  }

  async #read(): Promise<void> {
    try {
      for (;;) {
        const chunk = await this.#port.read();
        if (chunk === null) return;
        for (const b of chunk) {
          if (this.#buffer.length >= this.#capacity) this.overflowBytes++;
          else this.#buffer.push(b);
        }
        this.#setAux(false);
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
      if (this.#buffer.length === 0) this.#setAux(true);
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

  #setAux(idle: boolean): void {
    const path = this.#options.auxPath;
    if (!path) return;
    // Replace the file in one step, so a reader never sees it empty (as sysfs never is).
    Deno.writeTextFileSync(`${path}.new`, idle ? "1\n" : "0\n");
    Deno.renameSync(`${path}.new`, path);
  }
}
