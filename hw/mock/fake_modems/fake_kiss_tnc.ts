/**
 * A scripted KISS TNC for tests, on the TNC side of a serial link. It
 * decodes the host's KISS stream (FEND/FESC framing, port and command in
 * the first byte), puts data frames of its port on the air, and reports
 * frames heard on the air as data frames.
 *
 * As a plain KISS TNC (Dire Wolf, TNC-Pi, Mobilinkd, Kantronics) it
 * refuses what Dire Wolf refuses ("Invalid KISS data frame from client
 * app"): data frames shorter than an AX.25 header (15 bytes: two
 * addresses and a control byte), longer than its maximum (Dire Wolf:
 * 2123 bytes), or whose address field does not end (bit 0 of an SSID
 * byte) after 2 to 10 addresses. It takes the KISS parameters TXDELAY,
 * persistence, slot time (commands 1-3) and delays its transmissions by
 * them: it waits for a clear channel, then a slot, then transmits with
 * probability (p+1)/256 or waits another slot, keys up for TXDELAY and
 * sends everything queued in one transmission.
 *
 * As an RNode it answers the detect request, echoes radio settings back,
 * only transmits once the radio is switched on, sends RSSI/SNR statistics
 * frames before each received frame, takes raw frames up to 508 bytes and,
 * like the firmware, sends a frame of more than 254 bytes as two LoRa
 * packets (each with a one-byte header carrying a split flag): the frame
 * is lost if either packet is.
 * @module
 */

import type { ByteLink } from "../../link/link.ts";
import { encodeKiss, KissDecoder } from "../../modem/kiss_codec.ts";
import { type AirRadio, FakeAir } from "./air.ts";

/** How the fake behaves. */
export interface FakeKissTncOptions {
  air: FakeAir;
  /** Behave as RNode firmware. Default false (a plain AX.25 KISS TNC). */
  rnode?: boolean;
  /** Largest frame the TNC takes from the host, in bytes. Default 508 (RNode), 2123 (Dire Wolf). */
  frameBytesMax?: number;
  /** Airtime of an air packet of `bytes` bytes, in ms. Default 2. */
  airtimeMs?: (bytes: number) => number;
  /** Random numbers for p-persistence. Default `Math.random`. */
  random?: () => number;
}

/** RNode setting commands the fake echoes (frequency ... radio state). */
const RNODE_SETTINGS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06];
/** Dire Wolf's AX25_MIN_PACKET_LEN: two addresses and a control byte. */
export const AX25_FRAME_BYTES_MIN = 15;
/** Dire Wolf's AX25_MAX_PACKET_LEN: ten addresses, control, PID and 2048 bytes of information. */
export const AX25_FRAME_BYTES_MAX = 10 * 7 + 2 + 3 + 2048;
/** RNode: largest LoRa payload, and the per-packet header byte of the firmware. */
export const RNODE_SINGLE_MTU = 255;
const RNODE_HEADER_BYTES = 1;
const RNODE_FLAG_SPLIT = 0x01;

/** Why a data frame from the host was refused. */
export type KissRefusal = "too-short" | "too-long" | "not-ax25";

/** Checks a host data frame as Dire Wolf does before it goes on air; null when fine. */
export function ax25Refusal(frame: Uint8Array, max = AX25_FRAME_BYTES_MAX): KissRefusal | null {
  if (frame.length < AX25_FRAME_BYTES_MIN) return "too-short";
  if (frame.length > max) return "too-long";
  for (let n = 1; n <= 10; n++) {
    const ssid = 7 * n - 1;
    if (ssid >= frame.length) return "not-ax25";
    if (frame[ssid]! & 1) return n >= 2 && frame.length >= 7 * n + 1 ? null : "not-ax25";
  }
  return "not-ax25";
}

/** A fake KISS TNC on `port`, on the given air. */
export class FakeKissTnc implements AirRadio {
  /** Every frame received from the host: [command byte, payload]. */
  readonly fromHost: [number, Uint8Array][] = [];
  /** Bytes the host sent before its first FEND (command-mode text would land here). */
  bytesBeforeFirstFend = 0;
  /** Frames from the host dropped as too long. */
  oversized = 0;
  /** Data frames refused, by reason (plain TNC: Dire Wolf's checks). */
  readonly refused: Record<KissRefusal, number> = { "too-short": 0, "too-long": 0, "not-ax25": 0 };
  /** RNode settings received, by command byte. */
  readonly settings = new Map<number, Uint8Array>();
  /** KISS parameters received (plain TNC), by command byte (1 TXDELAY ... 5 full duplex). */
  readonly parameters = new Map<number, number>();
  /** Transmissions (key-ups) so far. */
  keyUps = 0;
  /** The air this TNC is on. */
  readonly air: FakeAir;
  readonly #port: ByteLink;
  readonly #air: FakeAir;
  readonly #options: FakeKissTncOptions;
  readonly #stop = new AbortController();
  readonly #decoder: KissDecoder;
  readonly #txQueue: Uint8Array[] = [];
  #transmitting: Promise<void> | null = null;
  #seenFend = false;
  #radioOn: boolean;
  #writing: Promise<void> = Promise.resolve();
  #loop: Promise<void>;
  #splitFirst: Uint8Array | null = null;

  constructor(port: ByteLink, options: FakeKissTncOptions) {
    this.#port = port;
    this.#air = options.air;
    this.air = options.air;
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
    await this.#transmitting?.catch(() => {});
  }

  /** The air delivered a packet (from {@linkcode AirRadio}). */
  hear(packet: Uint8Array, crcOk = true): void {
    // A TNC drops frames whose FCS fails; RNode firmware drops LoRa packets with a bad CRC.
    if (!this.#radioOn || !crcOk) return;
    let frame = packet;
    if (this.#options.rnode) {
      // Reassemble split frames: a split packet is held until its partner comes.
      const header = packet[0] ?? 0;
      const body = packet.subarray(RNODE_HEADER_BYTES);
      if (header & RNODE_FLAG_SPLIT) {
        const first = this.#splitFirst;
        if (first && (first[0]! & 0xf0) === (header & 0xf0)) {
          this.#splitFirst = null;
          frame = new Uint8Array([...first.subarray(RNODE_HEADER_BYTES), ...body]);
        } else {
          this.#splitFirst = packet.slice();
          return;
        }
      } else {
        this.#splitFirst = null;
        frame = body.slice();
      }
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
    if (!this.#options.rnode && (command & 0x0f) >= 1 && (command & 0x0f) <= 5) {
      this.parameters.set(command & 0x0f, payload[0] ?? 0);
      return;
    }
    if (command !== 0x00) return;
    if (this.#options.rnode) {
      if (payload.length > (this.#options.frameBytesMax ?? 508)) {
        this.oversized++;
        return;
      }
      if (!this.#radioOn) return;
      this.#queue(...this.#rnodePackets(payload));
      return;
    }
    const refusal = ax25Refusal(payload, this.#options.frameBytesMax ?? AX25_FRAME_BYTES_MAX);
    if (refusal) {
      this.refused[refusal]++;
      if (refusal === "too-long") this.oversized++;
      return;
    }
    this.#queue(payload);
  }

  /** RNode firmware's air packets for one frame: one, or two with the split flag. */
  #rnodePackets(frame: Uint8Array): Uint8Array[] {
    const seq = Math.floor((this.#options.random ?? Math.random)() * 16) << 4;
    const part = RNODE_SINGLE_MTU - RNODE_HEADER_BYTES;
    if (frame.length <= part) return [new Uint8Array([seq, ...frame])];
    return [
      new Uint8Array([seq | RNODE_FLAG_SPLIT, ...frame.subarray(0, part)]),
      new Uint8Array([seq | RNODE_FLAG_SPLIT, ...frame.subarray(part)]),
    ];
  }

  #queue(...packets: Uint8Array[]): void {
    this.#txQueue.push(...packets);
    this.#transmitting ??= this.#transmit().finally(() => (this.#transmitting = null));
  }

  /** Channel access as KISS describes it, then TXDELAY, then all queued packets. */
  async #transmit(): Promise<void> {
    const clock = this.#air.clock;
    const signal = this.#stop.signal;
    const random = this.#options.random ?? Math.random;
    const p = this.parameters;
    try {
      while (this.#txQueue.length > 0) {
        if (!this.#options.rnode && p.get(5) !== 1) {
          for (let attempt = 0; attempt < 1000; attempt++) {
            const busy = this.#air.busyUntil(this) - clock.now();
            if (busy > 0) await clock.sleep(busy, signal);
            await clock.sleep((p.get(3) ?? 0) * 10, signal);
            if (this.#air.busyUntil(this) > clock.now()) continue;
            if (random() < ((p.get(2) ?? 255) + 1) / 256) break;
          }
        }
        this.keyUps++;
        // The keyed carrier of TXDELAY occupies the air before the first packet.
        let lead = (p.get(1) ?? 0) * 10;
        while (this.#txQueue.length > 0) {
          const packet = this.#txQueue.shift()!;
          const airtime = this.#options.airtimeMs?.(packet.length) ?? 2;
          await this.#air.transmit(this, packet, lead + airtime, signal);
          lead = 0;
        }
      }
    } catch { /* closed */ }
  }
}
