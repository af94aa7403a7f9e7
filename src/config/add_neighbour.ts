/**
 * Adding a neighbour to a configuration file: the stanza a peer's
 * `ferry pubkey` printed (or an NNCP public stanza) goes into `neigh`, with
 * the folder its files land in. The file is edited as text, so its comments
 * and layout stay as they were; the result is checked with the real loader
 * before it replaces the file, atomically and with the file's owner and mode.
 *
 * @example
 * ```ts ignore
 * const text = addNeighbourText(configText, "house", pubkeyOutput, { incoming: "/srv/in" });
 * ```
 * @module
 */

import { parseHjson } from "./hjson/mod.ts";
import { ConfigError } from "./issues.ts";
import { parseConfig } from "./load.ts";
import { isObj } from "./read.ts";

/** What else the new neighbour gets. */
export interface AddNeighbourOptions {
  /** Folder the neighbour's files land in. */
  incoming?: string;
}

/** Largest stanza read (a public stanza is about 300 bytes). */
export const STANZA_BYTES_MAX = 64 * 1024;

const KEYS = ["id", "exchpub", "signpub", "noisepub"] as const;

/** The public keys in `stanza`: `NAME: { ... }` as `ferry pubkey` prints it, or `{ ... }`. */
export function parseStanza(stanza: string): { name?: string; keys: Record<string, string> } {
  if (new TextEncoder().encode(stanza).length > STANZA_BYTES_MAX) {
    throw new RangeError(`the stanza is over ${STANZA_BYTES_MAX} bytes: is it the right input?`);
  }
  let parsed: unknown;
  try {
    parsed = parseHjson(stanza);
  } catch (err) {
    throw new SyntaxError(
      `cannot parse the stanza as Hjson (${(err as Error).message.replace(/\s+/g, " ")}); ` +
        "give what ferry pubkey printed",
    );
  }
  if (!isObj(parsed)) throw new SyntaxError("the stanza must be NAME: { id: ..., ... }");
  let name: string | undefined;
  let body = parsed;
  if (!("id" in parsed)) {
    const entries = Object.entries(parsed);
    if (entries.length !== 1 || !isObj(entries[0]![1])) {
      throw new SyntaxError("the stanza must hold one node: NAME: { id: ..., exchpub: ..., ... }");
    }
    name = entries[0]![0];
    body = entries[0]![1] as Record<string, unknown>;
  }
  const keys: Record<string, string> = {};
  for (const key of KEYS) {
    const value = body[key];
    if (typeof value === "string") keys[key] = value;
  }
  return name === undefined ? { keys } : { name, keys };
}

/**
 * `config` with neighbour `name` added. Throws a {@linkcode ConfigError}
 * when the result does not load, a RangeError when the name is taken.
 */
export function addNeighbourText(
  config: string,
  file: string,
  name: string,
  keys: Record<string, string>,
  options: AddNeighbourOptions = {},
): string {
  const before = parseConfig(config, file).config;
  if (before.neigh.has(name)) {
    throw new RangeError(`${file} has a neighbour called ${name} already; edit it by hand`);
  }
  const m = /^([ \t]*)neigh\s*:\s*\{[ \t]*(#.*)?\n/m.exec(config);
  if (!m) {
    throw new RangeError(
      `cannot find the line "neigh: {" in ${file}; add the stanza under neigh by hand`,
    );
  }
  const indent = `${m[1]}  `;
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    `${indent}${name}: {`,
    ...KEYS.filter((k) => keys[k] !== undefined).map((k) => `${indent}  ${k}: ${keys[k]}`),
    ...(options.incoming ? [`${indent}  incoming: ${q(options.incoming)}`] : []),
    `${indent}}`,
  ];
  const at = m.index + m[0].length;
  const text = config.slice(0, at) + lines.join("\n") + "\n" + config.slice(at);
  const after = parseConfig(text, file).config;
  if (!after.neigh.has(name)) {
    throw new ConfigError(file, [{
      path: `neigh.${name}`,
      message: "did not load after adding it; add the stanza by hand",
      severity: "error",
    }]);
  }
  return text;
}
