/**
 * A neighbour's online addresses (`addrs`) and scheduled calls (`calls`), as
 * NNCP's configuration writes them; `ferry agent` places the calls the way
 * `nncp-caller` does.
 *
 * ```hjson
 * addrs: { lan: "[fe80::1234%eth0]:5400", internet: "alice.example:5400",
 *          proxied: "|ssh gw nncp-daemon -ucspi" }
 * calls: [
 *   { cron: "0-59/10 * * * MON-FRI", nice: "PRIORITY", onlinedeadline: 3600, autotoss: true }
 *   { cron: "0 * * * SAT,SUN", xx: "rx", addr: "lan", when-tx-exists: false }
 * ]
 * mcd-ignore: true    # ferry: never use this node's LAN announcements
 * ```
 * @module
 */

import { type CronExpression, parseCron } from "../schedule/cron.ts";
import { type IssueList, joinPath } from "./issues.ts";
import { parseNiceness } from "./niceness.ts";
import { isObj, type Obj, readBool, readInt, readStr, warnUnknownKeys } from "./read.ts";

/** One entry of a neighbour's `calls`. */
export interface CallSettings {
  /** Position in the list (for logs: `call 0`). */
  index: number;
  cron: CronExpression;
  /** Only packets at most this nice are exchanged (NNCP's default: 255, all). */
  nice: number;
  /** `rx`: only receive; `tx`: only send; absent: both. */
  xx?: "rx" | "tx";
  rxRate?: number;
  txRate?: number;
  /** The one address to call (an `addrs` alias already resolved); absent: all of `addrs`. */
  addr?: string;
  onlineDeadlineSec?: number;
  maxOnlineTimeSec?: number;
  /** Call only when packets wait to be sent (at most `nice`). */
  whenTxExists: boolean;
  /** NNCP's no-checksumming: accepted, ferry always checks what it receives. */
  noCK: boolean;
  /** Do not add addresses learnt from LAN announcements for this call. */
  mcdIgnore: boolean;
  /** Toss what arrives during the call. */
  autoToss: boolean;
  /** NNCP's `autotoss-*` refinements of the toss after the call. */
  autoTossFlags: AutoTossFlags;
}

/**
 * NNCP's `autotoss-*` refinements: `doSeen` leaves `seen/` markers even where
 * `ferry.toss.seen` is off; the others leave those packet kinds for a later toss.
 */
export interface AutoTossFlags {
  doSeen: boolean;
  noFile: boolean;
  noFreq: boolean;
  noExec: boolean;
  noTrns: boolean;
  noArea: boolean;
}

const CALL_KEYS = [
  "cron",
  "nice",
  "xx",
  "rxrate",
  "txrate",
  "addr",
  "onlinedeadline",
  "maxonlinetime",
  "when-tx-exists",
  "nock",
  "mcd-ignore",
  "autotoss",
  "autotoss-doseen",
  "autotoss-nofile",
  "autotoss-nofreq",
  "autotoss-noexec",
  "autotoss-notrns",
  "autotoss-noarea",
];

/** Seconds: the longest `onlinedeadline`/`maxonlinetime` accepted (a year). */
export const onlineSecMax = 365 * 86400;

/**
 * Checks one online address. Returns an error message, or undefined when it
 * is usable: `host:port`, `[v6addr%zone]:port`, or `|command args`.
 */
export function checkOnlineAddr(addr: string): string | undefined {
  if (addr.startsWith("|")) {
    return addr.slice(1).trim() === ""
      ? 'is a "|command" address without a command, e.g. "|ssh gw nncp-daemon -ucspi"'
      : undefined;
  }
  if (/^[a-z]+:\/\//i.test(addr)) {
    return `${JSON.stringify(addr)} is not an address ferry can call (only host:port or |command)`;
  }
  const m = /^(?:\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]|([^\s:\[\]]+)):(\d{1,5})$/.exec(addr);
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) {
    return `${JSON.stringify(addr)} is not host:port (e.g. "house.lan:5400", ` +
      `"[fe80::1%eth0]:5400") or "|command args"`;
  }
  return undefined;
}

/** Reads and checks `addrs` of a neighbour. */
export function readAddrs(issues: IssueList, n: Obj, at: string): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = n["addrs"];
  if (raw === undefined || raw === null) return out;
  if (!isObj(raw)) {
    issues.error(joinPath(at, "addrs"), 'must be an object { lan: "host:port", ... }');
    return out;
  }
  for (const [alias, addr] of Object.entries(raw)) {
    const path = joinPath(at, "addrs", alias);
    if (typeof addr !== "string") {
      issues.error(path, "must be a string such as host:port");
      continue;
    }
    if (addr.startsWith("yggdrasilc://")) {
      issues.warn(path, "is a Yggdrasil address: ferry cannot call it and skips it");
      out[alias] = addr;
      continue;
    }
    const problem = checkOnlineAddr(addr);
    if (problem) issues.error(path, problem);
    else out[alias] = addr;
  }
  return out;
}

function flag(issues: IssueList, call: Obj, key: string, at: string): boolean {
  return readBool(issues, call, key, at) ?? false;
}

/** Reads and checks `calls` of a neighbour (`addrs` already read, to resolve `addr`). */
export function readCalls(
  issues: IssueList,
  n: Obj,
  at: string,
  addrs: Record<string, string>,
): CallSettings[] {
  const calls = n["calls"];
  const out: CallSettings[] = [];
  if (calls === undefined || calls === null) return out;
  if (!Array.isArray(calls)) {
    issues.error(joinPath(at, "calls"), 'must be a list [ { cron: "*/10 * * * *" } ]');
    return out;
  }
  calls.forEach((call, index) => {
    const cat = joinPath(at, "calls", index);
    if (!isObj(call)) return issues.error(cat, 'must be an object { cron: "*/10 * * * *" }');
    warnUnknownKeys(issues, call, cat, CALL_KEYS);
    const cronText = call["cron"];
    let cron: CronExpression | undefined;
    if (typeof cronText !== "string") {
      issues.error(joinPath(cat, "cron"), 'is missing: a cron expression such as "*/10 * * * *"');
    } else {
      try {
        cron = parseCron(cronText);
        if (cron.ignoredFields > 0) {
          issues.warn(
            joinPath(cat, "cron"),
            `has ${cron.ignoredFields} field(s) past the seventh; they are ignored`,
          );
        }
      } catch (err) {
        issues.error(joinPath(cat, "cron"), (err as Error).message);
      }
    }
    let nice = 255;
    if (call["nice"] !== undefined) {
      if (typeof call["nice"] === "number") {
        issues.warn(
          joinPath(cat, "nice"),
          `NNCP reads it only as a string and refuses this file; write "${call["nice"]}"`,
        );
      }
      try {
        nice = parseNiceness(call["nice"] as string | number);
      } catch (err) {
        issues.error(joinPath(cat, "nice"), (err as Error).message);
      }
    }
    const xx = call["xx"];
    if (xx !== undefined && xx !== "rx" && xx !== "tx") {
      issues.error(joinPath(cat, "xx"), `must be "rx" or "tx", not ${JSON.stringify(xx)}`);
    }
    const rxRate = readInt(issues, call, "rxrate", cat, 0, 1e9);
    const txRate = readInt(issues, call, "txrate", cat, 0, 1e9);
    const onlineDeadline = readInt(issues, call, "onlinedeadline", cat, 1, onlineSecMax);
    const maxOnlineTime = readInt(issues, call, "maxonlinetime", cat, 0, onlineSecMax);
    let addr = readStr(issues, call, "addr", cat);
    if (addr !== undefined) {
      if (addr in addrs) addr = addrs[addr]!;
      else {
        const problem = checkOnlineAddr(addr);
        if (problem) {
          const known = Object.keys(addrs);
          issues.error(
            joinPath(cat, "addr"),
            `${problem}; nor is it a key of addrs${known.length ? ` (${known.join(", ")})` : ""}`,
          );
        }
      }
    }
    const settings: CallSettings = {
      index,
      cron: cron!,
      nice,
      whenTxExists: flag(issues, call, "when-tx-exists", cat),
      noCK: flag(issues, call, "nock", cat),
      mcdIgnore: flag(issues, call, "mcd-ignore", cat),
      autoToss: flag(issues, call, "autotoss", cat),
      autoTossFlags: {
        doSeen: flag(issues, call, "autotoss-doseen", cat),
        noFile: flag(issues, call, "autotoss-nofile", cat),
        noFreq: flag(issues, call, "autotoss-nofreq", cat),
        noExec: flag(issues, call, "autotoss-noexec", cat),
        noTrns: flag(issues, call, "autotoss-notrns", cat),
        noArea: flag(issues, call, "autotoss-noarea", cat),
      },
    };
    if (xx === "rx" || xx === "tx") settings.xx = xx;
    if (rxRate !== undefined) settings.rxRate = rxRate;
    if (txRate !== undefined) settings.txRate = txRate;
    if (addr !== undefined) settings.addr = addr;
    if (onlineDeadline !== undefined) settings.onlineDeadlineSec = onlineDeadline;
    if (maxOnlineTime !== undefined) settings.maxOnlineTimeSec = maxOnlineTime;
    if (cron) out.push(settings);
  });
  return out;
}
