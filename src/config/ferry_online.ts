/**
 * ferry's online settings in the `ferry` section: the daemon `ferry agent`
 * runs, and calling a neighbour at once when it announces itself on the LAN
 * while packets wait for it (on by default for every neighbour with a noise
 * key; `except` turns it off for some).
 *
 * ```hjson
 * daemon: {
 *   bind: ["[::]:5400"]   # where to listen (default: [::]:5400, like nncp-daemon)
 *   maxconn: 128          # sessions served at once
 *   nice: "MAX"           # only exchange packets at most this nice
 *   autotoss: true        # toss what arrives during a session
 * }
 * call-on-announce: {
 *   except: ["relay"]     # neighbours never called on announcement
 *   min-gap-sec: 60       # at most one such call per neighbour per minute
 * }
 * ```
 * @module
 */

import { checkOnlineAddr } from "./calls.ts";
import { type IssueList, joinPath } from "./issues.ts";
import { parseNiceness } from "./niceness.ts";
import { type Obj, readBool, readInt, readObj, readStrList, warnUnknownKeys } from "./read.ts";

/** The `ferry.daemon` section. */
export interface DaemonSettings {
  bind: string[];
  maxConn: number;
  nice: number;
  autoToss: boolean;
}

/** The `ferry.call-on-announce` section. */
export interface CallOnAnnounceSettings {
  /** Neighbour names never called on announcement. */
  except: string[];
  /** Least seconds between two such calls to one neighbour. */
  minGapSec: number;
}

/** Where `ferry daemon` and the agent listen when `bind` is not given. */
export const daemonBindDefault = "[::]:5400";
/** Sessions the daemon serves at once unless `maxconn` says otherwise (NNCP's default). */
export const daemonMaxConnDefault = 128;
/** Highest `maxconn` accepted. */
export const daemonMaxConnMax = 4096;
/** Default least gap between two announcement calls to one neighbour, in seconds. */
export const announceGapSecDefault = 60;

/** Reads `ferry.daemon`; undefined when absent (the agent then does not listen). */
export function readDaemon(issues: IssueList, section: Obj): DaemonSettings | undefined {
  const d = readObj(issues, section, "daemon", "ferry");
  if (!d) return undefined;
  const at = "ferry.daemon";
  warnUnknownKeys(issues, d, at, ["bind", "maxconn", "nice", "autotoss"], true);
  const bind = readStrList(issues, d, "bind", at) ?? [daemonBindDefault];
  if (d["bind"] !== undefined && bind.length === 0) {
    issues.error(
      joinPath(at, "bind"),
      `is empty: give at least one address, e.g. ["${daemonBindDefault}"]`,
    );
  }
  bind.forEach((b, i) => {
    const problem = b.startsWith("|") ? "must be host:port, not a command" : checkOnlineAddr(b);
    if (problem) issues.error(joinPath(at, "bind", i), problem);
  });
  const maxConn = readInt(issues, d, "maxconn", at, 1, daemonMaxConnMax) ?? daemonMaxConnDefault;
  let nice = 255;
  if (d["nice"] !== undefined) {
    try {
      nice = parseNiceness(d["nice"] as string | number);
    } catch (err) {
      issues.error(joinPath(at, "nice"), (err as Error).message);
    }
  }
  const autoToss = readBool(issues, d, "autotoss", at) ?? false;
  return { bind, maxConn, nice, autoToss };
}

/** Reads `ferry.call-on-announce` (defaults when absent). */
export function readCallOnAnnounce(
  issues: IssueList,
  section: Obj,
  neighNames: Set<string>,
): CallOnAnnounceSettings {
  const out: CallOnAnnounceSettings = { except: [], minGapSec: announceGapSecDefault };
  const c = readObj(issues, section, "call-on-announce", "ferry");
  if (!c) return out;
  const at = "ferry.call-on-announce";
  warnUnknownKeys(issues, c, at, ["except", "min-gap-sec"], true);
  const except = readStrList(issues, c, "except", at) ?? [];
  except.forEach((name, i) => {
    if (!neighNames.has(name)) {
      issues.error(
        joinPath(at, "except", i),
        `names an unknown node ${JSON.stringify(name)}; known: ${[...neighNames].join(", ")}`,
      );
    }
  });
  out.except = except;
  out.minGapSec = readInt(issues, c, "min-gap-sec", at, 1, 86400) ?? out.minGapSec;
  return out;
}
