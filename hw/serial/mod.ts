/**
 * Serial ports for ferry (DESIGN §5): raw 8N1 terminals opened through Deno
 * FFI to glibc, exposed as {@linkcode ByteLink}s.
 *
 * @example
 * ```ts ignore
 * import { openSerialPort } from "./mod.ts";
 * const port = await openSerialPort("/dev/ttyUSB0", { baudRate: 115200 });
 * const bytes = await port.read(); // null once the adapter is unplugged
 * await port.close();
 * ```
 * @module
 */

import type { ByteLink } from "../link/link.ts";

export { openSerialPort, SerialPortError, type SerialPortOptions } from "./open.ts";
export { readChunkBytesMax, SerialPort } from "./serial_port.ts";
export { BAUD_CODES, checkBaudRate } from "./termios.ts";
export type { ModemLines } from "./_modem_lines.ts";
export type { ByteLink };
