/**
 * NNCP's log file: recfile records (`When: ...`, `Who: ...`, fields, `Msg:`),
 * one blank line after each, appended under an flock on `LOG.lock`. ferry
 * writes the same records, so `nncp-log` reads ferry's log and `ferry log`
 * reads NNCP's.
 *
 * @example
 * ```ts
 * import { formatRecord, parseRecords } from "./nncp_log.ts";
 * const rec = formatRecord("rx", [["Node", "BOB"], ["Msg", "Got file"]], new Date(0));
 * console.assert(parseRecords(rec)[0]!.get("Who") === "rx");
 * ```
 * @module
 */

import { lockFile } from "../fsutil/lock.ts";
import { openFile, writeAll } from "../fsutil/blocking.ts";

/** A field value as it appears in the log; a list becomes a multi-line field. */
export type RecValue = string | number | bigint | boolean | string[];

/** RFC 3339 with nanoseconds, trailing zeros trimmed, as Go's `time.RFC3339Nano` prints UTC. */
export function rfc3339Nano(date: Date, nanos?: number): string {
  const base = date.toISOString().slice(0, 19);
  const ns = nanos ?? (date.getTime() % 1000) * 1_000_000;
  if (ns === 0) return `${base}Z`;
  return `${base}.${String(ns).padStart(9, "0").replace(/0+$/, "")}Z`;
}

/** Renders one record: `When`, `Who`, then the fields in order, then a blank line. */
export function formatRecord(
  who: string,
  fields: [string, RecValue][],
  when: Date = new Date(),
): string {
  let out = `When: ${rfc3339Nano(when)}\nWho: ${who}\n`;
  for (const [key, value] of fields) {
    if (Array.isArray(value)) {
      if (value.length === 0) continue;
      out += `${key}: ${value[0]}\n` + value.slice(1).map((line) => `+ ${line}\n`).join("");
    } else {
      out += `${key}: ${String(value).replace(/\n/g, " ")}\n`;
    }
  }
  return out + "\n";
}

/** Parses recfile text into records (field name → value; repeated names keep the last). */
export function parseRecords(text: string): Map<string, string>[] {
  const records: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let lastKey: string | undefined;
  for (const line of text.split("\n")) {
    if (line === "") {
      if (current.size > 0) records.push(current);
      current = new Map();
      lastKey = undefined;
      continue;
    }
    if (line.startsWith("+") && lastKey !== undefined) {
      current.set(lastKey, `${current.get(lastKey)}\n${line.replace(/^\+ ?/, "")}`);
      continue;
    }
    const colon = line.indexOf(": ");
    if (colon <= 0) {
      const bare = line.endsWith(":") ? line.slice(0, -1) : undefined;
      if (bare) current.set(lastKey = bare, "");
      continue;
    }
    lastKey = line.slice(0, colon);
    current.set(lastKey, line.slice(colon + 2));
  }
  if (current.size > 0) records.push(current);
  return records;
}

/** One line for people: `2026-11-25T13:08:09Z Msg` (with `: Err` for errors), as `nncp-log` prints. */
export function humanizeRecord(rec: Map<string, string>): string {
  const when = (rec.get("When") ?? "").replace(/\.\d+Z$/, "Z");
  const msg = rec.get("Msg") ?? rec.get("Who") ?? "";
  const err = rec.get("Err");
  return `${when} ${err !== undefined ? `ERROR: ${msg}: ${err}` : msg}`;
}

/** Appends records to NNCP's log (path or `FD:N`). */
export class NncpLog {
  readonly #target: string;
  /** The write before this one: records of one process go out one at a time. */
  #last: Promise<unknown> = Promise.resolve();
  constructor(target: string) {
    this.#target = target;
  }

  /** Appends one record. A log that cannot be written never stops the work: the error is returned. */
  write(who: string, fields: [string, RecValue][]): Promise<Error | null> {
    // Two tasks of this process (toss's lanes) must not both wait for the
    // lock file: with blocking I/O the second would wait on the thread the
    // first needs to let go.
    const mine = this.#last.then(() => this.#write(who, fields));
    this.#last = mine;
    return mine;
  }

  async #write(who: string, fields: [string, RecValue][]): Promise<Error | null> {
    const rec = new TextEncoder().encode(formatRecord(who, fields));
    try {
      const fdMatch = /^FD:(\d+)$/.exec(this.#target);
      if (fdMatch) {
        const file = await openFile(`/proc/self/fd/${fdMatch[1]}`, { write: true, append: true });
        try {
          await writeAll(file, rec);
        } finally {
          file.close();
        }
        return null;
      }
      const lock = await lockFile(`${this.#target}.lock`);
      try {
        const file = await openFile(this.#target, { write: true, append: true, create: true });
        try {
          await writeAll(file, rec);
        } finally {
          file.close();
        }
      } finally {
        lock.unlock();
      }
      return null;
    } catch (err) {
      return err as Error;
    }
  }
}
