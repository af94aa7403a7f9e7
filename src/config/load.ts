/**
 * Loads an NNCP hjson configuration (plus ferry's own `ferry` section) and
 * checks all of it at once. Every problem is reported with its key path;
 * warnings (unknown keys, a private key file readable by others) do not stop
 * ferry.
 *
 * @example
 * ```ts ignore
 * import { loadConfig } from "./load.ts";
 * const { config, warnings } = await loadConfig("/etc/ferry/ferry.hjson");
 * console.log(config.self?.idText, warnings.length);
 * ```
 * @module
 */

import { parseHjson } from "./hjson/mod.ts";
import { checkKeyPairs } from "./key_pairs.ts";
import { ConfigError, type ConfigIssue, IssueList, joinPath } from "./issues.ts";
import {
  isObj,
  type Obj,
  readBool,
  readStr,
  swallowedComment,
  swallowedCommentMessage,
  warnUnknownKeys,
} from "./read.ts";
import { readArea, readNeighbour, readSelf } from "./parse_nodes.ts";
import { readFerrySection } from "./ferry_section.ts";
import { readMcdListen, readMcdSend } from "./mcd.ts";
import type { Config, Neighbour } from "./types.ts";
import { permissionHint, processUser } from "../fsutil/owner.ts";

/** Top-level keys NNCP knows (others are ignored by NNCP; ferry warns). */
const TOP_KEYS = [
  "spool",
  "log",
  "umask",
  "noprogress",
  "nohdr",
  "mcd-listen",
  "mcd-send",
  "yggdrasil-aliases",
  "notify",
  "self",
  "neigh",
  "areas",
  "ferry",
];

/** A loaded configuration and the warnings found in it. */
export interface LoadResult {
  config: Config;
  warnings: ConfigIssue[];
}

/** Options for {@linkcode parseConfig}. */
export interface ParseOptions {
  /** The file's permission bits, to warn about readable private keys. */
  mode?: number | null;
}

/** What checking configuration text found: its problems, and the configuration if it is usable. */
interface Analysis {
  issues: IssueList;
  config: Config | undefined;
}

function analyse(text: string, file: string, options: ParseOptions): Analysis {
  let root: unknown;
  try {
    root = parseHjson(text);
  } catch (err) {
    const msg = (err as Error).message.replace(/\s+/g, " ");
    throw new ConfigError(file, [{
      path: "",
      message: `cannot parse Hjson: ${msg}`,
      severity: "error",
    }]);
  }
  const issues = new IssueList();
  if (!isObj(root)) {
    throw new ConfigError(file, [{
      path: "",
      message: "the file must hold one object { ... }",
      severity: "error",
    }]);
  }
  const config = checkRoot(issues, root);
  if (config && options.mode !== undefined && options.mode !== null && config.self) {
    if ((options.mode & 0o077) !== 0) {
      issues.warn(
        "self",
        `the file holds private keys but is readable by ${
          (options.mode & 0o007) !== 0 ? "others" : "its group"
        } (mode ${(options.mode & 0o777).toString(8).padStart(3, "0")}); run: chmod 600 ${file}`,
      );
    }
  }
  return { issues, config };
}

function finish({ issues, config }: Analysis, file: string): LoadResult {
  if (issues.errors.length > 0 || !config) {
    throw new ConfigError(file, linkMisspellings(issues.items));
  }
  config.path = file;
  return { config, warnings: issues.warnings };
}

/**
 * Parses and checks configuration text: everything but whether the private
 * keys (of `self`, of the areas) give their public keys, which needs the asynchronous
 * WebCrypto ({@linkcode parseConfigChecked} and {@linkcode loadConfig} check
 * that too).
 * @throws {ConfigError} listing every error found, each with its key path.
 */
export function parseConfig(text: string, file: string, options: ParseOptions = {}): LoadResult {
  return finish(analyse(text, file, options), file);
}

/**
 * {@linkcode parseConfig}, and the key pairs of `self` checked too.
 * @throws {ConfigError} listing every error found, each with its key path.
 */
export async function parseConfigChecked(
  text: string,
  file: string,
  options: ParseOptions = {},
): Promise<LoadResult> {
  const analysis = analyse(text, file, options);
  const config = analysis.config;
  if (config) {
    for (const issue of await checkKeyPairs(config.self, config.areas.values())) {
      analysis.issues.error(issue.path, issue.message);
    }
  }
  return finish(analysis, file);
}

/** Options for {@linkcode loadConfig}. */
export interface LoadOptions {
  /**
   * Check that the private keys give their public keys (default true; a
   * command that uses no private key may skip it, see {@linkcode parseConfig}).
   */
  keyPairs?: boolean;
}

/**
 * Reads and checks a configuration file.
 * @throws {ConfigError} for a file that cannot be read or has errors.
 */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<LoadResult> {
  let text: string;
  let mode: number | null = null;
  const fail = (reason: string) =>
    new ConfigError(file, [{ path: "", message: `cannot read: ${reason}`, severity: "error" }]);
  try {
    // stat first: opening a FIFO or a device for reading could block or never end.
    const info = await Deno.stat(file);
    if (!info.isFile) throw fail(`${describeKind(info)}, not a regular file`);
    if (info.size > CONFIG_BYTES_MAX) throw fail(tooBig(info.size));
    using handle = await Deno.open(file, { read: true });
    const opened = await handle.stat();
    if (!opened.isFile) throw fail(`${describeKind(opened)}, not a regular file`);
    mode = opened.mode;
    const buf = new Uint8Array(CONFIG_BYTES_MAX + 1);
    let got = 0;
    while (got < buf.length) {
      const n = await handle.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    if (got > CONFIG_BYTES_MAX) throw fail(tooBig(got));
    text = new TextDecoder().decode(buf.subarray(0, got));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw fail(readFailure(err, file));
  }
  return options.keyPairs === false
    ? parseConfig(text, file, { mode })
    : await parseConfigChecked(text, file, { mode });
}

/** Largest configuration file ferry reads (NNCP's own files are a few KiB). */
export const CONFIG_BYTES_MAX = 1024 * 1024;

function tooBig(size: number): string {
  return `it is ${size} bytes, more than the ${CONFIG_BYTES_MAX} bytes a configuration may have; ` +
    "is --config pointing at the right file?";
}

function describeKind(info: Deno.FileInfo): string {
  if (info.isDirectory) return "it is a folder";
  if (info.isFifo) return "it is a FIFO";
  if (info.isCharDevice) return "it is a character device";
  if (info.isBlockDevice) return "it is a block device";
  if (info.isSocket) return "it is a socket";
  return "it is not a regular file";
}

function readFailure(err: unknown, file: string): string {
  if (err instanceof Deno.errors.NotFound) {
    return "no such file; create one with `ferry init --output FILE` or pass --config";
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return `permission denied for ${processUser()}; ${permissionHint(file)}`;
  }
  return (err as Error).message;
}

function checkRoot(issues: IssueList, root: Obj): Config | undefined {
  warnUnknownKeys(issues, root, "", TOP_KEYS);
  const spool = readStr(issues, root, "spool", "", true);
  if (spool !== undefined && !spool.startsWith("/")) {
    issues.error("spool", `must be an absolute path, not ${JSON.stringify(spool)}`);
  }
  if (spool !== undefined && swallowedComment(spool)) {
    issues.error("spool", swallowedCommentMessage(spool));
  }
  const log = readStr(issues, root, "log", "", true);
  if (log !== undefined && swallowedComment(log)) issues.error("log", swallowedCommentMessage(log));
  if (log !== undefined && !log.startsWith("/") && !/^FD:\d+$/.test(log)) {
    issues.error("log", `must be an absolute path or FD:N, not ${JSON.stringify(log)}`);
  }
  let umask: number | undefined;
  const umaskRaw = root["umask"];
  if (umaskRaw !== undefined) {
    if (typeof umaskRaw !== "string" || !/^[0-7]{1,4}$/.test(umaskRaw)) {
      issues.error(
        "umask",
        `must be an octal string such as "022", not ${JSON.stringify(umaskRaw)}`,
      );
    } else umask = parseInt(umaskRaw, 8);
  }
  const noProgress = readBool(issues, root, "noprogress", "") ?? false;
  const noHdr = readBool(issues, root, "nohdr", "") ?? false;
  const self = readSelf(issues, root);
  const neigh = new Map<string, Neighbour>();
  const neighById = new Map<string, Neighbour>();
  const neighObj = root["neigh"];
  const neighNames = new Set(isObj(neighObj) ? Object.keys(neighObj) : []);
  if (neighObj === undefined) issues.error("neigh", "is missing: it must hold at least `self`");
  else if (!isObj(neighObj)) issues.error("neigh", "must be an object { self: {...}, ... }");
  else {
    for (const [name, stanza] of Object.entries(neighObj)) {
      const node = readNeighbour(issues, name, stanza);
      if (!node) continue;
      const other = neighById.get(node.idText);
      if (other && !(other.name === "self" || name === "self")) {
        issues.error(
          joinPath("neigh", name, "id"),
          `is the same node as neigh.${other.name}; each node may appear once`,
        );
        continue;
      }
      neigh.set(name, node);
      if (!other || name !== "self") neighById.set(node.idText, node);
    }
    if (!("self" in neighObj)) {
      issues.error("neigh.self", "is missing: NNCP requires our own public stanza there");
    }
    checkVia(issues, neigh, neighNames);
  }
  const selfStanza = neigh.get("self");
  if (self && selfStanza && selfStanza.idText !== self.idText) {
    issues.error("neigh.self.id", "is not this node: it must carry the public keys of `self`");
  }
  const areas = new Map();
  const areasObj = root["areas"];
  if (areasObj !== undefined) {
    if (!isObj(areasObj)) issues.error("areas", "must be an object { name: {...} }");
    else {
      for (const [name, stanza] of Object.entries(areasObj)) {
        const area = readArea(issues, name, stanza);
        if (!area) continue;
        area.subs.forEach((sub, i) => {
          if (!neighNames.has(sub)) {
            issues.error(
              joinPath("areas", name, "subs", i),
              `names an unknown node ${JSON.stringify(sub)}; known: ${[...neighNames].join(", ")}`,
            );
          }
        });
        areas.set(name, area);
      }
    }
  }
  const mcdListen = readMcdListen(issues, root);
  const mcdSend = readMcdSend(issues, root);
  const ferry = readFerrySection(issues, root, neighNames);
  if (spool === undefined || log === undefined) return undefined;
  const config: Config = {
    path: "",
    spool,
    log,
    noProgress,
    noHdr,
    neigh,
    neighById,
    areas,
    mcdListen,
    mcdSend,
    ferry,
  };
  if (umask !== undefined) config.umask = umask;
  if (self) config.self = self;
  return config;
}

function checkVia(issues: IssueList, neigh: Map<string, Neighbour>, names: Set<string>): void {
  for (const node of neigh.values()) {
    node.via.forEach((hop, i) => {
      const at = joinPath("neigh", node.name, "via", i);
      if (!names.has(hop)) {
        issues.error(
          at,
          `names an unknown node ${JSON.stringify(hop)}; known: ${[...names].join(", ")}`,
        );
      } else if (hop === node.name) {
        issues.error(at, "names the node itself: a node cannot relay to itself");
      } else if (hop === "self") {
        issues.error(at, "names self: packets cannot be routed through this node");
      }
    });
  }
}

/**
 * A key reported missing next to an unknown key that looks like it (`spool`
 * missing, `spoool` unknown) says so in the error itself.
 */
function linkMisspellings(items: ConfigIssue[]): ConfigIssue[] {
  return items.map((issue) => {
    if (issue.severity !== "error" || !issue.message.startsWith("is missing")) return issue;
    const cut = issue.path.lastIndexOf(".");
    const parent = cut < 0 ? "" : issue.path.slice(0, cut);
    const key = issue.path.slice(cut + 1);
    const typo = items.find((w) =>
      w.severity === "warning" && w.message.endsWith(`did you mean ${JSON.stringify(key)}?`) &&
      (w.path.lastIndexOf(".") < 0 ? "" : w.path.slice(0, w.path.lastIndexOf("."))) === parent
    );
    if (!typo) return issue;
    const spelt = typo.path.slice(typo.path.lastIndexOf(".") + 1);
    return {
      ...issue,
      message: `${issue.message} (the file has ${JSON.stringify(spelt)}: a typo?)`,
    };
  });
}
