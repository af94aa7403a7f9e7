/**
 * Small typed readers for untrusted configuration values. Each reads one
 * value, records an issue with its key path when the value has the wrong
 * shape, and returns `undefined` so checking can go on.
 * @module
 */

import { decodeBase32 } from "../encoding/base32.ts";
import { type IssueList, joinPath } from "./issues.ts";

/** A plain object from parsed Hjson. */
export type Obj = Record<string, unknown>;

/** True for a plain object (not an array, not null). */
export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Reads an object; missing is fine (returns undefined) unless `required`. */
export function readObj(
  issues: IssueList,
  parent: Obj,
  key: string,
  path: string,
  required = false,
): Obj | undefined {
  const value = parent[key];
  const at = joinPath(path, key);
  if (value === undefined || value === null) {
    if (required) issues.error(at, "is missing");
    return undefined;
  }
  if (!isObj(value)) {
    issues.error(at, `must be an object { ... }, not ${describe(value)}`);
    return undefined;
  }
  return value;
}

/** Reads a string. */
export function readStr(
  issues: IssueList,
  parent: Obj,
  key: string,
  path: string,
  required = false,
): string | undefined {
  const value = parent[key];
  const at = joinPath(path, key);
  if (value === undefined || value === null) {
    if (required) issues.error(at, "is missing");
    return undefined;
  }
  if (typeof value !== "string") {
    issues.error(at, `must be a string, not ${describe(value)}`);
    return undefined;
  }
  if (swallowedComment(value)) {
    issues.warn(at, swallowedCommentMessage(value));
  }
  return value;
}

/**
 * True when an unquoted Hjson value ran into a comment: in Hjson a quoteless
 * value runs to the end of its line, so `dir: /srv/q   # note` is the string
 * `/srv/q   # note`.
 */
export function swallowedComment(value: string): boolean {
  return /\s(#|\/\/|\/\*)/.test(value);
}

/** What to say about a value that swallowed a comment. */
export function swallowedCommentMessage(value: string): string {
  const cut = value.search(/\s+(#|\/\/|\/\*)/);
  return `${JSON.stringify(value)} holds a comment: in Hjson an unquoted value runs to the end ` +
    `of the line; write it in quotes: ${JSON.stringify(value.slice(0, cut))}`;
}

/** Reads an absolute path. */
export function readAbsPath(
  issues: IssueList,
  parent: Obj,
  key: string,
  path: string,
  required = false,
): string | undefined {
  const value = readStr(issues, parent, key, path, required);
  if (value === undefined) return undefined;
  if (!value.startsWith("/")) {
    issues.error(joinPath(path, key), `must be an absolute path, not ${JSON.stringify(value)}`);
    return undefined;
  }
  if (swallowedComment(value)) {
    issues.error(joinPath(path, key), swallowedCommentMessage(value));
    return undefined;
  }
  return value;
}

/** Reads a boolean. */
export function readBool(
  issues: IssueList,
  parent: Obj,
  key: string,
  path: string,
): boolean | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") {
    issues.error(joinPath(path, key), `must be true or false, not ${describe(value)}`);
    return undefined;
  }
  return value;
}

/** Reads an integer within [min, max]. Numeric strings are accepted, as Hjson often yields them. */
export function readInt(
  issues: IssueList,
  parent: Obj,
  key: string,
  path: string,
  min: number,
  max: number,
): number | undefined {
  return readNumber(issues, parent, key, path, min, max, true);
}

/** Reads a number (not necessarily whole) within [min, max]. */
export function readNum(
  issues: IssueList,
  parent: Obj,
  key: string,
  path: string,
  min: number,
  max: number,
): number | undefined {
  return readNumber(issues, parent, key, path, min, max, false);
}

function readNumber(
  issues: IssueList,
  parent: Obj,
  key: string,
  path: string,
  min: number,
  max: number,
  whole: boolean,
): number | undefined {
  let value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && value.trim() !== "" && !isNaN(Number(value))) {
    value = Number(value);
  }
  if (typeof value !== "number" || !(whole ? Number.isInteger(value) : Number.isFinite(value))) {
    issues.error(
      joinPath(path, key),
      `must be a ${whole ? "whole " : ""}number, not ${describe(value)}`,
    );
    return undefined;
  }
  if (value < min || value > max) {
    issues.error(joinPath(path, key), `must be within ${min}..${max}, not ${value}`);
    return undefined;
  }
  return value;
}

/** Reads a list of strings. */
export function readStrList(
  issues: IssueList,
  parent: Obj,
  key: string,
  path: string,
): string[] | undefined {
  const value = parent[key];
  const at = joinPath(path, key);
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    issues.error(at, `must be a list [ ... ] of strings, not ${describe(value)}`);
    return undefined;
  }
  const out: string[] = [];
  value.forEach((item, i) => {
    if (typeof item !== "string") {
      issues.error(joinPath(at, i), `must be a string, not ${describe(item)}`);
    } else out.push(item);
  });
  return out;
}

/** Reads a base32 key of exactly `length` bytes. */
export function readKey(
  issues: IssueList,
  parent: Obj,
  key: string,
  path: string,
  length: number,
  required: boolean,
): Uint8Array | undefined {
  const text = readStr(issues, parent, key, path, required);
  if (text === undefined) return undefined;
  const at = joinPath(path, key);
  let bytes: Uint8Array;
  try {
    bytes = decodeBase32(text);
  } catch (err) {
    issues.error(
      at,
      `is not valid base32 (${(err as Error).message.replace(/^Cannot decode base32: /, "")})`,
    );
    return undefined;
  }
  if (bytes.length !== length) {
    issues.error(
      at,
      `must be ${length} bytes (${
        Math.ceil((length * 8) / 5)
      } base32 characters), not ${bytes.length} bytes`,
    );
    return undefined;
  }
  return bytes;
}

/** Reports keys of `obj` that are not in `known` as warnings (NNCP ignores them too). */
export function warnUnknownKeys(
  issues: IssueList,
  obj: Obj,
  path: string,
  known: readonly string[],
  asError = false,
): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const hint = closest(key, known);
    const message = `unknown key${hint ? `; did you mean ${JSON.stringify(hint)}?` : ""}`;
    if (asError) issues.error(joinPath(path, key), message);
    else issues.warn(joinPath(path, key), message);
  }
}

function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = 3;
  for (const option of options) {
    const d = editDistance(word.toLowerCase(), option.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = option;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
