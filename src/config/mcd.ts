/**
 * NNCP's LAN discovery settings (top level of the file): on which network
 * interfaces to listen for neighbours' announcements, and on which to
 * announce our own daemon and how often. Interfaces are named by regular
 * expressions matched anywhere in the name, as NNCP does.
 *
 * ```hjson
 * mcd-listen: ["^wlan0$", "eth.*"]
 * mcd-send: { "^wlan0$": 10, "eth.*": 60 }   # seconds between announcements (0: once)
 * ```
 * @module
 */

import { type IssueList, joinPath } from "./issues.ts";
import { isObj, type Obj } from "./read.ts";

/** One `mcd-send` entry. */
export interface McdSend {
  /** Interface names this entry covers. */
  ifaces: RegExp;
  /** Seconds between announcements; 0 announces once at start. */
  intervalSec: number;
}

/** Longest interval between announcements accepted, in seconds (a day). */
export const mcdIntervalSecMax = 86400;

function compile(issues: IssueList, at: string, source: string): RegExp | undefined {
  if (source === "") {
    issues.error(at, 'is empty: name interfaces with a pattern such as "^eth0$" or "wlan.*"');
    return undefined;
  }
  try {
    return new RegExp(source);
  } catch (err) {
    issues.error(
      at,
      `${JSON.stringify(source)} is not a regular expression: ${(err as Error).message}`,
    );
    return undefined;
  }
}

/** Reads `mcd-listen`. */
export function readMcdListen(issues: IssueList, root: Obj): RegExp[] {
  const raw = root["mcd-listen"];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    issues.error("mcd-listen", 'must be a list of interface patterns, e.g. ["^eth0$", "wlan.*"]');
    return [];
  }
  const out: RegExp[] = [];
  raw.forEach((item, i) => {
    const at = joinPath("mcd-listen", i);
    if (typeof item !== "string") return issues.error(at, "must be a string (a pattern)");
    const re = compile(issues, at, item);
    if (re) out.push(re);
  });
  return out;
}

/** Reads `mcd-send`. */
export function readMcdSend(issues: IssueList, root: Obj): McdSend[] {
  const raw = root["mcd-send"];
  if (raw === undefined || raw === null) return [];
  if (!isObj(raw)) {
    issues.error(
      "mcd-send",
      'must be an object { "interface pattern": seconds }, e.g. { "eth.*": 60 }',
    );
    return [];
  }
  const out: McdSend[] = [];
  for (const [pattern, secs] of Object.entries(raw)) {
    const at = joinPath("mcd-send", pattern);
    if (
      typeof secs !== "number" || !Number.isInteger(secs) || secs < 0 || secs > mcdIntervalSecMax
    ) {
      issues.error(
        at,
        `must be whole seconds 0..${mcdIntervalSecMax} between announcements, not ${
          JSON.stringify(secs)
        }`,
      );
      continue;
    }
    const re = compile(issues, at, pattern);
    if (re) out.push({ ifaces: re, intervalSec: secs });
  }
  return out;
}
