/**
 * A scripted KISS TNC for tests, on the TNC side of a serial link. It
 * decodes the host's KISS stream (FEND/FESC framing, port and command in
 * the first byte), puts data frames of its port on the air, and reports
 * frames heard on the air as data frames. As an RNode it also answers the
 * detect request, echoes radio settings back, only transmits once the
 * radio is switched on, and sends RSSI/SNR statistics frames before each
 * received frame, as RNode firmware does.
 * @module
 */

import type { ByteLink } from "../../link/link.ts";
import { encodeKiss, KissDecoder } from "../../modem/kiss_codec.ts";
import { type AirRadio, FakeAir } from "./air.ts";

/** How the fake behaves. */
export interface FakeKissTncOptions {
  air: FakeAir;
  /** Behave as RNode firmware. Default false (a plain KISS TNC). */
  rnode?: boolean;
  /** Largest frame the TNC takes from the host, in bytes. Default 508 (RNode). */
  frameBytesMax?: number;
  /** Airtime of a frame, in ms. Default 2. */
  airtimeMs?: (bytes: number) => number;
}

/** RNode setting commands the fake echoes (frequency ... radio state). */
const RNODE_SETTINGS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06];

/** A fake KISS TNC on `port`, on the given air. */
export class FakeKissTnc implements AirRadio {
  /** Every frame received from the host: [command byte, payload]. */
  readonly fromHost: [number, Uint8Array][] = [];
  /** Bytes the host sent before its first FEND (command-mode text would land here). */
  bytesBeforeFirstFend = 0;
  /** Frames from the host dropped as too long. */
  oversized = 0;
  /** RNode settings received, by command byte. */
  readonly settings = new Map<number, Uint8Array>();
  readonly #port: ByteLink;
  readonly #air: FakeAir;
  readonly #options: FakeKissTncOptions;
  readonly #stop = new AbortController();
  readonly #decoder: KissDecoder;
  #seenFend = false;
  #radioOn: boolean;
  #writing: Promise<void> = Promise.resolve();
  #loop: Promise<void>;

  constructor(port: ByteLink, options: FakeKissTncOptions) {
    this.#port = port;
    this.#air = options.air;
    this.#options = options;
    this.#radioOn = !options.rnode;
    this.#decoder = new KissDecoder(4096, (c, p) => this.#onFrame(c, p));
    this.#air.join(this);
    this.#loop = this.#read();
  }

  /** Sends a KISS frame to the host (other ports, unknown commands). */
  sendFrame(command: number, payload: Uint8Array): Promise<void> {
    return this.sendRaw(encodeKiss(command, payload));
  }

  /** Sends raw bytes to the host (line noise). */
  sendRaw(bytes: Uint8Array): Promise<void> {
    const next = this.#writing.then(() => this.#port.write(bytes)).catch(() => {});
    this.#writing = next;
    return next;
  }

  /** Leaves the air and closes the port. */
  async close(): Promise<void> {
    this.#air.leave(this);
    this.#stop.abort();
    await this.#port.close();
    await this.#loop;
  }

  /** The air delivered a frame (from {@linkcode AirRadio}). */
  hear(frame: Uint8Array): void {
    if (!this.#radioOn) return;
    if (this.#options.rnode) {
      this.sendFrame(0x23, new Uint8Array([100]));
      this.sendFrame(0x24, new Uint8Array([20]));
    }
    this.sendFrame(0x00, frame);
  }

  async #read(): Promise<void> {
    try {
      for (;;) {
        const chunk = await this.#port.read();
        if (chunk === null) return;
        if (!this.#seenFend) {
          const at = chunk.indexOf(0xc0);
          this.bytesBeforeFirstFend += at < 0 ? chunk.length : at;
          this.#seenFend = at >= 0;
        }
        this.#decoder.push(chunk);
      }
    } catch { /* port gone */ }
  }

  #onFrame(command: number, payload: Uint8Array): void {
    this.fromHost.push([command, payload]);
    if (this.#options.rnode && command === 0x08 && payload[0] === 0x73) {
      this.sendFrame(0x08, new Uint8Array([0x46]));
      return;
    }
    if (this.#options.rnode && RNODE_SETTINGS.includes(command)) {
      this.settings.set(command, payload);
      if (command === 0x06) this.#radioOn = payload[0] === 1;
      // Like the firmware: the tx power is capped at the board's limit before the echo.
      const echo = command === 0x03 ? new Uint8Array([Math.min(payload[0] ?? 0, 22)]) : payload;
      this.sendFrame(command, echo);
      return;
    }
    if (command !== 0x00) return;
    if (payload.length > (this.#options.frameBytesMax ?? 508)) {
      this.oversized++;
      return;
    }
    if (!this.#radioOn) return;
    const airtime = this.#options.airtimeMs?.(payload.length) ?? 2;
    this.#air.transmit(this, payload, airtime, this.#stop.signal).catch(() => {});
  }
}
