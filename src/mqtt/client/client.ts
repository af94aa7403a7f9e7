/**
 * ferry's MQTT 5 client: one connection to a broker, QoS 0 and 1.
 *
 * - Reading happens in place: bytes go into one read buffer (grown up to
 *   the maximum packet size we announce, then reused) and packets are
 *   parsed from it. An incoming PUBLISH's payload is handed to `onMessage`
 *   as a view into that buffer; nothing more is read until the handler is
 *   done, and the PUBACK goes out after it (so messages are handled one at
 *   a time, and one that was not handled is delivered again after a crash).
 *   The PUBACKs for the messages handled from one read go out together
 *   before the next read.
 * - Writing: a PUBLISH is a small header written before the caller's
 *   payload, which is not copied (except into one WebSocket frame). Up to
 *   the smaller of the broker's receive maximum and `inFlightMax` QoS 1
 *   publishes wait for their PUBACK at once; more wait in order, at most
 *   {@linkcode clientLimits.queuedPublishesMax}.
 * - Keepalive: a PINGREQ when nothing was written for the keepalive; the
 *   connection is closed when nothing comes back within
 *   {@linkcode clientLimits.pongTimeoutMs} while we are reading.
 * - Hostile input from the broker (a malformed length, a packet larger than
 *   we allow, an unknown or unexpected packet type, a PUBACK for an id we
 *   did not send, bad properties) closes the connection with a
 *   {@linkcode MqttProtocolError}; the packet is not delivered.
 *
 * ```ts
 * import { MqttClient } from "./client.ts";
 * const c = await MqttClient.connect({ url: "mqtt://127.0.0.1:1883", clientId: "x",
 *   keepaliveSec: 30, receiveMaximum: 32, maximumPacketBytes: 1 << 20,
 *   onMessage: (m) => console.log(m.topic, m.payload.length) });
 * await c.subscribe([{ topic: "t/#", qos: 1 }]);
 * await c.publish("t/a", new TextEncoder().encode("hi"));
 * await c.disconnect();
 * ```
 * @module
 */

import { findFrame, type Frame, packetNames, PacketType } from "./frame.ts";
import { clientLimits } from "./limits.ts";
import {
  type Connack,
  decodeConnack,
  decodeDisconnect,
  decodePuback,
  decodePublish,
  decodeSuback,
  encodeConnect,
  encodeDisconnect,
  encodePuback,
  encodeSubscribe,
  PINGREQ,
  publishHeaderBytes,
  type Will,
  writePublishHeader,
} from "./packets.ts";
import { reasonText } from "./reason.ts";
import { openTransport, type TlsFiles, type Transport } from "./transport.ts";

/** A message from the broker; `payload` is valid only until the handler's promise settles. */
export interface Message {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  retain: boolean;
}

/** How to connect. */
export interface ClientOptions {
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://` (WebSocket path default `/mqtt`). */
  url: string;
  clientId: string;
  /** Default false: keep the session the broker holds for this client id. */
  cleanStart?: boolean;
  /** How long the broker keeps our session after we leave (default 0). */
  sessionExpirySec?: number;
  /** QoS 1 messages the broker may have unacknowledged towards us. */
  receiveMaximum: number;
  /** Largest packet we accept, bytes (larger ones close the connection). */
  maximumPacketBytes: number;
  keepaliveSec: number;
  will?: Will;
  username?: string;
  password?: string;
  tls?: TlsFiles;
  /** Our own cap on QoS 1 publishes awaiting PUBACK (also capped by the broker's receive maximum). */
  inFlightMax?: number;
  /** Give up connecting (transport and CONNACK) after this long; default {@linkcode clientLimits.connectTimeoutMs}. */
  connectTimeoutMs?: number;
  /** Gives up connecting when this aborts. */
  signal?: AbortSignal;
  /** Called for each message, one at a time; its PUBACK goes out once the promise settles. */
  onMessage?: (m: Message) => Promise<void> | void;
}

/** The broker refused the connection (CONNACK with a reason code of 0x80 or above). */
export class MqttRefusedError extends Error {
  override name = "MqttRefusedError";
  constructor(readonly reasonCode: number, reasonString?: string) {
    super(
      `the broker refused the connection: ${reasonText(reasonCode)}${
        reasonString ? `: ${reasonString}` : ""
      }`,
    );
  }
}

/** The broker broke the protocol; the connection was closed and the packet not delivered. */
export class MqttProtocolError extends Error {
  override name = "MqttProtocolError";
}

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Queued extends Pending {
  topic: Uint8Array;
  payload: Uint8Array;
  retain: boolean;
}

const encoder = new TextEncoder();
/** Encoded topics kept for reuse, at most this many. */
const topicCacheMax = 256;

/** One connection to a broker. */
export class MqttClient {
  /** What the broker said when we connected. */
  readonly connack: Connack;
  readonly #t: Transport;
  readonly #o: ClientOptions;
  readonly #ended = new AbortController();
  readonly #closed: Promise<Error | null>;
  #readDone: Promise<void> = Promise.resolve();
  #resolveClosed!: (e: Error | null) => void;
  #error: Error | null = null;
  #buf = new Uint8Array(clientLimits.readBufferBytesMin);
  #start = 0;
  #end = 0;
  readonly #inFlight = new Map<number, Pending>();
  readonly #subs = new Map<
    number,
    { resolve: (codes: number[]) => void; reject: Pending["reject"] }
  >();
  readonly #queue: Queued[] = [];
  readonly #slotWaiters: (() => void)[] = [];
  readonly #topics = new Map<string, Uint8Array>();
  #inFlightMax = 1;
  #nextId = 1;
  #writing: Promise<void> = Promise.resolve();
  #writesPending = 0;
  #lastWriteMs = Date.now();
  #lastReadMs = Date.now();
  #pingSentMs = 0;
  #handling = false;
  /** PUBACKs owed, sent together before the next read (at most our receive maximum). */
  readonly #acks: number[] = [];
  #keepaliveMs = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  private constructor(t: Transport, o: ClientOptions, connack: Connack) {
    this.#t = t;
    this.#o = o;
    this.connack = connack;
    this.#closed = new Promise((r) => (this.#resolveClosed = r));
  }

  /** Connects and waits for the broker's CONNACK. */
  static async connect(o: ClientOptions): Promise<MqttClient> {
    const timeoutMs = o.connectTimeoutMs ?? clientLimits.connectTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
    const url = new URL(o.url);
    const timedOut = () =>
      timeout.aborted
        ? new Error(`no CONNACK from ${url.host} within ${timeoutMs} ms`)
        : new Error("connecting was stopped");
    const t = await openTransport(url, o.tls ?? {}, signal).catch((err) => {
      throw signal.aborted ? timedOut() : err;
    });
    const early = new Connack0();
    const c = new MqttClient(t, o, early);
    try {
      await t.write(encodeConnect({
        clientId: o.clientId,
        cleanStart: o.cleanStart ?? false,
        keepaliveSec: o.keepaliveSec,
        sessionExpirySec: o.sessionExpirySec ?? 0,
        receiveMaximum: o.receiveMaximum,
        maximumPacketBytes: o.maximumPacketBytes,
        ...(o.will ? { will: o.will } : {}),
        ...(o.username !== undefined ? { username: o.username } : {}),
        ...(o.password !== undefined ? { password: o.password } : {}),
      }));
      const onAbort = () => t.close();
      signal.addEventListener("abort", onAbort, { once: true });
      let f: Frame | null;
      try {
        f = await c.#nextFrame();
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
      if (!f) {
        throw signal.aborted
          ? timedOut()
          : new Error("the broker closed the connection before CONNACK");
      }
      if (f.type !== PacketType.connack) {
        throw new MqttProtocolError(`the broker sent ${packetNames[f.type]} before CONNACK`);
      }
      const ack = decodeConnack(c.#buf, f.bodyAt, f.end);
      c.#start = f.end;
      if (ack.reasonCode >= 0x80) throw new MqttRefusedError(ack.reasonCode, ack.reasonString);
      Object.assign(early, ack);
    } catch (err) {
      t.close();
      throw err instanceof SyntaxError || err instanceof RangeError
        ? new MqttProtocolError(`the broker sent a malformed CONNACK: ${err.message}`)
        : err;
    }
    c.#start0();
    return c;
  }

  #start0(): void {
    const ack = this.connack;
    this.#inFlightMax = Math.max(1, Math.min(ack.receiveMaximum, this.#o.inFlightMax ?? 65_535));
    this.#keepaliveMs = (ack.serverKeepaliveSec ?? this.#o.keepaliveSec) * 1000;
    if (this.#keepaliveMs > 0) {
      const every = Math.max(100, Math.min(1000, this.#keepaliveMs / 4));
      this.#timer = setInterval(() => this.#tick(), every);
    }
    this.#readDone = this.#readLoop().catch((err) => this.#close(err));
  }

  /**
   * Resolves once the reading has stopped after the connection ended: no
   * message handler runs any more (a handler that was running has returned).
   */
  get stopped(): Promise<void> {
    return this.#readDone;
  }

  /** Aborts when the connection ends. */
  get signal(): AbortSignal {
    return this.#ended.signal;
  }

  /** Resolves when the connection ends: the error, or null after {@linkcode disconnect}. */
  get closed(): Promise<Error | null> {
    return this.#closed;
  }

  /** QoS 1 publishes awaiting PUBACK, plus those queued behind them. */
  get pending(): number {
    return this.#inFlight.size + this.#queue.length;
  }

  /** The most QoS 1 publishes awaiting PUBACK at once on this connection. */
  get inFlightMax(): number {
    return this.#inFlightMax;
  }

  /** Resolves once fewer than {@linkcode inFlightMax} publishes are pending (or the connection ended). */
  async slot(): Promise<void> {
    while (!this.#error && this.pending >= this.#inFlightMax && !this.#ended.signal.aborted) {
      await new Promise<void>((r) => this.#slotWaiters.push(r));
    }
    if (this.#ended.signal.aborted) throw this.#error ?? new Error("connection closed");
  }

  /** Resolves once nothing is pending (or the connection ended). */
  async drained(): Promise<void> {
    while (this.pending > 0 && !this.#ended.signal.aborted) {
      await new Promise<void>((r) => this.#slotWaiters.push(r));
    }
  }

  /**
   * Publishes `payload` (not copied: keep it unchanged until this settles).
   * QoS 1 resolves on the broker's PUBACK and rejects when the broker
   * refuses the message or the connection ends; QoS 0 once written.
   */
  publish(
    topic: string,
    payload: Uint8Array,
    opts: { qos?: 0 | 1; retain?: boolean } = {},
  ): Promise<void> {
    if (this.#ended.signal.aborted) {
      return Promise.reject(this.#error ?? new Error("connection closed"));
    }
    const qos = opts.qos ?? 1;
    const retain = opts.retain ?? false;
    const t = this.#topic(topic);
    const total = publishHeaderBytes(t.length, qos, payload.length) + payload.length;
    if (total > this.connack.maximumPacketBytes) {
      return Promise.reject(
        new RangeError(
          `a message of ${total} bytes is larger than the broker's maximum packet size ${this.connack.maximumPacketBytes}`,
        ),
      );
    }
    if (qos === 0) return this.#writePublish(t, payload, 0, retain, 0);
    return new Promise<void>((resolve, reject) => {
      const q: Queued = { topic: t, payload, retain, resolve, reject };
      if (this.#queue.length === 0 && this.#inFlight.size < this.#inFlightMax) this.#send(q);
      else if (this.#queue.length >= clientLimits.queuedPublishesMax) {
        reject(new RangeError(`more than ${clientLimits.queuedPublishesMax} publishes queued`));
      } else this.#queue.push(q);
    });
  }

  /** Subscribes; resolves with the broker's reason code per filter (0x80 and above: refused). */
  subscribe(filters: { topic: string; qos: 0 | 1 }[]): Promise<number[]> {
    if (this.#ended.signal.aborted) {
      return Promise.reject(this.#error ?? new Error("connection closed"));
    }
    const id = this.#takeId();
    return new Promise<number[]>((resolve, reject) => {
      this.#subs.set(id, { resolve, reject });
      this.#write(encodeSubscribe(id, filters)).catch(() => {});
    });
  }

  /** Leaves cleanly: DISCONNECT with `reasonCode` after what is being written, then closes. */
  async disconnect(reasonCode = 0): Promise<void> {
    if (this.#ended.signal.aborted) return;
    await this.#write(encodeDisconnect(reasonCode)).catch(() => {});
    this.#close(null);
  }

  /** Closes at once, without DISCONNECT (the broker publishes our will). */
  close(): void {
    this.#close(new Error("connection closed"));
  }

  #topic(topic: string): Uint8Array {
    let t = this.#topics.get(topic);
    if (!t) {
      t = encoder.encode(topic);
      if (t.length === 0 || t.length > clientLimits.topicBytesMax) {
        throw new RangeError(`topic ${JSON.stringify(topic.slice(0, 80))} is empty or too long`);
      }
      if (this.#topics.size >= topicCacheMax) this.#topics.clear();
      this.#topics.set(topic, t);
    }
    return t;
  }

  #takeId(): number {
    for (let i = 0; i < 65_535; i++) {
      const id = this.#nextId;
      this.#nextId = id === 65_535 ? 1 : id + 1;
      if (!this.#inFlight.has(id) && !this.#subs.has(id)) return id;
    }
    throw new RangeError("every packet identifier is in use");
  }

  #send(q: Queued): void {
    const id = this.#takeId();
    this.#inFlight.set(id, q);
    this.#writePublish(q.topic, q.payload, 1, q.retain, id).catch(() => {});
  }

  #writePublish(
    topic: Uint8Array,
    payload: Uint8Array,
    qos: 0 | 1,
    retain: boolean,
    id: number,
  ): Promise<void> {
    const head = new Uint8Array(publishHeaderBytes(topic.length, qos, payload.length));
    writePublishHeader(head, topic, qos, retain, id, payload.length);
    return this.#write(head, payload.length ? payload : undefined);
  }

  #write(head: Uint8Array, body?: Uint8Array): Promise<void> {
    this.#writesPending++;
    const p = this.#writing.then(async () => {
      if (this.#ended.signal.aborted) throw this.#error ?? new Error("connection closed");
      await (body ? this.#t.write2(head, body) : this.#t.write(head));
      this.#lastWriteMs = Date.now();
    }).finally(() => this.#writesPending--);
    this.#writing = p.catch((err) =>
      this.#close(err instanceof Error ? err : new Error(String(err)))
    );
    return p;
  }

  /** The next whole packet, reading as needed; null at the end of the stream. */
  async #nextFrame(): Promise<Frame | null> {
    const max = this.#o.maximumPacketBytes;
    for (;;) {
      if (this.#start === this.#end) this.#start = this.#end = 0;
      const f = findFrame(this.#buf, this.#start, this.#end, max);
      if (f && "type" in f) return f;
      const need = f ? f.total : 5;
      if (this.#start + need > this.#buf.length) {
        const held = this.#buf.subarray(this.#start, this.#end);
        if (need > this.#buf.length) {
          const grown = new Uint8Array(Math.min(Math.max(need * 4, this.#buf.length * 2), max + 8));
          grown.set(held);
          this.#buf = grown;
        } else this.#buf.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      }
      if (this.#acks.length) this.#flushAcks();
      const n = await this.#t.read(this.#buf.subarray(this.#end));
      if (n === null) return null;
      this.#end += n;
      this.#lastReadMs = Date.now();
    }
  }

  async #readLoop(): Promise<void> {
    while (!this.#ended.signal.aborted) {
      let f: Frame | null;
      try {
        f = await this.#nextFrame();
      } catch (err) {
        if (this.#ended.signal.aborted) return;
        throw hostile(err);
      }
      if (!f) {
        this.#close(new Error("the broker closed the connection"));
        return;
      }
      try {
        await this.#dispatch(f);
      } catch (err) {
        throw hostile(err);
      }
      this.#start = f.end;
    }
  }

  async #dispatch(f: Frame): Promise<void> {
    const buf = this.#buf;
    const fixed = (flags: number) => {
      if (f.flags !== flags) {
        throw new MqttProtocolError(
          `${packetNames[f.type]} with reserved flags 0x${f.flags.toString(16)}`,
        );
      }
    };
    switch (f.type) {
      case PacketType.publish: {
        const p = decodePublish(buf, f.flags, f.bodyAt, f.end);
        const m: Message = {
          topic: p.topic,
          payload: buf.subarray(p.payloadAt, f.end),
          qos: p.qos,
          retain: p.retain,
        };
        this.#handling = true;
        try {
          await this.#o.onMessage?.(m);
        } catch (err) {
          // The handler failed: no PUBACK, the broker delivers the message again.
          this.#close(err instanceof Error ? err : new Error(String(err)));
          return;
        } finally {
          this.#handling = false;
          this.#lastReadMs = Date.now();
        }
        if (p.qos === 1) this.#acks.push(p.id);
        return;
      }
      case PacketType.puback: {
        fixed(0);
        const { id, reasonCode } = decodePuback(buf, f.bodyAt, f.end);
        const p = this.#inFlight.get(id);
        if (!p) throw new MqttProtocolError(`PUBACK for packet id ${id}, which we did not send`);
        this.#inFlight.delete(id);
        if (reasonCode >= 0x80) {
          p.reject(new Error(`the broker refused the message: ${reasonText(reasonCode)}`));
        } else p.resolve();
        this.#freed();
        return;
      }
      case PacketType.suback: {
        fixed(0);
        const { id, reasonCodes } = decodeSuback(buf, f.bodyAt, f.end);
        const s = this.#subs.get(id);
        if (!s) throw new MqttProtocolError(`SUBACK for packet id ${id}, which we did not send`);
        this.#subs.delete(id);
        s.resolve(reasonCodes);
        return;
      }
      case PacketType.pingresp:
        fixed(0);
        if (f.end !== f.bodyAt) throw new MqttProtocolError("PINGRESP with a body");
        this.#pingSentMs = 0;
        return;
      case PacketType.disconnect: {
        fixed(0);
        const d = decodeDisconnect(buf, f.bodyAt, f.end);
        this.#close(
          new Error(
            `the broker disconnected us: ${reasonText(d.reasonCode)}${
              d.reasonString ? `: ${d.reasonString}` : ""
            }`,
          ),
        );
        return;
      }
      default:
        throw new MqttProtocolError(
          `unexpected ${packetNames[f.type] ?? `packet type ${f.type}`} from the broker`,
        );
    }
  }

  /** Writes the PUBACKs owed in one go (messages already read were all handled). */
  #flushAcks(): void {
    if (this.#ended.signal.aborted) return;
    const out = new Uint8Array(4 * this.#acks.length);
    for (let i = 0; i < this.#acks.length; i++) {
      encodePuback(this.#acks[i]!, out.subarray(4 * i, 4 * i + 4));
    }
    this.#acks.length = 0;
    this.#write(out).catch(() => {});
  }

  #freed(): void {
    while (this.#queue.length && this.#inFlight.size < this.#inFlightMax) {
      this.#send(this.#queue.shift()!);
    }
    const waiters = this.#slotWaiters.splice(0);
    for (const w of waiters) w();
  }

  #tick(): void {
    if (this.#ended.signal.aborted) return;
    const now = Date.now();
    if (this.#pingSentMs && !this.#handling) {
      const quietMs = now - Math.max(this.#pingSentMs, this.#lastReadMs);
      if (quietMs > clientLimits.pongTimeoutMs) {
        this.#close(new Error(`no answer to PINGREQ from the broker in ${quietMs} ms`));
        return;
      }
    }
    if (!this.#pingSentMs && now - this.#lastWriteMs >= this.#keepaliveMs) {
      this.#pingSentMs = now;
      this.#write(PINGREQ).catch(() => {});
    }
  }

  #close(err: Error | null): void {
    if (this.#ended.signal.aborted) return;
    this.#error = err;
    if (err instanceof MqttProtocolError && this.#writesPending === 0) {
      // Best effort: tell the broker why (nothing else is being written).
      this.#t.write(encodeDisconnect(0x82)).catch(() => {}).finally(() => this.#t.close());
    } else this.#t.close();
    this.#ended.abort(err ?? undefined);
    clearInterval(this.#timer);
    const why = err ?? new Error("connection closed");
    for (const p of this.#inFlight.values()) p.reject(why);
    for (const q of this.#queue) q.reject(why);
    for (const s of this.#subs.values()) s.reject(why);
    this.#inFlight.clear();
    this.#queue.length = 0;
    this.#subs.clear();
    for (const w of this.#slotWaiters.splice(0)) w();
    this.#resolveClosed(err);
  }
}

/** A placeholder CONNACK until the real one is read. */
class Connack0 implements Connack {
  sessionPresent = false;
  reasonCode = 0;
  receiveMaximum = 65_535;
  maximumPacketBytes = 268_435_460;
}

function hostile(err: unknown): Error {
  if (err instanceof MqttProtocolError) return err;
  if (err instanceof SyntaxError || err instanceof RangeError) {
    return new MqttProtocolError(`the broker sent a malformed packet: ${err.message}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}
