/**
 * A serial port (or pty) as a {@linkcode ByteLink}: non-blocking reads and
 * writes on a raw 8N1 terminal, woken by `poll` on Deno's blocking pool.
 *
 * A hang-up (pty peer gone, USB adapter unplugged: POLLHUP, EIO, ENXIO)
 * ends the stream: pending and later reads resolve `null`, writes reject
 * with {@linkcode LinkClosedError}. The process keeps running.
 * @module
 */

import { LinkClosedError, OverlappingWriteError } from "../link/link.ts";
import type { ByteLink } from "../link/link.ts";
import { type Logger, silentLogger } from "../log.ts";
import { constants, E, errno, libc, strerror } from "./_libc.ts";
import { FdWaiter } from "./_fd_waiter.ts";
import { drainOutput, type ModemLines, readModemLines, writeModemLines } from "./_modem_lines.ts";

/** Largest chunk one `read()` returns, in bytes. */
export const readChunkBytesMax = 16384;
/** Reads that return nothing although poll said readable, before calling it a hang-up. */
const emptyReadsMax = 8;

/** Why a port stopped: closed by ferry, or hung up by the device. */
type PortState = "open" | "hungup" | "closed";

/** An open serial port. Create with {@linkcode openSerialPort}. */
export class SerialPort implements ByteLink {
  /** Device path as given to `openSerialPort`. */
  readonly path: string;
  /** Line speed in bits per second. */
  readonly baudRate: number;
  readonly #fd: number;
  readonly #readWaiter: FdWaiter;
  readonly #writeWaiter: FdWaiter;
  readonly #buffer = new Uint8Array(readChunkBytesMax);
  readonly #log: Logger;
  #state: PortState = "open";
  #reading = false;
  #writing = false;

  readonly #exclusive: boolean;

  /** @internal Use {@linkcode openSerialPort}. */
  constructor(
    fd: number,
    path: string,
    baudRate: number,
    log: Logger = silentLogger,
    exclusive = false,
  ) {
    const c = constants();
    this.#fd = fd;
    this.#exclusive = exclusive;
    this.path = path;
    this.baudRate = baudRate;
    this.#log = log;
    this.#readWaiter = new FdWaiter(fd, c.POLLIN);
    this.#writeWaiter = new FdWaiter(fd, c.POLLOUT);
  }

  /** True until `close()` or a hang-up. */
  get isOpen(): boolean {
    return this.#state === "open";
  }

  /** Resolves with the next bytes, `null` after a hang-up or close. */
  async read(signal?: AbortSignal): Promise<Uint8Array | null> {
    signal?.throwIfAborted();
    if (this.#reading) {
      throw new Error(`SerialPort ${this.path}: read() called while another read is pending`);
    }
    this.#reading = true;
    const onAbort = () => this.#readWaiter.wake();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await this.#readLoop(signal);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#reading = false;
    }
  }

  async #readLoop(signal?: AbortSignal): Promise<Uint8Array | null> {
    const c = constants();
    let empty = 0;
    let hangupSeen = false;
    for (;;) {
      if (this.#state !== "open") return null;
      signal?.throwIfAborted();
      const n = Number(libc().read(this.#fd, this.#buffer, BigInt(this.#buffer.length)));
      if (n > 0) return this.#buffer.slice(0, n);
      const code = n < 0 ? errno() : 0;
      if (n < 0 && code === E.EINTR) continue;
      if (n < 0 && code !== E.EAGAIN) return this.#hangUp(`read: ${strerror(code)}`);
      // No data now (EAGAIN, or 0 with VMIN=0). After a hang-up report, that is the end.
      if (hangupSeen) return this.#hangUp("poll: hang-up");
      if (n === 0 && ++empty > emptyReadsMax) return this.#hangUp("read: end of file");
      const woke = await this.#readWaiter.wait();
      if (woke.woken) continue;
      if (woke.revents & (c.POLLHUP | c.POLLERR | c.POLLNVAL)) hangupSeen = true;
    }
  }

  /** Writes all of `bytes`; partial writes and EAGAIN are retried after `poll`. */
  async write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(`SerialPort ${this.path}: write() needs a Uint8Array`);
    }
    if (this.#writing) {
      throw new OverlappingWriteError(
        `SerialPort ${this.path}: write() called while another write is pending`,
      );
    }
    this.#checkWritable();
    signal?.throwIfAborted();
    this.#writing = true;
    const onAbort = () => this.#writeWaiter.wake();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await this.#writeLoop(bytes, signal);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#writing = false;
    }
  }

  async #writeLoop(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    const c = constants();
    let offset = 0;
    while (offset < bytes.length) {
      this.#checkWritable();
      signal?.throwIfAborted();
      const rest = bytes.subarray(offset);
      const n = Number(libc().write(this.#fd, rest, BigInt(rest.length)));
      if (n > 0) {
        offset += n;
        continue;
      }
      const code = n < 0 ? errno() : E.EAGAIN;
      if (code === E.EINTR) continue;
      if (code !== E.EAGAIN) {
        this.#hangUp(`write: ${strerror(code)}`);
        this.#checkWritable();
      }
      const woke = await this.#writeWaiter.wait();
      if (!woke.woken && woke.revents & (c.POLLHUP | c.POLLERR | c.POLLNVAL)) {
        this.#hangUp("poll: hang-up while writing");
      }
    }
  }

  /**
   * Resolves once the kernel's output queue is empty (`TIOCOUTQ` reaches 0),
   * that is when the bytes have left the UART. Rejects after `timeoutMs`.
   */
  async drain(signal?: AbortSignal, timeoutMs?: number): Promise<void> {
    this.#checkWritable();
    await drainOutput(this.#fd, this.path, this.baudRate, signal, timeoutMs);
  }

  /** Reads the modem status lines (CTS, DSR, CD, RI) and the outputs (RTS, DTR). */
  getModemLines(): ModemLines {
    this.#checkWritable();
    return readModemLines(this.#fd, this.path);
  }

  /** Raises (`true`) or lowers (`false`) RTS and/or DTR. */
  setModemLines(lines: { rts?: boolean; dtr?: boolean }): void {
    this.#checkWritable();
    writeModemLines(this.#fd, this.path, lines);
  }

  /** Releases the device. Pending reads resolve `null`, pending writes reject. */
  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#readWaiter.wake();
    this.#writeWaiter.wake();
    await this.#readWaiter.settled();
    await this.#writeWaiter.settled();
    this.#readWaiter.close();
    this.#writeWaiter.close();
    // The exclusive flag belongs to the tty, which may outlive this descriptor.
    if (this.#exclusive) libc().ioctl(this.#fd, constants().TIOCNXCL, new Uint8Array(0));
    libc().close(this.#fd);
    this.#log.debug("serial-close", { path: this.path });
  }

  #checkWritable(): void {
    if (this.#state === "closed") {
      throw new LinkClosedError(`Serial port ${this.path} is closed`);
    }
    if (this.#state === "hungup") {
      throw new LinkClosedError(
        `Serial port ${this.path} hung up (device unplugged or peer gone); reopen it`,
      );
    }
  }

  #hangUp(reason: string): null {
    if (this.#state === "open") {
      this.#state = "hungup";
      this.#log.warn("serial-hangup", { path: this.path, reason });
      this.#readWaiter.wake();
      this.#writeWaiter.wake();
    }
    return null;
  }
}
