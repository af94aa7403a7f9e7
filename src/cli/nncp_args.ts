/**
 * Command lines as NNCP users type them. NNCP's tools take Go-style flags
 * with one dash (`-cfg FILE`, `-nice F`, `-node house`, `-quiet`), and read
 * the configuration from `NNCPCFG`; ferry's parser would read `-cfg` as
 * `-c fg`. Before parsing, {@linkcode normalizeArgs}:
 *
 * - spells a one-dash word as the two-dash option of the same name when the
 *   command has it (`-nice` → `--nice`, `-cfg` → `--config`), and otherwise
 *   as two dashes too (unless it starts with one of the command's short
 *   options), so the parser's "did you mean" names real options;
 * - moves the program's own options (`--config`, `--quiet`, `--noprogress`)
 *   written after the command to the front, so they work anywhere.
 *
 * Nothing after `--`, and nothing after the first argument of a command
 * that passes its arguments through (`ferry exec NODE HANDLE ARGS`), is
 * touched.
 *
 * @example
 * ```ts ignore
 * normalizeArgs(["file", "-nice", "F", "x", "house:", "-cfg", "a.hjson"], program);
 * // ["--config", "a.hjson", "file", "--nice", "F", "x", "house:"]
 * ```
 * @module
 */

import type { Command, Option } from "./args/mod.ts";

/** NNCP flags whose ferry name differs. */
const RENAMED: Record<string, string> = { cfg: "config" };

function findOption(cmd: Command, flag: string): Option | undefined {
  return cmd.options.find((o) => o.long === flag || o.short === flag);
}

function takesValue(opt: Option): boolean {
  return opt.required || opt.optional;
}

function respell(token: string, cmd: Command, program: Command): string {
  const m = /^-([a-z][a-z0-9-]+)(=.*)?$/.exec(token);
  if (!m) return token;
  const word = RENAMED[m[1]!] ?? m[1]!;
  const rest = m[2] ?? "";
  const long = `--${word}`;
  if (findOption(cmd, long) || findOption(program, long)) return long + rest;
  if (findOption(cmd, `-${m[1]![0]}`) || findOption(program, `-${m[1]![0]}`)) return token;
  return long + rest;
}

/** Rewrites `args` (without the program name) as described in the module comment. */
export function normalizeArgs(args: string[], program: Command): string[] {
  const front: string[] = [];
  const out: string[] = [];
  let cmd = program;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    if (raw === "--") {
      out.push(...args.slice(i));
      break;
    }
    if (raw.startsWith("-") && raw !== "-") {
      const token = respell(raw, cmd, program);
      const [flag, inline] = splitInline(token);
      const own = findOption(cmd, flag);
      const global = cmd !== program ? findOption(program, flag) : undefined;
      const opt = own ?? global;
      const into = !own && global ? front : out;
      into.push(token);
      if (opt && takesValue(opt) && inline === undefined && i + 1 < args.length) {
        into.push(args[++i]!);
      }
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === raw || c.aliases().includes(raw));
    out.push(raw);
    if (sub) {
      cmd = sub;
      continue;
    }
    if (passesThrough(cmd)) {
      out.push(...args.slice(i + 1));
      break;
    }
  }
  return [...front, ...out];
}

function splitInline(token: string): [string, string | undefined] {
  if (!token.startsWith("--")) return [token, undefined];
  const eq = token.indexOf("=");
  return eq < 0 ? [token, undefined] : [token.slice(0, eq), token.slice(eq + 1)];
}

function passesThrough(cmd: Command): boolean {
  return cmd.passesThrough;
}
