/**
 * The `ferry.links` settings: serial radio and cable links the agent keeps
 * busy (and `ferry link --node NODE` uses by default).
 *
 * ```hjson
 * links: [
 *   {
 *     node: house
 *     port: /dev/serial/by-id/usb-Microchip_RN2483-if00
 *     modem: "rn2483"          # cable, ebyte, kiss, rn2483, rak3172
 *     baud: 57600              # default: the module's usual speed
 *     options: { radio: { sf: 9, bwKhz: 125 } }   # driver settings
 *     lora: { sf: 9, bw-khz: 125, cr: 1, preamble: 8 }   # for airtime accounting
 *     duty-cycle: 1            # percent of every sliding hour (radios: default 1)
 *     bit-rate: 9600           # links without lora: bits per second on air
 *     schedule: ["06:00-07:00", "18:00-19:00"]   # radio windows, local time (default: always)
 *   }
 * ]
 * ```
 * @module
 */

import {
  checkModemOptions,
  MODEM_KINDS,
  MODEM_TRAITS,
  type ModemKind,
} from "../../hw/modem/modem_options.ts";
import { checkBaudRate } from "../../hw/serial/baud.ts";
import { parseCallsign } from "../../hw/modem/ax25.ts";
import { type IssueList, joinPath } from "./issues.ts";
import { parseWindows } from "../agent/schedule.ts";
import {
  isObj,
  type Obj,
  readAbsPath,
  readInt,
  readNum,
  readObj,
  readStr,
  readStrList,
  warnUnknownKeys,
} from "./read.ts";

/** LoRa settings for airtime accounting. */
export interface LoraAirSettings {
  sf: number;
  bwKhz: number;
  cr: number;
  preamble: number;
}

/** One configured link. */
export interface LinkSettings {
  node: string;
  port: string;
  modem: ModemKind;
  baud: number;
  /** Driver options, checked by the driver's own schema. */
  options: Record<string, unknown>;
  lora?: LoraAirSettings;
  /** Fraction of time this side may transmit (0, 1]. */
  dutyCycle: number;
  /** Bits per second on air, when there is no LoRa airtime model. */
  bitRate: number;
  /** Byte links: largest encoded frame on the wire. */
  encodedBytesMax: number;
  /** Daily windows (`HH:MM-HH:MM`, local time) when the agent uses the link; empty: always. */
  schedule: string[];
}

const KEYS = [
  "node",
  "port",
  "modem",
  "callsign",
  "baud",
  "options",
  "lora",
  "duty-cycle",
  "bit-rate",
  "encoded-bytes-max",
  "schedule",
] as const;

/** Reads `ferry.links`. */
export function readLinks(issues: IssueList, section: Obj, known: Set<string>): LinkSettings[] {
  const raw = section["links"];
  if (raw === undefined) return [];
  const at = "ferry.links";
  if (!Array.isArray(raw)) {
    issues.error(at, "must be a list [ { node: ..., port: ..., modem: ... } ]");
    return [];
  }
  const out: LinkSettings[] = [];
  const seen = new Set<string>();
  raw.forEach((item, i) => {
    const iat = joinPath(at, i);
    if (!isObj(item)) return issues.error(iat, "must be an object { node, port, modem }");
    warnUnknownKeys(issues, item, iat, KEYS, true);
    const node = readStr(issues, item, "node", iat, true);
    if (node !== undefined && !known.has(node)) {
      issues.error(joinPath(iat, "node"), `names an unknown node ${JSON.stringify(node)}`);
    }
    if (node !== undefined && seen.has(node)) {
      issues.error(joinPath(iat, "node"), `${node} has a link already; one link per node`);
    }
    if (node !== undefined) seen.add(node);
    const port = readAbsPath(issues, item, "port", iat, true);
    const modemRaw = readStr(issues, item, "modem", iat, true);
    let modem: ModemKind | undefined;
    let options: Record<string, unknown> = {};
    if (modemRaw !== undefined) {
      if (!(MODEM_KINDS as readonly string[]).includes(modemRaw)) {
        issues.error(
          joinPath(iat, "modem"),
          `must be one of ${MODEM_KINDS.join(", ")}, not ${JSON.stringify(modemRaw)}`,
        );
      } else {
        modem = modemRaw as ModemKind;
        try {
          options = checkModemOptions(modem, item["options"] ?? {}, joinPath(iat, "options"))
            .options as Record<string, unknown>;
        } catch (err) {
          issues.error(joinPath(iat, "options"), (err as Error).message);
        }
      }
    }
    const callsign = readStr(issues, item, "callsign", iat);
    if (callsign !== undefined && modem !== undefined) {
      if (modem !== "kiss") {
        issues.error(
          joinPath(iat, "callsign"),
          `only KISS TNCs frame with AX.25; remove it or use modem: kiss (not ${modem})`,
        );
      } else {
        try {
          parseCallsign(callsign);
          options = { ...options, callsign };
        } catch (err) {
          issues.error(joinPath(iat, "callsign"), (err as Error).message);
        }
      }
    }
    const baud = readInt(issues, item, "baud", iat, 50, 4_000_000);
    if (baud !== undefined) {
      try {
        checkBaudRate(baud);
      } catch (err) {
        issues.error(joinPath(iat, "baud"), (err as Error).message);
      }
    }
    let lora: LoraAirSettings | undefined;
    const loraRaw = readObj(issues, item, "lora", iat);
    if (loraRaw) {
      const lat = joinPath(iat, "lora");
      warnUnknownKeys(issues, loraRaw, lat, ["sf", "bw-khz", "cr", "preamble"], true);
      lora = {
        sf: readInt(issues, loraRaw, "sf", lat, 6, 12) ?? 9,
        bwKhz: readNum(issues, loraRaw, "bw-khz", lat, 7.8, 500) ?? 125,
        cr: readInt(issues, loraRaw, "cr", lat, 1, 4) ?? 1,
        preamble: readInt(issues, loraRaw, "preamble", lat, 0, 65535) ?? 8,
      };
    }
    const isRadio = modem !== undefined && modem !== "cable";
    const dutyPct = readNum(issues, item, "duty-cycle", iat, 0.001, 100) ?? (isRadio ? 1 : 100);
    const bitRate = readNum(issues, item, "bit-rate", iat, 1, 100_000_000);
    const encodedBytesMax = readInt(issues, item, "encoded-bytes-max", iat, 16, 65535) ?? 255;
    const schedule = readStrList(issues, item, "schedule", iat) ?? [];
    try {
      parseWindows(schedule);
    } catch (err) {
      issues.error(joinPath(iat, "schedule"), (err as Error).message);
    }
    if (node === undefined || port === undefined || modem === undefined) return;
    const linkBaud = baud ?? MODEM_TRAITS[modem].defaultBaud;
    out.push({
      node,
      port,
      modem,
      baud: linkBaud,
      options,
      ...(lora ? { lora } : {}),
      dutyCycle: dutyPct / 100,
      bitRate: bitRate ?? linkBaud,
      encodedBytesMax,
      schedule,
    });
  });
  return out;
}
