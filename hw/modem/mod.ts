/**
 * ferry's modem drivers (DESIGN §5, RADIO.md). Each sits on a
 * {@linkcode ByteLink} (a serial port) and gives the link protocol either a
 * byte stream or a frame link:
 *
 * | kind | result | MTU | `send()` resolves | serial |
 * |---|---|---|---|---|
 * | `cable` | bytes (the port itself) | - | handed to the kernel | any |
 * | `ebyte` | bytes, paced per air packet | - | last packet handed to the module | 9600 default |
 * | `kiss` | frames | 254 raw (RNode), 256 with a `callsign` (AX.25 UI frames of 272 bytes; option `mtu`) | handed to the TNC | 115200 (RNode) |
 * | `rn2483` | frames | 255 | at `radio_tx_ok` (end of transmission) | 57600 |
 * | `rak3172` | frames | 255 | at `+EVT:TXP2P DONE` (end of transmission) | 115200 |
 *
 * Turnaround: a receiving RN2483 leaves receive mode after each frame,
 * prints it (`radio_rx`, about 90 ms at 57600 baud for 255 bytes) and is
 * re-armed by its host, so it misses a frame that starts meanwhile; the
 * RN2483 driver therefore keeps `txGapMs` (default 20 ms) after each of
 * its transmissions, on top of its own `radio tx` line time. A RAK3172 in
 * `AT+PRECV=65534` keeps listening between frames. All radios are half
 * duplex: a frame sent while the peer transmits is lost.
 *
 * Pick a driver with {@linkcode openModem} (or {@linkcode openSerialModem}),
 * check configuration input with {@linkcode checkModemOptions}.
 * @module
 */

import type { ByteLink, FrameLink } from "../link/link.ts";

export {
  type CableOptions,
  checkModemOptions,
  type CommonModemOptions,
  MODEM_KINDS,
  MODEM_TRAITS,
  type ModemKind,
  type ModemLink,
  type ModemOptionsByKind,
  type ModemTraits,
  openModem,
  type SendResolves,
} from "./open_modem.ts";
export { openSerialModem, type SerialModemSpec } from "./open_serial_modem.ts";
export {
  ModemBusyError,
  ModemError,
  ModemProtocolError,
  ModemRejectedError,
  ModemTimeoutError,
  ModemTxError,
} from "./errors.ts";
export { type EbyteAux, type EbyteModel, type EbyteOptions } from "./ebyte_options.ts";
export { type KissOptions, type RnodeSettings } from "./kiss_options.ts";
export { type Rn2483Options, type Rn2483RadioSettings } from "./rn2483_options.ts";
export {
  type Rak3172Options,
  type Rak3172P2pSettings,
  type Rak3172ReceiveMode,
} from "./rak3172_options.ts";
export { type LoraAirSettings, loraAirtimeMs } from "./lora_airtime.ts";
export type { ModemStats } from "./_stats.ts";
export type { ByteLink, FrameLink };
