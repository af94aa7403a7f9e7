/**
 * The modem kinds, their traits and the check of their options as read from
 * the configuration, apart from the drivers, so that checking a
 * configuration loads none of them.
 * @module
 */

import type { Clock } from "../clock/clock.ts";
import type { Logger } from "../log.ts";
import { checkEbyteOptions, type EbyteOptions } from "./ebyte_options.ts";
import { checkKissOptions, kissMtuDefault, type KissOptions } from "./kiss_options.ts";
import {
  checkRak3172Options,
  rak3172FrameBytesMax,
  type Rak3172Options,
} from "./rak3172_options.ts";
import { checkRn2483Options, rn2483FrameBytesMax, type Rn2483Options } from "./rn2483_options.ts";
import { object, onlyKeys } from "./_options.ts";

/** The modem kinds ferry drives. */
export const MODEM_KINDS = ["cable", "ebyte", "kiss", "rn2483", "rak3172"] as const;
/** One of {@linkcode MODEM_KINDS}. */
export type ModemKind = typeof MODEM_KINDS[number];

/** A plain cable has no options. */
export type CableOptions = Record<string, never>;

/** Options per kind. */
export interface ModemOptionsByKind {
  cable: CableOptions;
  ebyte: EbyteOptions;
  kiss: KissOptions;
  rn2483: Rn2483Options;
  rak3172: Rak3172Options;
}

/** Options every kind takes. */
export interface CommonModemOptions {
  /** Clock for timeouts and pacing. Default: the real clock. */
  clock?: Clock;
  /** Where `modem-*` events go. Default: nowhere. */
  log?: Logger;
}

/** When `send`/`write` resolves. */
export type SendResolves = "handed-to-device" | "end-of-transmission";

/** What the link protocol needs to know about a kind before and after opening. */
export interface ModemTraits {
  framing: "bytes" | "frames";
  /** Largest frame for frame links (with default options); `null` for byte links. */
  mtu: number | null;
  sendResolves: SendResolves;
  /** Serial speed the module uses out of the box. */
  defaultBaud: number;
  /** Half duplex radio: only one side can transmit at a time. */
  halfDuplex: boolean;
}

/** Traits of each kind (frame MTUs with default options). */
export const MODEM_TRAITS: Record<ModemKind, ModemTraits> = {
  cable: {
    framing: "bytes",
    mtu: null,
    sendResolves: "handed-to-device",
    defaultBaud: 115200,
    halfDuplex: false,
  },
  ebyte: {
    framing: "bytes",
    mtu: null,
    sendResolves: "handed-to-device",
    defaultBaud: 9600,
    halfDuplex: true,
  },
  kiss: {
    framing: "frames",
    mtu: kissMtuDefault,
    sendResolves: "handed-to-device",
    defaultBaud: 115200,
    halfDuplex: true,
  },
  rn2483: {
    framing: "frames",
    mtu: rn2483FrameBytesMax,
    sendResolves: "end-of-transmission",
    defaultBaud: 57600,
    halfDuplex: true,
  },
  rak3172: {
    framing: "frames",
    mtu: rak3172FrameBytesMax,
    sendResolves: "end-of-transmission",
    defaultBaud: 115200,
    halfDuplex: true,
  },
};

/**
 * Checks a kind and its options as read from the configuration (hostile
 * input). Throws `TypeError`/`RangeError` naming the key path under `path`.
 */
export function checkModemOptions<K extends ModemKind>(
  kind: unknown,
  options: unknown,
  path = "modem",
): { kind: K; options: ModemOptionsByKind[K] } {
  if (typeof kind !== "string" || !(MODEM_KINDS as readonly string[]).includes(kind)) {
    throw new RangeError(
      `${path}.kind must be one of ${MODEM_KINDS.join(", ")}, got ${JSON.stringify(kind)}`,
    );
  }
  const at = `${path}.${kind}`;
  const checked = kind === "cable"
    ? (onlyKeys(object(options, at), at, []), {})
    : kind === "ebyte"
    ? checkEbyteOptions(options, at)
    : kind === "kiss"
    ? checkKissOptions(options, at)
    : kind === "rn2483"
    ? checkRn2483Options(options, at)
    : checkRak3172Options(options, at);
  return { kind: kind as K, options: checked as ModemOptionsByKind[K] };
}
