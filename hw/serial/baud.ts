/**
 * The baud rates ferry drives a serial port at, apart from the termios code
 * that sets them, so that checking a configuration loads no FFI binding.
 *
 * @example
 * ```ts
 * import { checkBaudRate } from "./baud.ts";
 * console.assert(checkBaudRate(57600) === 57600);
 * ```
 * @module
 */

/** Baud rates ferry accepts, with their `B*` codes (`termios-baud.h`). */
export const BAUD_CODES: ReadonlyMap<number, number> = new Map([
  [1200, 0o11],
  [2400, 0o13],
  [4800, 0o14],
  [9600, 0o15],
  [19200, 0o16],
  [38400, 0o17],
  [57600, 0o10001],
  [115200, 0o10002],
  [230400, 0o10003],
  [460800, 0o10004],
  [500000, 0o10005],
  [576000, 0o10006],
  [921600, 0o10007],
  [1000000, 0o10010],
]);

/** Throws `RangeError` unless `baudRate` is one ferry supports. */
export function checkBaudRate(baudRate: unknown): number {
  if (typeof baudRate !== "number" || !BAUD_CODES.has(baudRate)) {
    throw new RangeError(
      `Unsupported baud rate ${JSON.stringify(baudRate)}: use one of ${
        [...BAUD_CODES.keys()].join(", ")
      }`,
    );
  }
  return baudRate;
}
