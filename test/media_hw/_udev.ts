/**
 * A strict reader of udev rules files (the subset udev(7) defines: one rule
 * per line, `\` continuations, comma-separated `KEY op "value"` items) and a
 * small evaluator for the keys ferry's rule uses, so tests can check both
 * the syntax and what the rule does for a given device without udevadm.
 * @module
 */

/** One `KEY op "value"` item. */
export interface RuleItem {
  key: string;
  op: "==" | "!=" | "=" | "+=" | "-=" | ":=";
  value: string;
}

/** One rule line with its (first) line number. */
export interface Rule {
  line: number;
  items: RuleItem[];
}

const MATCH_ONLY =
  /^(ACTION|DEVPATH|KERNELS?|SUBSYSTEMS?|DRIVERS?|ATTRS\{[^}]+\}|TAGS|TEST(\{[0-7]+\})?|PROGRAM|RESULT|CONST\{[a-z]+\})$/;
const ASSIGN_ONLY =
  /^(OWNER|GROUP|MODE|SECLABEL\{[^}]+\}|RUN(\{(program|builtin)\})?|LABEL|GOTO|IMPORT\{[a-z]+\}|OPTIONS)$/;
const EITHER = /^(NAME|SYMLINK|ATTR\{[^}]+\}|SYSCTL\{[^}]+\}|ENV\{[A-Za-z0-9_]+\}|TAG)$/;
const ITEM = /^([A-Z_]+(?:\{[^}"]*\})?)\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,\s*|$)/;

/** Parses a rules file; throws a `SyntaxError` naming the line for anything out of shape. */
export function parseRules(text: string): Rule[] {
  const rules: Rule[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let line = lines[i]!;
    while (line.endsWith("\\") && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!;
    const body = line.trim();
    if (body === "" || body.startsWith("#")) continue;
    const items: RuleItem[] = [];
    let rest = body;
    while (rest !== "") {
      const m = ITEM.exec(rest);
      if (!m) throw new SyntaxError(`line ${first}: cannot read ${JSON.stringify(rest)}`);
      const [, key, op, value] = m as unknown as [string, string, RuleItem["op"], string];
      const isMatch = op === "==" || op === "!=";
      const known = EITHER.test(key) || (isMatch ? MATCH_ONLY : ASSIGN_ONLY).test(key);
      if (!known) throw new SyntaxError(`line ${first}: ${key} cannot be used with ${op}`);
      if ((key === "LABEL" || key === "GOTO") && op !== "=") {
        throw new SyntaxError(`line ${first}: ${key} takes "="`);
      }
      items.push({ key, op, value });
      rest = rest.slice(m[0].length);
    }
    rules.push({ line: first, items });
  }
  return rules;
}

/** A device as the rule sees it. */
export interface Device {
  action: string;
  subsystem: string;
  kernel: string;
  env: Record<string, string>;
  tags?: string[];
}

function globMatch(pattern: string, text: string): boolean {
  return pattern.split("|").some((alt) => {
    const re = alt.replace(/[.+^${}()\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${re}$`).test(text);
  });
}

function subst(value: string, dev: Device): string {
  return value.replace(/%k|\$kernel/g, dev.kernel);
}

/** Runs `rules` on `dev` (keys ferry's rule uses only) and returns the device after it. */
export function evaluate(rules: Rule[], dev: Device): Device {
  const out: Device = { ...dev, env: { ...dev.env }, tags: [...(dev.tags ?? [])] };
  let skipTo: string | undefined;
  for (const rule of rules) {
    const label = rule.items.find((it) => it.key === "LABEL");
    if (skipTo !== undefined) {
      if (label?.value === skipTo) skipTo = undefined;
      continue;
    }
    const actual = (key: string): string => {
      if (key === "ACTION") return out.action;
      if (key === "SUBSYSTEM") return out.subsystem;
      if (key === "KERNEL") return out.kernel;
      const env = /^ENV\{(.+)\}$/.exec(key);
      if (env) return out.env[env[1]!] ?? "";
      throw new Error(`the evaluator does not know ${key}`);
    };
    const matches = rule.items.filter((it) => it.op === "==" || it.op === "!=");
    const ok = matches.every((it) => globMatch(it.value, actual(it.key)) === (it.op === "=="));
    if (!ok) continue;
    for (const it of rule.items.filter((x) => x.op !== "==" && x.op !== "!=")) {
      const env = /^ENV\{(.+)\}$/.exec(it.key);
      const value = subst(it.value, out);
      if (it.key === "GOTO") skipTo = value;
      else if (it.key === "TAG") out.tags!.push(value);
      else if (env && it.op === "+=") {
        const old = out.env[env[1]!];
        out.env[env[1]!] = old ? `${old} ${value}` : value;
      } else if (env) out.env[env[1]!] = value;
      else if (it.key !== "LABEL") throw new Error(`the evaluator does not know ${it.key}`);
    }
  }
  if (skipTo !== undefined) throw new Error(`GOTO "${skipTo}" has no LABEL after it`);
  return out;
}
