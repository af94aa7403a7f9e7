/**
 * Puts a terminal device into the raw 8N1 mode ferry needs: no echo, no line
 * editing, no character translation, CLOCAL|CREAD, optional RTS/CTS, VMIN=0
 * and VTIME=0 (reads never wait; ferry waits with `poll`).
 *
 * The speed goes through glibc's `cfsetispeed`/`cfsetospeed` with the
 * `B*` constants, then ferry reads the kernel's own copy of the settings
 * (`TCGETS`) and checks that the speed and framing bits really arrived. If
 * the C library encodes speeds differently (newer glibc releases accept
 * plain numbers), the numeric form is tried before giving up.
 * @module
 */

import { constants, E, errno, libc, strerror } from "./_libc.ts";
import { BAUD_CODES, checkBaudRate } from "./baud.ts";

export { BAUD_CODES, checkBaudRate } from "./baud.ts";

/** What {@linkcode configureRaw} applies. */
export interface RawModeSettings {
  /** One of {@linkcode BAUD_CODES}' keys. */
  baudRate: number;
  /** Hardware flow control (RTS/CTS). Default off. */
  rtscts: boolean;
}

function fail(what: string, path: string): never {
  const code = errno();
  throw new Error(`Cannot configure serial port ${path}: ${what} failed (${strerror(code)})`);
}

function buildTermios(fd: number, path: string, speed: number, rtscts: boolean): Uint8Array {
  const c = constants();
  const sym = libc();
  const t = new Uint8Array(c.termiosBytes);
  if (sym.tcgetattr(fd, t) !== 0) {
    const code = errno();
    if (code === E.ENOTTY || code === E.EINVAL) {
      throw new TypeError(`${path} is not a terminal device (serial port or pty)`);
    }
    fail("tcgetattr", path);
  }
  sym.cfmakeraw(t);
  const view = new DataView(t.buffer);
  let cflag = view.getUint32(c.cflagOffset, true);
  cflag &= ~(c.CSIZE | c.PARENB | c.CSTOPB | c.CRTSCTS | c.HUPCL);
  cflag |= c.CS8 | c.CLOCAL | c.CREAD | (rtscts ? c.CRTSCTS : 0);
  view.setUint32(c.cflagOffset, cflag >>> 0, true);
  t[c.ccOffset + c.VMIN] = 0;
  t[c.ccOffset + c.VTIME] = 0;
  if (sym.cfsetispeed(t, speed) !== 0) return new Uint8Array(0);
  if (sym.cfsetospeed(t, speed) !== 0) return new Uint8Array(0);
  return t;
}

/** The kernel's view of the line settings, independent of the C library. */
export interface KernelLineSettings {
  /** `c_cflag & CBAUD`: the `B*` code the driver runs at. */
  baudCode: number;
  eightBits: boolean;
  parity: boolean;
  twoStopBits: boolean;
  rtscts: boolean;
  local: boolean;
  receiverOn: boolean;
}

/** Reads the settings the kernel holds for `fd` (ioctl `TCGETS`). */
export function readKernelSettings(fd: number, path: string): KernelLineSettings {
  const c = constants();
  const k = new Uint8Array(64);
  if (libc().ioctl(fd, c.TCGETS, k) !== 0) fail("ioctl(TCGETS)", path);
  const cflag = new DataView(k.buffer).getUint32(c.cflagOffset, true);
  return {
    baudCode: cflag & c.CBAUD,
    eightBits: (cflag & c.CSIZE) === c.CS8,
    parity: (cflag & c.PARENB) !== 0,
    twoStopBits: (cflag & c.CSTOPB) !== 0,
    rtscts: (cflag & c.CRTSCTS) !== 0,
    local: (cflag & c.CLOCAL) !== 0,
    receiverOn: (cflag & c.CREAD) !== 0,
  };
}

/**
 * Applies raw 8N1 mode at `settings.baudRate` to the open terminal `fd` and
 * verifies the result in the kernel. Throws `TypeError` when `fd` is not a
 * terminal and `Error` when the device refuses the settings.
 */
export function configureRaw(fd: number, path: string, settings: RawModeSettings): void {
  const c = constants();
  const code = BAUD_CODES.get(checkBaudRate(settings.baudRate));
  if (code === undefined) throw new RangeError(`No code for ${settings.baudRate} baud`);
  // The B* code first (glibc up to 2.41), then the plain number (later glibc).
  for (const speed of [code, settings.baudRate]) {
    const t = buildTermios(fd, path, speed, settings.rtscts);
    if (t.length === 0) continue;
    if (libc().tcsetattr(fd, c.TCSANOW, t) !== 0) fail("tcsetattr", path);
    const got = readKernelSettings(fd, path);
    if (got.baudCode !== code) continue;
    if (!got.eightBits || got.parity || got.twoStopBits || !got.local || !got.receiverOn) {
      throw new Error(`Serial port ${path} did not accept 8N1 raw mode`);
    }
    if (got.rtscts !== settings.rtscts) {
      throw new Error(
        `Serial port ${path} did not accept RTS/CTS flow control ${settings.rtscts ? "on" : "off"}`,
      );
    }
    return;
  }
  throw new Error(`Serial port ${path} did not accept ${settings.baudRate} baud`);
}

/** Discards unread input and unsent output (`tcflush(TCIOFLUSH)`). */
export function flushBoth(fd: number, path: string): void {
  if (libc().tcflush(fd, constants().TCIOFLUSH) !== 0) fail("tcflush", path);
}
