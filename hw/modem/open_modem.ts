/**
 * The one place where a modem driver is picked: `openModem(kind, port,
 * options)` returns either a byte stream (cable, Ebyte: ferry frames it
 * with COBS + CRC) or a frame link (KISS, RN2483, RAK3172), tagged so the
 * caller knows which, with the traits the link protocol needs.
 * @module
 */

import type { ByteLink, FrameLink } from "../link/link.ts";
import type { EbyteOptions } from "./ebyte_options.ts";
import type { KissOptions } from "./kiss_options.ts";
import type { Rak3172Options } from "./rak3172_options.ts";
import type { Rn2483Options } from "./rn2483_options.ts";
import { openEbyte } from "./ebyte.ts";
import { openKiss } from "./kiss.ts";
import { openRak3172 } from "./rak3172.ts";
import { openRn2483 } from "./rn2483.ts";
import {
  type CommonModemOptions,
  MODEM_TRAITS,
  type ModemKind,
  type ModemOptionsByKind,
  type SendResolves,
} from "./modem_options.ts";

export { checkModemOptions, MODEM_KINDS, MODEM_TRAITS } from "./modem_options.ts";
export type {
  CableOptions,
  CommonModemOptions,
  ModemKind,
  ModemOptionsByKind,
  ModemTraits,
  SendResolves,
} from "./modem_options.ts";

/** An opened modem: a byte link or a frame link, tagged. */
export type ModemLink =
  | {
    kind: ModemKind;
    framing: "bytes";
    link: ByteLink;
    sendResolves: SendResolves;
    halfDuplex: boolean;
  }
  | {
    kind: ModemKind;
    framing: "frames";
    link: FrameLink;
    mtu: number;
    sendResolves: SendResolves;
    halfDuplex: boolean;
  };

/**
 * Opens the driver for `kind` on `port` (already open at the module's
 * speed, see {@linkcode MODEM_TRAITS}). The driver owns the port from now
 * on: closing the link closes the port; if opening fails the port is
 * closed too. Module errors are typed `ModemError`s.
 *
 * @example
 * ```ts ignore
 * const port = await openSerialPort("/dev/ttyUSB0", { baudRate: 57600 });
 * const modem = await openModem("rn2483", port, { radio: { sf: 9, bwKhz: 125 } });
 * if (modem.framing === "frames") await modem.link.send(new Uint8Array([1, 2, 3]));
 * ```
 */
export async function openModem<K extends ModemKind>(
  kind: K,
  port: ByteLink,
  options: ModemOptionsByKind[K] & CommonModemOptions = {} as ModemOptionsByKind[K],
): Promise<ModemLink> {
  const { clock, log, ...rest } = options as CommonModemOptions & Record<string, unknown>;
  const traits = MODEM_TRAITS[kind];
  const common = { kind, sendResolves: traits.sendResolves, halfDuplex: traits.halfDuplex };
  const frames = (link: FrameLink): ModemLink => ({
    ...common,
    framing: "frames",
    link,
    mtu: link.mtu,
  });
  try {
    switch (kind) {
      case "cable":
        return { ...common, framing: "bytes", link: port };
      case "ebyte":
        return {
          ...common,
          framing: "bytes",
          link: await openEbyte(port, rest as EbyteOptions, clock, log),
        };
      case "kiss":
        return frames(await openKiss(port, rest as KissOptions, clock, log));
      case "rn2483":
        return frames(await openRn2483(port, rest as Rn2483Options, clock, log));
      case "rak3172":
        return frames(await openRak3172(port, rest as Rak3172Options, clock, log));
      default:
        throw new RangeError(`Unknown modem kind ${JSON.stringify(kind)}`);
    }
  } catch (err) {
    await port.close();
    throw err;
  }
}
