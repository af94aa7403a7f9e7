/**
 * Waits until a file descriptor is ready without blocking Deno's event loop.
 *
 * Each wait is one `poll(2)` with no timeout, run on a thread of Deno's
 * blocking pool (an FFI symbol declared `nonblocking`). Next to the device,
 * the poll set holds the read end of a private pipe: writing one byte to it
 * (`wake()`) ends the wait at once, which is how close and abort signals
 * interrupt a waiting read or write. Idle ports therefore cost no CPU and
 * one parked thread each; readiness is reported within microseconds.
 * @module
 */

import { constants, E, errno, libc, strerror } from "./_libc.ts";

/** Consecutive failed `poll` calls tolerated (EINTR) before giving up. */
const pollFailuresMax = 100;

/** Result of {@linkcode FdWaiter.wait}: the device's `revents`, or woken. */
export type WaitResult = { woken: true } | { woken: false; revents: number };

/** A waiter for one device file descriptor and one kind of readiness. */
export class FdWaiter {
  readonly #fd: number;
  readonly #events: number;
  readonly #pipe: Int32Array;
  #closed = false;
  #inFlight: Promise<unknown> | null = null;

  /** Creates the wake pipe. `events` is `POLLIN` or `POLLOUT`. */
  constructor(fd: number, events: number) {
    const c = constants();
    this.#fd = fd;
    this.#events = events;
    this.#pipe = new Int32Array(2);
    if (libc().pipe2(new Uint8Array(this.#pipe.buffer), c.O_NONBLOCK | c.O_CLOEXEC) !== 0) {
      throw new Error(`Cannot create a wake pipe: ${strerror(errno())}`);
    }
  }

  /**
   * Waits until the device is ready (or hung up, or in error), or until
   * {@linkcode wake} is called. Only one wait may run at a time.
   */
  async wait(): Promise<WaitResult> {
    if (this.#closed) return { woken: true };
    if (this.#inFlight) throw new Error("FdWaiter.wait() called while a wait is running");
    const c = constants();
    const set = new Uint8Array(16);
    const view = new DataView(set.buffer);
    view.setInt32(0, this.#fd, true);
    view.setInt16(4, this.#events, true);
    view.setInt32(8, this.#pipe[0] ?? -1, true);
    view.setInt16(12, c.POLLIN, true);
    let failures = 0;
    try {
      for (;;) {
        const call = libc().poll(set, 2n, -1);
        this.#inFlight = call;
        const n = await call;
        this.#inFlight = null;
        if (n < 0) {
          // errno belongs to the pool thread that ran poll; EINTR is the usual cause.
          if (++failures > pollFailuresMax) {
            throw new Error("poll() keeps failing on a serial port");
          }
          continue;
        }
        const deviceEvents = view.getInt16(6, true);
        const pipeEvents = view.getInt16(14, true);
        if (pipeEvents !== 0) {
          this.#drainPipe();
          return { woken: true };
        }
        if (deviceEvents !== 0) return { woken: false, revents: deviceEvents };
      }
    } finally {
      this.#inFlight = null;
    }
  }

  /** Ends the running wait, if any (and the next one, if none runs). */
  wake(): void {
    if (this.#closed) return;
    libc().write(this.#pipe[1] ?? -1, new Uint8Array([1]), 1n);
  }

  /** Resolves once no `poll` call is using the file descriptors. */
  async settled(): Promise<void> {
    while (this.#inFlight) await this.#inFlight.catch(() => {});
  }

  /** Closes the wake pipe. Call after {@linkcode settled}. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    libc().close(this.#pipe[0] ?? -1);
    libc().close(this.#pipe[1] ?? -1);
  }

  #drainPipe(): void {
    const sink = new Uint8Array(64);
    for (let i = 0; i < 1024; i++) {
      const n = Number(libc().read(this.#pipe[0] ?? -1, sink, 64n));
      if (n <= 0) {
        if (n < 0 && errno() !== E.EAGAIN && errno() !== E.EINTR) return;
        if (n < 0 && errno() === E.EINTR) continue;
        return;
      }
    }
  }
}
