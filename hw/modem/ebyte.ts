/**
 * Ebyte E22 / E220 / E32 modules in transparent mode, as a paced
 * {@linkcode ByteLink}: the module turns whatever it receives on its UART
 * into air packets of its configured size and overflows its buffer if fed
 * faster than it can transmit. The driver cuts writes into packets and,
 * before each one, waits for the AUX line to read idle; without an AUX
 * line it spaces packets by their airtime at the configured air data rate.
 *
 * A lost air packet corrupts the byte stream, so ferry's own framing and
 * CRC run on top. Optionally the driver strips the RSSI byte the module
 * appends to each received packet (it finds packet ends by the silence
 * between them).
 * @module
 */

import { type Clock, systemClock } from "../clock/clock.ts";
import {
  type AuxLine,
  AuxTimeoutError,
  ctsAux,
  type HasCts,
  sysfsGpioAux,
  waitForAuxIdle,
} from "../gpio/aux_line.ts";
import { type ByteLink, LinkClosedError, OverlappingWriteError } from "../link/link.ts";
import { type Logger, silentLogger } from "../log.ts";
import { ModemTimeoutError } from "./errors.ts";
import { FrameQueue } from "./_frame_queue.ts";
import {
  EBYTE_PACKET_BYTES,
  ebyteAuxSettleMs,
  ebyteAuxTimeoutMsDefault,
  type EbyteOptions,
  ebytePaceMarginRatioDefault,
  ebytePacketGapMsDefault,
  ebyteRssiGapMsDefault,
} from "./ebyte_options.ts";

/** Received chunks held while the reader is slow (RSSI stripping only). */
const rssiQueueChunksMax = 256;

/** An Ebyte module as a paced byte link. Create with {@linkcode openEbyte}. */
export class Ebyte implements ByteLink {
  /** Air packet size: each write is cut into pieces of at most this. */
  readonly packetBytes: number;
  /** RSSI byte of the last received packet (with `rssiByte`), raw module value. */
  lastRssi = 0;
  /** Air packets handed to the module. */
  packetsWritten = 0;
  readonly #port: ByteLink;
  readonly #aux: AuxLine | null;
  readonly #clock: Clock;
  readonly #options: EbyteOptions;
  readonly #uartByteMs: number;
  readonly #rssi: FrameQueue | null;
  #nextFreeAt = 0;
  #writing = false;
  #closed = false;
  #pump: Promise<void> | null = null;

  /** @internal Use {@linkcode openEbyte}. */
  constructor(port: ByteLink, options: EbyteOptions, clock: Clock, log: Logger) {
    const model = options.model ?? "e22";
    this.packetBytes = options.packetBytes ?? EBYTE_PACKET_BYTES[model][0];
    this.#port = port;
    this.#clock = clock;
    this.#options = options;
    const portBaud = (port as { baudRate?: number }).baudRate;
    this.#uartByteMs = 10_000 / (options.uartBaud ?? portBaud ?? 9600);
    const aux = options.aux;
    if (aux && "gpioValuePath" in aux) {
      this.#aux = sysfsGpioAux(aux.gpioValuePath, aux.activeLow ? { activeLow: true } : {});
    } else if (aux) {
      if (typeof (port as Partial<HasCts>).getModemLines !== "function") {
        throw new TypeError("ebyte: aux.cts needs a serial port with modem lines");
      }
      this.#aux = ctsAux(
        port as unknown as HasCts,
        aux.cts === "idle-when-on" ? "cts-on" : "cts-off",
      );
    } else {
      this.#aux = null;
    }
    this.#rssi = options.rssiByte ? new FrameQueue("ebyte", rssiQueueChunksMax) : null;
    if (this.#rssi) this.#pump = this.#pumpPackets(log);
    log.info("modem-open", {
      modem: "ebyte",
      model,
      packetBytes: this.packetBytes,
      aux: this.#aux?.source ?? "none",
    });
  }

  /** Next received bytes (without RSSI bytes when stripping); `null` at the end. */
  read(signal?: AbortSignal): Promise<Uint8Array | null> {
    if (this.#rssi) return this.#rssi.take(signal);
    return this.#port.read(signal);
  }

  /** Writes `bytes` packet by packet, never faster than the module can send them. */
  async write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (!(bytes instanceof Uint8Array)) throw new TypeError("ebyte: write() needs a Uint8Array");
    if (this.#writing) {
      throw new OverlappingWriteError("ebyte: write() called while another write is pending");
    }
    if (this.#closed) throw new LinkClosedError("ebyte: the link is closed");
    signal?.throwIfAborted();
    this.#writing = true;
    try {
      for (let at = 0; at < bytes.length; at += this.packetBytes) {
        await this.#writePacket(bytes.subarray(at, at + this.packetBytes), signal);
      }
    } finally {
      this.#writing = false;
    }
  }

  async #writePacket(packet: Uint8Array, signal?: AbortSignal): Promise<void> {
    const uartMs = packet.length * this.#uartByteMs;
    if (this.#aux) {
      const timeoutMs = this.#options.auxTimeoutMs ?? ebyteAuxTimeoutMsDefault;
      try {
        await waitForAuxIdle(this.#aux, {
          timeoutMs,
          clock: this.#clock,
          ...(signal ? { signal } : {}),
        });
      } catch (err) {
        if (err instanceof AuxTimeoutError) {
          throw new ModemTimeoutError("ebyte", err.message, "aux");
        }
        throw err;
      }
      await this.#port.write(packet, signal);
      this.packetsWritten++;
      // Give the module time to receive the bytes and pull AUX low.
      await this.#clock.sleep(uartMs + ebyteAuxSettleMs, signal);
      return;
    }
    const wait = this.#nextFreeAt - this.#clock.now();
    if (wait > 0) await this.#clock.sleep(wait, signal);
    await this.#port.write(packet, signal);
    this.packetsWritten++;
    this.#nextFreeAt = this.#clock.now() + uartMs + this.#airtimeMs(packet.length);
  }

  #airtimeMs(bytes: number): number {
    const rate = this.#options.airDataRateBps ?? 2400;
    const ratio = this.#options.paceMarginRatio ?? ebytePaceMarginRatioDefault;
    return (bytes * 8 * 1000 / rate) * ratio +
      (this.#options.packetGapMs ?? ebytePacketGapMsDefault);
  }

  /** Closes the port. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#port.close();
    await this.#pump;
  }

  /** Collects bytes until the line falls silent, then delivers the packet minus its last byte. */
  async #pumpPackets(log: Logger): Promise<void> {
    const queue = this.#rssi as FrameQueue;
    const gapMs = 3 * this.#uartByteMs + ebyteRssiGapMsDefault;
    let pending: Uint8Array[] = [];
    let timer: AbortController | null = null;
    const flush = () => {
      const total = pending.reduce((n, c) => n + c.length, 0);
      const packet = new Uint8Array(total);
      let at = 0;
      for (const c of pending) (packet.set(c, at), at += c.length);
      pending = [];
      if (total < 2) return;
      this.lastRssi = packet[total - 1] ?? 0;
      if (!queue.push(packet.subarray(0, total - 1))) {
        log.warn("modem-rx-dropped", { modem: "ebyte" });
      }
    };
    try {
      for (;;) {
        const chunk = await this.#port.read();
        if (chunk === null) break;
        timer?.abort();
        pending.push(chunk);
        const mine = timer = new AbortController();
        this.#clock.sleep(gapMs, mine.signal).then(() => flush(), () => {});
      }
    } catch (err) {
      log.warn("modem-read-failed", { modem: "ebyte", error: (err as Error).message });
    }
    timer?.abort();
    if (pending.length > 0) flush();
    queue.end();
  }
}

/** Opens an Ebyte module (transparent mode, M0=M1=0) on `port`. */
export function openEbyte(
  port: ByteLink,
  options: EbyteOptions = {},
  clock: Clock = systemClock,
  log: Logger = silentLogger,
): Promise<Ebyte> {
  try {
    return Promise.resolve(new Ebyte(port, options, clock, log));
  } catch (err) {
    return Promise.reject(err);
  }
}
