/**
 * Writes plain values as Hjson that both ferry and NNCP's tools read back to
 * the same values: one member per line, no commas, keys without quotes
 * where that is safe, and every string in JSON quotes (a quoteless value
 * would take in a trailing comment or turn `true` or `12` into something
 * else).
 *
 * @example
 * ```ts
 * import { stringifyHjson } from "./stringify.ts";
 * const text = stringifyHjson({ spool: "/var/spool/nncp", neigh: { self: { id: "ABC" } } });
 * if (!text.includes('spool: "/var/spool/nncp"')) throw new Error("bad output");
 * ```
 * @module
 */

/** Options for {@linkcode stringifyHjson}. */
export interface HjsonStringifyOptions {
  /** Indentation of one level (default two spaces). */
  indent?: string;
}

/** Key names written without quotes (letters, digits, `_`, `-`, `.`, not starting with a quote). */
const BARE_KEY = /^[A-Za-z0-9_.-]+$/;

function key(name: string): string {
  return BARE_KEY.test(name) ? name : JSON.stringify(name);
}

function write(value: unknown, pad: string, step: string, seen: Set<object>): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return String(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} in Hjson`);
      return String(value);
    case "object":
      break;
    default:
      throw new TypeError(`cannot write a ${typeof value} in Hjson`);
  }
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError("cannot write a value that contains itself");
  seen.add(obj);
  const inner = pad + step;
  let out: string;
  if (Array.isArray(obj)) {
    out = obj.length === 0
      ? "[]"
      : `[\n${obj.map((v) => inner + write(v, inner, step, seen)).join("\n")}\n${pad}]`;
  } else {
    const entries = Object.entries(obj).filter(([, v]) => v !== undefined);
    out = entries.length === 0
      ? "{}"
      : `{\n${
        entries.map(([k, v]) => `${inner}${key(k)}: ${write(v, inner, step, seen)}`).join("\n")
      }\n${pad}}`;
  }
  seen.delete(obj);
  return out;
}

/**
 * `value` as Hjson text (ending in a newline). Object members whose value is
 * `undefined` are left out.
 * @throws {TypeError} for values Hjson cannot hold (functions, infinities, cycles).
 */
export function stringifyHjson(value: unknown, options: HjsonStringifyOptions = {}): string {
  return write(value, "", options.indent ?? "  ", new Set()) + "\n";
}
