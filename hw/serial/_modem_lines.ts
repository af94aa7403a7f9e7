/**
 * Modem control lines (RTS, DTR out; CTS, DSR, CD, RI in) and output
 * draining for an open serial port. ptys have no modem lines: the calls
 * throw a `TypeError` saying so.
 * @module
 */

import { systemClock } from "../clock/clock.ts";
import { constants, E, errno, libc, strerror } from "./_libc.ts";

/** The state of the modem lines, `true` meaning asserted. */
export interface ModemLines {
  rts: boolean;
  dtr: boolean;
  cts: boolean;
  dsr: boolean;
  cd: boolean;
  ri: boolean;
}

/** Extra time `drain()` allows beyond the computed transmit time, in ms. */
const drainSlackMs = 1000;
/** Longest single sleep while draining, in ms. */
const drainSleepMsMax = 50;

function ioctlFailed(what: string, path: string): never {
  const code = errno();
  if (code === E.ENOTTY || code === E.EINVAL) {
    throw new TypeError(`${path} has no modem control lines (${what}: ${strerror(code)})`);
  }
  throw new Error(`Serial port ${path}: ${what} failed (${strerror(code)})`);
}

/** Reads all modem lines (`TIOCMGET`). */
export function readModemLines(fd: number, path: string): ModemLines {
  const c = constants();
  const bits = new Int32Array(1);
  if (libc().ioctl(fd, c.TIOCMGET, new Uint8Array(bits.buffer)) !== 0) {
    ioctlFailed("TIOCMGET", path);
  }
  const v = bits[0] ?? 0;
  return {
    rts: (v & c.TIOCM_RTS) !== 0,
    dtr: (v & c.TIOCM_DTR) !== 0,
    cts: (v & c.TIOCM_CTS) !== 0,
    dsr: (v & c.TIOCM_DSR) !== 0,
    cd: (v & c.TIOCM_CD) !== 0,
    ri: (v & c.TIOCM_RI) !== 0,
  };
}

/** Sets or clears RTS and DTR (`TIOCMBIS` / `TIOCMBIC`). */
export function writeModemLines(
  fd: number,
  path: string,
  lines: { rts?: boolean; dtr?: boolean },
): void {
  const c = constants();
  let set = 0;
  let clear = 0;
  if (lines.rts !== undefined) lines.rts ? (set |= c.TIOCM_RTS) : (clear |= c.TIOCM_RTS);
  if (lines.dtr !== undefined) lines.dtr ? (set |= c.TIOCM_DTR) : (clear |= c.TIOCM_DTR);
  const bits = new Int32Array(1);
  if (set !== 0) {
    bits[0] = set;
    if (libc().ioctl(fd, c.TIOCMBIS, new Uint8Array(bits.buffer)) !== 0) {
      ioctlFailed("TIOCMBIS", path);
    }
  }
  if (clear !== 0) {
    bits[0] = clear;
    if (libc().ioctl(fd, c.TIOCMBIC, new Uint8Array(bits.buffer)) !== 0) {
      ioctlFailed("TIOCMBIC", path);
    }
  }
}

/** Bytes still in the kernel's output queue (`TIOCOUTQ`). */
export function outputQueueBytes(fd: number, path: string): number {
  const count = new Int32Array(1);
  if (libc().ioctl(fd, constants().TIOCOUTQ, new Uint8Array(count.buffer)) !== 0) {
    ioctlFailed("TIOCOUTQ", path);
  }
  return count[0] ?? 0;
}

/**
 * Waits until the output queue is empty. Unlike `tcdrain`, this never parks
 * a thread indefinitely: it sleeps about as long as the queued bytes need
 * on the wire, and gives up after their transmit time plus slack (or
 * `timeoutMs`), which catches a port stalled by flow control.
 */
export async function drainOutput(
  fd: number,
  path: string,
  baudRate: number,
  signal?: AbortSignal,
  timeoutMs?: number,
): Promise<void> {
  const byteMs = 10_000 / baudRate;
  let queued = outputQueueBytes(fd, path);
  const limitMs = timeoutMs ?? queued * byteMs * 2 + drainSlackMs;
  const start = systemClock.now();
  while (queued > 0) {
    if (systemClock.now() - start > limitMs) {
      throw new Error(
        `Serial port ${path}: ${queued} bytes still queued after ${Math.round(limitMs)} ms ` +
          `(flow control stuck, or the device stopped reading)`,
      );
    }
    await systemClock.sleep(Math.min(drainSleepMsMax, Math.max(1, queued * byteMs)), signal);
    queued = outputQueueBytes(fd, path);
  }
}
