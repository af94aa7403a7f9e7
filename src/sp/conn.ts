/**
 * The byte streams a session runs over, and SP envelopes read from and
 * written to them with deadlines. A session sees only {@linkcode SpConn}:
 * a TCP connection, a child process's stdin/stdout (`|command` addresses) or
 * our own stdin/stdout (`ferry daemon --inetd`) all become one.
 *
 * The reader buffers at most one envelope (`spEnvelopeBytesMax`) and never
 * grows beyond it: a length over the limit ends the session before any of
 * the body is read.
 * @module
 */

import { encodeEnvelope, envelopeBodyBytes, parseEnvelopeHead, SpProtocolError } from "./codec.ts";
import { spEnvelopeBytesMax, spEnvelopeHeadBytes } from "./limits.ts";

/** A duplex byte stream carrying one session. */
export interface SpConn {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** Where the peer is, for logs (`127.0.0.1:5400`, `|nncp-daemon -ucspi`, `stdio`). */
  readonly remote: string;
  /** Closes both directions; safe to call more than once. */
  close(): void;
}

/** A deadline passed while reading or writing. */
export class SpTimeoutError extends Error {
  override name = "SpTimeoutError";
}

/** The peer closed the stream. */
export class SpEofError extends Error {
  override name = "SpEofError";
}

/** Rejects with {@linkcode SpTimeoutError} after `ms`, calling `onTimeout` first. */
async function withTimeout<T>(
  p: Promise<T>,
  ms: number,
  what: string,
  onTimeout: () => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new SpTimeoutError(`${what}: nothing for ${Math.round(ms / 1000)} s`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads SP envelopes from a stream. */
export class EnvelopeReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #onTimeout: () => void;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** Bytes taken from the stream so far. */
  bytes = 0;

  constructor(readable: ReadableStream<Uint8Array>, onTimeout: () => void) {
    this.#reader = readable.getReader();
    this.#onTimeout = onTimeout;
  }

  async #fill(): Promise<void> {
    const r = await this.#reader.read();
    if (r.done) throw new SpEofError("the peer closed the connection");
    if (r.value.length > 0) {
      this.#chunks.push(r.value);
      this.#buffered += r.value.length;
      this.bytes += r.value.length;
    }
  }

  #take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    // An index, not shift(): a peer sending one byte per segment must not make this quadratic.
    let head = 0;
    while (at < n) {
      const c = this.#chunks[head]!;
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (k === c.length) head++;
      else this.#chunks[head] = c.subarray(k);
    }
    this.#chunks = this.#chunks.slice(head);
    this.#buffered -= n;
    return out;
  }

  async #exact(n: number): Promise<Uint8Array> {
    while (this.#buffered < n) await this.#fill();
    return this.#take(n);
  }

  /**
   * Reads one envelope and returns its payload. The first byte may take
   * `firstByteTimeoutMs` (unbounded when absent: the session's own deadlines
   * watch idleness); the rest must follow within `restTimeoutMs`.
   */
  async read(restTimeoutMs: number, firstByteTimeoutMs?: number): Promise<Uint8Array> {
    if (this.#buffered === 0) {
      const first = this.#fill();
      if (firstByteTimeoutMs === undefined) await first;
      else await withTimeout(first, firstByteTimeoutMs, "SP read", this.#onTimeout);
      if (this.#buffered === 0) return await this.read(restTimeoutMs, firstByteTimeoutMs);
    }
    return await withTimeout(this.#body(), restTimeoutMs, "SP read", this.#onTimeout);
  }

  async #body(): Promise<Uint8Array> {
    const head = await this.#exact(spEnvelopeHeadBytes);
    const len = parseEnvelopeHead(head, spEnvelopeBytesMax - spEnvelopeHeadBytes);
    const body = await this.#exact(envelopeBodyBytes(len));
    return body.subarray(0, len);
  }

  /** Stops reading (pending reads end). */
  cancel(): void {
    this.#reader.cancel().catch(() => {});
  }
}

/** Writes SP envelopes to a stream, one at a time, each within a deadline. */
export class EnvelopeWriter {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #onTimeout: () => void;
  /** Bytes written so far. */
  bytes = 0;

  constructor(writable: WritableStream<Uint8Array>, onTimeout: () => void) {
    this.#writer = writable.getWriter();
    this.#onTimeout = onTimeout;
  }

  /** Writes one envelope carrying `payload`. */
  async write(payload: Uint8Array, timeoutMs: number): Promise<void> {
    if (payload.length > spEnvelopeBytesMax - spEnvelopeHeadBytes) {
      throw new SpProtocolError(`SP envelope of ${payload.length} bytes is too big to send`);
    }
    const env = encodeEnvelope(payload);
    await withTimeout(this.#writer.write(env), timeoutMs, "SP write", this.#onTimeout);
    this.bytes += env.length;
  }

  /** Closes the writing side. */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
  }
}

/** A TCP connection as an {@linkcode SpConn}. */
export function tcpConn(conn: Deno.Conn): SpConn {
  const addr = conn.remoteAddr as Deno.NetAddr;
  let closed = false;
  return {
    readable: conn.readable,
    writable: conn.writable,
    remote: addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`,
    close() {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch { /* already closed by a stream */ }
    },
  };
}

/** Connects to `host:port` (`[::1]:5400` for IPv6) within `timeoutMs`. */
export async function dialTcp(addr: string, timeoutMs: number): Promise<SpConn> {
  const { hostname, port } = parseHostPort(addr);
  const conn = await withTimeout(
    Deno.connect({ hostname, port, transport: "tcp" }),
    timeoutMs,
    `connect ${addr}`,
    () => {},
  );
  return tcpConn(conn);
}

/** Splits `host:port` or `[v6]:port`; throws a RangeError naming the address. */
export function parseHostPort(addr: string): { hostname: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:\s]*):(\d+)$/.exec(addr);
  if (!m) throw new RangeError(`Address ${JSON.stringify(addr)} is not host:port or [v6]:port`);
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Address ${JSON.stringify(addr)} has no valid port`);
  }
  return { hostname: m[1] === "" ? "0.0.0.0" : m[1]!, port };
}

/**
 * Runs `command` (words split on white space, as NNCP does for `|command`
 * addresses) and speaks over its stdin/stdout; its stderr goes to ours.
 */
export function pipeConn(command: string): { conn: SpConn; exited: Promise<Deno.CommandStatus> } {
  const words = command.trim().split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) throw new RangeError("The |command address names no command");
  const child = new Deno.Command(words[0]!, {
    args: words.slice(1),
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let closed = false;
  const conn: SpConn = {
    readable: child.stdout,
    writable: child.stdin,
    remote: `|${command.trim()}`,
    close() {
      if (closed) return;
      closed = true;
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
    },
  };
  return { conn, exited: child.status };
}

/** Our own stdin/stdout (inetd, `ssh`, `socat`). */
export function stdioConn(): SpConn {
  return streamConn(Deno.stdin.readable, Deno.stdout.writable, "stdio");
}

/** Any pair of streams as an {@linkcode SpConn}. */
export function streamConn(
  readable: ReadableStream<Uint8Array>,
  writable: WritableStream<Uint8Array>,
  remote: string,
): SpConn {
  let closed = false;
  return {
    readable,
    writable,
    remote,
    close() {
      closed = true;
      void closed;
    },
  };
}
