/**
 * Opens a serial device in the mode ferry needs (DESIGN §5).
 * @module
 */

import { type Logger, silentLogger } from "../log.ts";
import { constants, E, errno, libc, strerror } from "./_libc.ts";
import { checkBaudRate, configureRaw, flushBoth } from "./termios.ts";
import { SerialPort } from "./serial_port.ts";

/** Options for {@linkcode openSerialPort}. */
export interface SerialPortOptions {
  /** Line speed: 1200 to 1000000 baud (see `BAUD_CODES`). */
  baudRate: number;
  /** Hardware flow control with RTS/CTS. Default `false`. */
  rtscts?: boolean;
  /** Refuse other `open` calls on the device while ferry holds it (TIOCEXCL). Default `true`. */
  exclusive?: boolean;
  /** Abandons the open when aborted. */
  signal?: AbortSignal;
  /** Where `serial-*` events go. Default: nowhere. */
  log?: Logger;
}

/** A serial device that could not be opened; `code` is the errno name. */
export class SerialPortError extends Error {
  override name = "SerialPortError";
  /** `ENOENT`, `EACCES`, `EBUSY`, ... */
  readonly code: string;
  /** The device path. */
  readonly path: string;
  constructor(path: string, code: string, message: string) {
    super(message);
    this.path = path;
    this.code = code;
  }
}

function openError(path: string, code: number): SerialPortError {
  const text = strerror(code);
  switch (code) {
    case E.ENOENT:
      return new SerialPortError(
        path,
        "ENOENT",
        `Cannot open serial port ${path}: no such device (${text}); check the cable and the ` +
          `path (ls /dev/serial/by-id/)`,
      );
    case E.EACCES:
      return new SerialPortError(
        path,
        "EACCES",
        `Cannot open serial port ${path}: permission denied; add ferry's user to the group ` +
          `owning the device (usually dialout)`,
      );
    case E.EBUSY:
      return new SerialPortError(
        path,
        "EBUSY",
        `Cannot open serial port ${path}: in use by another program (${text}); stop it ` +
          `(fuser ${path})`,
      );
    case E.ENXIO:
    case E.ENODEV:
    case E.EIO:
      return new SerialPortError(
        path,
        code === E.EIO ? "EIO" : code === E.ENXIO ? "ENXIO" : "ENODEV",
        `Cannot open serial port ${path}: the device is gone (${text}); plug it in again`,
      );
    default:
      return new SerialPortError(path, `E${code}`, `Cannot open serial port ${path}: ${text}`);
  }
}

/**
 * Opens `path` read-write without making it the controlling terminal,
 * non-blocking; applies raw 8N1 at `baudRate` (checked in the kernel),
 * CLOCAL|CREAD, VMIN=0/VTIME=0, optional RTS/CTS; discards stale input and
 * output. Throws {@linkcode SerialPortError} when the device cannot be
 * opened, `RangeError` for an unsupported baud rate, `TypeError` when the
 * path is not a terminal.
 *
 * @example
 * ```ts ignore
 * const port = await openSerialPort("/dev/ttyUSB0", { baudRate: 57600 });
 * await port.write(new TextEncoder().encode("sys get ver\r\n"));
 * console.log(await port.read());
 * await port.close();
 * ```
 */
export function openSerialPort(path: string, options: SerialPortOptions): Promise<SerialPort> {
  try {
    return Promise.resolve(openNow(path, options));
  } catch (err) {
    return Promise.reject(err);
  }
}

function openNow(path: string, options: SerialPortOptions): SerialPort {
  options.signal?.throwIfAborted();
  const baudRate = checkBaudRate(options.baudRate);
  const log = options.log ?? silentLogger;
  if (typeof path !== "string" || path === "" || path.includes("\0")) {
    throw new TypeError(`Serial port path ${JSON.stringify(path)} is not a usable path`);
  }
  const c = constants();
  const sym = libc();
  const cPath = new TextEncoder().encode(path + "\0");
  const fd = sym.open(cPath, c.O_RDWR | c.O_NOCTTY | c.O_NONBLOCK | c.O_CLOEXEC);
  if (fd < 0) throw openError(path, errno());
  try {
    let exclusive = options.exclusive ?? true;
    if (exclusive && sym.ioctl(fd, c.TIOCEXCL, new Uint8Array(0)) !== 0) {
      log.debug("serial-exclusive-unsupported", { path, error: strerror(errno()) });
      exclusive = false;
    }
    configureRaw(fd, path, { baudRate, rtscts: options.rtscts ?? false });
    flushBoth(fd, path);
    options.signal?.throwIfAborted();
    const port = new SerialPort(fd, path, baudRate, log, exclusive);
    log.info("serial-open", { path, baud: baudRate, rtscts: options.rtscts ?? false });
    return port;
  } catch (err) {
    sym.ioctl(fd, c.TIOCNXCL, new Uint8Array(0));
    sym.close(fd);
    throw err;
  }
}
