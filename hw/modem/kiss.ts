/**
 * KISS TNCs (RNode firmware, Dire Wolf, hardware TNCs) as a
 * {@linkcode FrameLink}. Data frames use command 0 on the configured port;
 * frames of other ports and other commands (RNode statistics, flow
 * control) are ignored. The driver never sends TNC command-mode strings
 * (`KISS ON`, ...): the TNC must already be in KISS mode.
 *
 * With a `callsign`, every frame travels as the information field of an
 * AX.25 UI frame (see `ax25.ts`): Dire Wolf and hardware TNCs drop KISS
 * data that is not AX.25. Received frames that are not ferry UI frames
 * (other stations, APRS, connected mode) are counted and dropped quietly.
 * Without a callsign frames go raw, as RNode firmware expects.
 *
 * Channel-access parameters (`tnc`: TXDELAY, persistence, slot time, TX
 * tail, full duplex) are sent as KISS commands 1-5 when the driver opens.
 *
 * `send()` resolves when the frame has been handed to the TNC, not when it
 * has been transmitted: KISS has no transmit-done report.
 * @module
 */

import { type Clock, systemClock } from "../clock/clock.ts";
import {
  type ByteLink,
  type FrameLink,
  LinkClosedError,
  OverlappingWriteError,
} from "../link/link.ts";
import { type Logger, silentLogger } from "../log.ts";
import { ModemProtocolError, ModemRejectedError, ModemTimeoutError } from "./errors.ts";
import { FrameQueue, receiveQueueFramesDefault } from "./_frame_queue.ts";
import { encodeKiss, KissDecoder } from "./kiss_codec.ts";
import {
  ax25HeaderBytes,
  type Ax25Ignore,
  type Callsign,
  encodeUi,
  formatCallsign,
  parseCallsign,
  unwrapUi,
} from "./ax25.ts";
import {
  kissAx25MtuDefault,
  kissCommandTimeoutMsDefault,
  kissMtuDefault,
  type KissOptions,
  kissReceiveFrameBytesMax,
  type TncParameters,
} from "./kiss_options.ts";
import { checkFrame, type ModemStats, newStats } from "./_stats.ts";

const MODEM = "kiss";
/** RNode command bytes (RNode_Firmware Framing.h). */
export const RNODE = {
  FREQUENCY: 0x01,
  BANDWIDTH: 0x02,
  TXPOWER: 0x03,
  SF: 0x04,
  CR: 0x05,
  RADIO_STATE: 0x06,
  DETECT: 0x08,
  ERROR: 0x90,
  DETECT_REQ: 0x73,
  DETECT_RESP: 0x46,
} as const;

/** KISS commands for the TNC's channel access (KA9Q/K3MC KISS). */
export const KISS_PARAM = {
  TXDELAY: 0x01,
  PERSISTENCE: 0x02,
  SLOTTIME: 0x03,
  TXTAIL: 0x04,
  FULLDUPLEX: 0x05,
} as const;

/** Channel-access parameters as KISS command frames ([command, value]), in 10 ms units. */
export function tncParameterFrames(t: TncParameters): [number, number][] {
  const tens = (ms: number) => Math.min(255, Math.round(ms / 10));
  const out: [number, number][] = [];
  if (t.txDelayMs !== undefined) out.push([KISS_PARAM.TXDELAY, tens(t.txDelayMs)]);
  if (t.persistence !== undefined) out.push([KISS_PARAM.PERSISTENCE, t.persistence]);
  if (t.slotTimeMs !== undefined) out.push([KISS_PARAM.SLOTTIME, tens(t.slotTimeMs)]);
  if (t.txTailMs !== undefined) out.push([KISS_PARAM.TXTAIL, tens(t.txTailMs)]);
  if (t.fullDuplex !== undefined) out.push([KISS_PARAM.FULLDUPLEX, t.fullDuplex ? 1 : 0]);
  return out;
}

interface Awaiting {
  command: number;
  resolve(payload: Uint8Array): void;
}

/** A KISS TNC as a frame link. Create with {@linkcode openKiss}. */
export class Kiss implements FrameLink {
  /** Largest frame `send` accepts (default 254). */
  readonly mtu: number;
  /** Counters for status pages. */
  readonly stats: ModemStats = newStats();
  /** Received frames dropped because they were not ferry's, by reason (AX.25 mode). */
  readonly ignored: Partial<Record<Ax25Ignore, number>> = {};
  /** The station callsign (AX.25 mode), or null (raw frames). */
  readonly callsign: Callsign | null;
  readonly #port: ByteLink;
  readonly #dataCommand: number;
  readonly #queue: FrameQueue;
  readonly #decoder: KissDecoder;
  readonly #clock: Clock;
  readonly #log: Logger;
  #awaiting: Awaiting | null = null;
  #sending = false;
  #closed = false;
  #loop: Promise<void> | null = null;

  /** @internal Use {@linkcode openKiss}. */
  constructor(port: ByteLink, options: KissOptions, clock: Clock, log: Logger) {
    this.#port = port;
    this.callsign = options.callsign !== undefined ? parseCallsign(options.callsign) : null;
    this.mtu = this.callsign
      ? (options.mtu ?? kissAx25MtuDefault) - ax25HeaderBytes
      : options.mtu ?? kissMtuDefault;
    if (this.mtu < 1) {
      throw new RangeError(
        `kiss: mtu ${options.mtu} leaves no room after the ${ax25HeaderBytes}-byte AX.25 header`,
      );
    }
    this.#dataCommand = (options.port ?? 0) << 4;
    this.#clock = clock;
    this.#log = log;
    this.#queue = new FrameQueue(MODEM, options.receiveQueueFramesMax ?? receiveQueueFramesDefault);
    this.#decoder = new KissDecoder(kissReceiveFrameBytesMax, (c, p) => this.#onFrame(c, p));
  }

  /** @internal Starts reading; configures an RNode when asked. */
  async init(options: KissOptions): Promise<void> {
    this.#loop = this.#readLoop();
    if (options.tnc && options.rnode) {
      throw new RangeError("kiss: tnc parameters and rnode settings exclude each other");
    }
    const port = (options.port ?? 0) << 4;
    for (const [command, value] of tncParameterFrames(options.tnc ?? {})) {
      await this.#port.write(encodeKiss(port | command, new Uint8Array([value])));
    }
    const r = options.rnode;
    if (r) {
      const ms = options.commandTimeoutMs ?? kissCommandTimeoutMsDefault;
      const detected = await this.#command(RNODE.DETECT, [RNODE.DETECT_REQ], ms).catch((err) => {
        if (err instanceof ModemTimeoutError) return null;
        throw err;
      });
      if (detected?.[0] !== RNODE.DETECT_RESP) {
        throw new ModemProtocolError(
          MODEM,
          "No RNode answered the detect request; check the port and 115200 baud",
          "detect",
        );
      }
      const u32 = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
      const settings: [string, number, number[]][] = [
        ["frequency", RNODE.FREQUENCY, u32(r.frequencyHz)],
        ["bandwidth", RNODE.BANDWIDTH, u32(r.bandwidthHz)],
        ["tx power", RNODE.TXPOWER, [r.txPowerDbm]],
        ["spreading factor", RNODE.SF, [r.sf]],
        ["coding rate", RNODE.CR, [r.cr]],
        ["radio state", RNODE.RADIO_STATE, [1]],
      ];
      for (const [name, command, value] of settings) {
        const echo = await this.#command(command, value, ms);
        if (echo.length !== value.length || echo.some((b, i) => b !== value[i])) {
          throw new ModemRejectedError(
            MODEM,
            `RNode did not accept ${name} ${value.join(",")} (it reports ${[...echo].join(",")})`,
            name,
          );
        }
      }
    }
    this.#log.info("modem-open", {
      modem: MODEM,
      mtu: this.mtu,
      rnode: r !== undefined,
      callsign: this.callsign ? formatCallsign(this.callsign) : undefined,
      tnc: options.tnc ? JSON.stringify(options.tnc) : undefined,
    });
  }

  async #command(command: number, value: number[], timeoutMs: number): Promise<Uint8Array> {
    const reply = new Promise<Uint8Array>((resolve) => (this.#awaiting = { command, resolve }));
    await this.#port.write(encodeKiss(command, new Uint8Array(value)));
    const timer = new AbortController();
    const late = this.#clock.sleep(timeoutMs, timer.signal).then(() => null, () => null);
    const got = await Promise.race([reply, late]);
    timer.abort();
    this.#awaiting = null;
    if (got === null) {
      if (this.#closed) throw new LinkClosedError("kiss: the port closed while configuring");
      throw new ModemTimeoutError(
        MODEM,
        `kiss: no answer to command 0x${command.toString(16)} within ${timeoutMs} ms`,
        `0x${command.toString(16)}`,
      );
    }
    return got;
  }

  /** Sends one frame; resolves once it has been handed to the TNC. */
  async send(frame: Uint8Array, signal?: AbortSignal): Promise<void> {
    checkFrame(MODEM, frame, this.mtu);
    if (this.#sending) {
      throw new OverlappingWriteError("kiss: send() called while another send is pending");
    }
    if (this.#closed) throw new LinkClosedError("kiss: the link is closed (closed or unplugged)");
    this.#sending = true;
    try {
      const body = this.callsign ? encodeUi(this.callsign, frame) : frame;
      await this.#port.write(encodeKiss(this.#dataCommand, body), signal);
      this.stats.framesSent++;
    } catch (err) {
      this.stats.sendFailures++;
      throw err;
    } finally {
      this.#sending = false;
    }
  }

  /** Next received data frame; `null` after close or hang-up. */
  receive(signal?: AbortSignal): Promise<Uint8Array | null> {
    return this.#queue.take(signal);
  }

  /** Closes the port. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.end(true);
    await this.#port.close();
    await this.#loop;
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const chunk = await this.#port.read();
        if (chunk === null) break;
        const before = this.#decoder.malformed;
        this.#decoder.push(chunk);
        this.stats.framesMalformed += this.#decoder.malformed - before;
      }
    } catch (err) {
      this.#log.warn("modem-read-failed", { modem: MODEM, error: (err as Error).message });
    }
    if (!this.#closed) this.#log.warn("modem-port-ended", { modem: MODEM });
    this.#closed = true;
    this.#queue.end();
  }

  #onFrame(command: number, payload: Uint8Array): void {
    if (this.#awaiting?.command === command) return this.#awaiting.resolve(payload);
    if (command === this.#dataCommand) {
      if (payload.length === 0) return;
      if (this.callsign) {
        const got = unwrapUi(payload, this.callsign);
        if ("ignored" in got) {
          this.ignored[got.ignored] = (this.ignored[got.ignored] ?? 0) + 1;
          this.stats.linesIgnored++;
          this.#log.debug("modem-rx-ignored", { modem: MODEM, reason: got.ignored });
          return;
        }
        payload = got.info;
      }
      this.stats.framesReceived++;
      if (!this.#queue.push(payload)) {
        this.stats.framesDropped++;
        this.#log.warn("modem-rx-dropped", { modem: MODEM, reason: "receive queue full" });
      }
      return;
    }
    if (command === RNODE.ERROR) {
      this.#log.warn("modem-tnc-error", { modem: MODEM, code: payload[0] });
    }
    this.stats.linesIgnored++;
  }
}

/** Opens a KISS TNC on `port` (the TNC's serial speed; RNodes use 115200). */
export async function openKiss(
  port: ByteLink,
  options: KissOptions = {},
  clock: Clock = systemClock,
  log: Logger = silentLogger,
): Promise<Kiss> {
  const kiss = new Kiss(port, options, clock, log);
  try {
    await kiss.init(options);
  } catch (err) {
    await kiss.close();
    throw err;
  }
  return kiss;
}
