/**
 * Opens a serial port and the modem driver on it in one step, at the
 * module's usual speed unless told otherwise.
 * @module
 */

import { openSerialPort } from "../serial/open.ts";
import {
  type CommonModemOptions,
  MODEM_TRAITS,
  type ModemKind,
  type ModemLink,
  type ModemOptionsByKind,
  openModem,
} from "./open_modem.ts";

/** Where and how to open a modem on a serial port. */
export interface SerialModemSpec<K extends ModemKind> extends CommonModemOptions {
  /** Device path, e.g. `/dev/serial/by-id/usb-...`. */
  path: string;
  kind: K;
  /** Driver options. */
  options?: ModemOptionsByKind[K];
  /** Line speed. Default: the kind's usual speed (`MODEM_TRAITS`). */
  baudRate?: number;
  /** RTS/CTS flow control. Default false. */
  rtscts?: boolean;
  /** Abandons the serial open when aborted. */
  signal?: AbortSignal;
}

/**
 * Opens `spec.path` and the driver for `spec.kind`; the returned link owns
 * the port. Throws `SerialPortError` when the device cannot be opened and
 * `ModemError`s when the module misbehaves.
 *
 * @example
 * ```ts ignore
 * const modem = await openSerialModem({ path: "/dev/ttyACM0", kind: "kiss" });
 * ```
 */
export async function openSerialModem<K extends ModemKind>(
  spec: SerialModemSpec<K>,
): Promise<ModemLink> {
  const port = await openSerialPort(spec.path, {
    baudRate: spec.baudRate ?? MODEM_TRAITS[spec.kind].defaultBaud,
    ...(spec.rtscts !== undefined ? { rtscts: spec.rtscts } : {}),
    ...(spec.signal ? { signal: spec.signal } : {}),
    ...(spec.log ? { log: spec.log } : {}),
  });
  const options = {
    ...(spec.options ?? {}),
    ...(spec.clock ? { clock: spec.clock } : {}),
    ...(spec.log ? { log: spec.log } : {}),
  } as ModemOptionsByKind[K] & CommonModemOptions;
  return await openModem(spec.kind, port, options);
}
