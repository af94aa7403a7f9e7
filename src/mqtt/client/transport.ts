/**
 * Byte transports under the MQTT client: `mqtt://` over `Deno.connect`,
 * `mqtts://` over `Deno.connectTls` (extra CA certificates, a client
 * certificate and key), `ws://` and `wss://` over the WebSocket API with
 * the subprotocol `mqtt` and binary frames. A transport reads into the
 * caller's buffer and writes the caller's bytes; it keeps no copies except
 * what the WebSocket API itself queues.
 *
 * ```ts
 * import { openTransport } from "./transport.ts";
 * const t = await openTransport(new URL("mqtt://127.0.0.1:1883"), {}, AbortSignal.timeout(5000));
 * t.close();
 * ```
 * @module
 */

import { clientLimits } from "./limits.ts";

/** A connected byte stream. */
export interface Transport {
  /** Reads into `into`: the number of bytes, or null at the end of the stream. */
  read(into: Uint8Array): Promise<number | null>;
  /** Writes all of `bytes` (which may be reused once this resolves). */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Writes `head` then `body` as one message where the transport has
   * messages (WebSocket), or back to back on a stream.
   */
  write2(head: Uint8Array, body: Uint8Array): Promise<void>;
  /** Closes; pending reads end with null. Idempotent. */
  close(): void;
}

/** TLS material (PEM text). */
export interface TlsFiles {
  caCerts?: string[];
  cert?: string;
  key?: string;
}

const DEFAULT_PORTS: Record<string, number> = {
  "mqtt:": 1883,
  "mqtts:": 8883,
  "ws:": 80,
  "wss:": 443,
};

/** Opens the transport `url` names; rejects when `signal` aborts first. */
export async function openTransport(
  url: URL,
  tls: TlsFiles,
  signal: AbortSignal,
): Promise<Transport> {
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
  if (port === undefined) {
    throw new RangeError(`broker URL ${url.protocol}// is not mqtt://, mqtts://, ws:// or wss://`);
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (url.protocol === "ws:" || url.protocol === "wss:") return await openWs(url, tls, signal);
  if (url.protocol === "mqtts:") {
    const tlsConn = await abortable(
      Deno.connectTls({
        hostname,
        port,
        ...(tls.caCerts ? { caCerts: tls.caCerts } : {}),
        ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
      }),
      signal,
      (c) => c.close(),
    );
    // The handshake now, so a certificate problem is a connect error, not a read error.
    await abortable(tlsConn.handshake(), signal, () => tlsConn.close()).catch((err) => {
      tlsConn.close();
      throw err;
    });
    return new StreamTransport(tlsConn);
  }
  const conn = await abortable(Deno.connect({ hostname, port }), signal, (c) => c.close());
  conn.setNoDelay(true);
  return new StreamTransport(conn);
}

/** Waits for `p` unless `signal` aborts first (then `drop` gets what `p` brings later). */
function abortable<T>(p: Promise<T>, signal: AbortSignal, drop: (v: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error("aborted"));
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    p.then((v) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) drop(v);
      else resolve(v);
    }, (err) => {
      signal.removeEventListener("abort", onAbort);
      reject(err);
    });
  });
}

class StreamTransport implements Transport {
  #closed = false;
  constructor(readonly conn: Deno.Conn) {}

  read(into: Uint8Array): Promise<number | null> {
    return this.conn.read(into);
  }

  async write(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) at += await this.conn.write(bytes.subarray(at));
  }

  async write2(head: Uint8Array, body: Uint8Array): Promise<void> {
    await this.write(head);
    await this.write(body);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

async function openWs(url: URL, tls: TlsFiles, signal: AbortSignal): Promise<Transport> {
  const target = new URL(url);
  if (target.pathname === "/" || target.pathname === "") target.pathname = "/mqtt";
  const options: WebSocketOptions = { protocols: ["mqtt"] };
  let client: Deno.HttpClient | undefined;
  if (tls.caCerts || tls.cert) {
    client = Deno.createHttpClient({
      ...(tls.caCerts ? { caCerts: tls.caCerts } : {}),
      ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    });
    options.client = client;
  }
  const ws = new WebSocket(target, options);
  ws.binaryType = "arraybuffer";
  const t = new WsTransport(ws, client);
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        cleanup();
        reject(new Error(why));
      };
      const onOpen = () => {
        cleanup();
        if (ws.protocol !== "mqtt") {
          reject(
            new Error(
              `the WebSocket server chose subprotocol ${JSON.stringify(ws.protocol)}, not "mqtt"`,
            ),
          );
        } else resolve();
      };
      const onError = (e: Event) =>
        fail(`WebSocket to ${redactedWs(target)} failed: ${(e as ErrorEvent).message ?? "error"}`);
      const onClose = (e: CloseEvent) =>
        fail(`WebSocket to ${redactedWs(target)} closed (${e.code} ${e.reason})`);
      const onAbort = () => fail(String(signal.reason ?? "aborted"));
      const cleanup = () => {
        ws.removeEventListener("open", onOpen);
        ws.removeEventListener("error", onError);
        ws.removeEventListener("close", onClose);
        signal.removeEventListener("abort", onAbort);
      };
      ws.addEventListener("open", onOpen);
      ws.addEventListener("error", onError);
      ws.addEventListener("close", onClose);
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) onAbort();
    });
  } catch (err) {
    t.close();
    throw err;
  }
  return t;
}

function redactedWs(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

class WsTransport implements Transport {
  readonly #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #head = 0;
  #ended = false;
  #error: Error | null = null;
  #waiter: (() => void) | null = null;
  #client: Deno.HttpClient | undefined;

  constructor(readonly ws: WebSocket, client: Deno.HttpClient | undefined) {
    this.#client = client;
    ws.addEventListener("message", (e: MessageEvent) => {
      if (this.#ended) return;
      if (!(e.data instanceof ArrayBuffer)) {
        this.#fail(new SyntaxError("the broker sent a WebSocket text frame (MQTT needs binary)"));
        return;
      }
      if (
        this.#queue.length >= clientLimits.wsQueuedMessagesMax ||
        this.#queuedBytes + e.data.byteLength > clientLimits.wsQueuedBytesMax
      ) {
        this.#fail(
          new RangeError(
            `more than ${clientLimits.wsQueuedMessagesMax} WebSocket messages or ` +
              `${clientLimits.wsQueuedBytesMax} bytes queued unread`,
          ),
        );
        return;
      }
      this.#queue.push(new Uint8Array(e.data));
      this.#queuedBytes += e.data.byteLength;
      this.#wake();
    });
    ws.addEventListener("close", () => {
      this.#ended = true;
      this.#wake();
    });
    ws.addEventListener("error", () => {
      this.#ended = true;
      this.#wake();
    });
  }

  #fail(err: Error): void {
    this.#error = err;
    this.close();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  async read(into: Uint8Array): Promise<number | null> {
    while (this.#queue.length === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((r) => (this.#waiter = r));
    }
    let n = 0;
    while (n < into.length && this.#queue.length) {
      const first = this.#queue[0]!;
      const take = Math.min(first.length - this.#head, into.length - n);
      into.set(first.subarray(this.#head, this.#head + take), n);
      n += take;
      this.#head += take;
      if (this.#head === first.length) {
        this.#queue.shift();
        this.#queuedBytes -= first.length;
        this.#head = 0;
      }
    }
    return n;
  }

  async #room(): Promise<void> {
    while (this.ws.bufferedAmount > clientLimits.wsBufferedBytesMax) {
      if (this.ws.readyState !== WebSocket.OPEN) break;
      await new Promise((r) => setTimeout(r, clientLimits.wsDrainPollMs));
    }
    if (this.ws.readyState !== WebSocket.OPEN) throw new Error("WebSocket closed");
  }

  async write(bytes: Uint8Array): Promise<void> {
    await this.#room();
    this.ws.send(bytes);
  }

  async write2(head: Uint8Array, body: Uint8Array): Promise<void> {
    // One binary frame per MQTT packet: the one copy of the payload.
    const both = new Uint8Array(head.length + body.length);
    both.set(head);
    both.set(body, head.length);
    await this.write(both);
  }

  close(): void {
    if (!this.#ended) {
      this.#ended = true;
      try {
        this.ws.close();
      } catch { /* closing already */ }
    }
    // Deno's HttpClient throws when closed twice; a failure and a shutdown both close.
    const client = this.#client;
    this.#client = undefined;
    try {
      client?.close();
    } catch { /* closed already */ }
    this.#wake();
  }
}
