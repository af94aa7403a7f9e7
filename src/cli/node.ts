/**
 * Helpers the spool commands share: loading the node context, and the
 * options every sending command takes (`--nice`, `--via`, `--minsize`).
 * @module
 */

import type { Command } from "./args/mod.ts";
import type { Area, Neighbour } from "../config/mod.ts";
import { findNode, UnknownNodeError } from "../config/find.ts";
import { parseNiceness } from "../config/niceness.ts";
import type { PacketPeer } from "../packet/mod.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { userName } from "../fsutil/owner.ts";
import { createNodeContext, type NodeContext } from "../node/context.ts";
import { loadCliConfigWithSelf } from "./config.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";

/** Loads the configuration and builds the node context, logging at the configured level. */
export async function loadNodeContext(ctx: CliContext): Promise<NodeContext> {
  const config = await loadCliConfigWithSelf(ctx);
  const quiet = ctx.globals?.().quiet === true;
  const level = Deno.env.get("FERRY_DEBUG")
    ? "debug"
    : quiet && config.ferry.logLevel !== "error"
    ? "warn"
    : config.ferry.logLevel;
  const log = createLogger({ level });
  warnRootOnForeignSpool(config.spool, log);
  return createNodeContext(config, log);
}

/**
 * Root working on a spool another user owns leaves root-owned files and
 * folders there, which that user (the service) then cannot use: say so.
 */
function warnRootOnForeignSpool(spool: string, log: Logger): void {
  if (Deno.uid() !== 0) return;
  let owner: number | null;
  try {
    owner = Deno.statSync(spool).uid;
  } catch {
    return;
  }
  if (owner === null || owner === 0) return;
  const name = userName(owner);
  log.warn("running-as-root", {
    spool,
    owner: name,
    problem: `files this command makes in the spool will belong to root, and ${name} ` +
      `(the agent's user) cannot use them; run it as ${name}: runuser -u ${name} -- ferry ...`,
  });
}

/** Resolves a node name or id given on the command line. */
export function cliNode(node: NodeContext, nameOrId: string): Neighbour {
  try {
    return findNode(node.config, nameOrId);
  } catch (err) {
    if (err instanceof UnknownNodeError) throw new UsageError(err.message);
    throw err;
  }
}

/** Parses a niceness option. */
export function cliNice(text: string, flag = "--nice"): number {
  try {
    return parseNiceness(text);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/** Parses a size in KiB (NNCP's -minsize and -chunked unit) into bytes. */
export function cliKiB(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 40) {
    throw new UsageError(`${flag} takes a whole number of KiB, not ${JSON.stringify(text)}`);
  }
  return n * 1024;
}

/** Parses `--via a,b` into relay names, checking each is known. */
export function cliVia(node: NodeContext, text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  if (text === "" || text === "-") return [];
  const names = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const name of names) cliNode(node, name);
  return names;
}

/** Adds `--nice`, `--via` and `--minsize` to a sending command. */
export function sendingOptions(cmd: Command, defaultNice: string): Command {
  return cmd
    .option("--nice <nice>", `niceness of the packet: 1-255 or F, P, N, B with +/-N`, defaultNice)
    .option(
      "--via <nodes>",
      "relay through these nodes (comma separated, first hop first); '-' for direct",
    )
    .option("--minsize <KiB>", "pad the packet to at least this size, to hide what it carries");
}

/** Splits `NODE:PATH` (PATH may be empty). */
export function splitNodePath(text: string, what: string): [string, string] {
  const colon = text.indexOf(":");
  if (colon <= 0) {
    throw new UsageError(`${what} must look like NODE:PATH, not ${JSON.stringify(text)}`);
  }
  return [text.slice(0, colon), text.slice(colon + 1)];
}

/** What every sending command resolves from its arguments: the target, niceness, padding and route. */
export interface SendBase {
  to: Neighbour;
  nice: number;
  /** `minSize` and `via`, present only when given (spread into a request). */
  extra: { minSize?: number; via?: string[] };
}

/** Resolves the node and the `--nice`, `--minsize` and `--via` options of a sending command. */
export function cliSendBase(
  node: NodeContext,
  nodeName: string,
  opts: { nice: string; minsize?: string; via?: string },
): SendBase {
  const to = cliNode(node, nodeName);
  const nice = cliNice(opts.nice);
  const minSize = cliKiB(opts.minsize, "--minsize");
  const via = cliVia(node, opts.via);
  return { to, nice, extra: { ...(minSize ? { minSize } : {}), ...(via ? { via } : {}) } };
}

/** The prefix of an area destination (`area:NAME:` as NNCP writes it). */
export const AREA_PREFIX = "area:";

/** An area to send to, with the keys sending needs. */
export interface SendArea {
  area: Area;
  peer: PacketPeer;
}

/** Resolves the area `name` of an `area:NAME` destination; it needs `pub` and `prv`. */
export function cliArea(node: NodeContext, name: string): SendArea {
  const area = node.config.areas.get(name);
  if (!area) {
    const known = [...node.config.areas.keys()].join(", ") || "(none)";
    throw new UsageError(
      `unknown area ${
        JSON.stringify(name)
      }: known areas are ${known}; add it to areas in ${node.config.path}`,
    );
  }
  if (!area.pub || !area.prv) {
    throw new UsageError(
      `area ${name} has no keys (pub and prv) here, so this node cannot send to it; ` +
        `copy them from a member's areas.${name}`,
    );
  }
  return { area, peer: { id: area.id, exchPub: area.pub } };
}

/**
 * Splits a destination that may be an area: `area:NAME:REST` gives the area
 * name and REST; anything else gives null.
 */
export function splitArea(text: string, needRest: boolean): { name: string; rest: string } | null {
  if (!text.startsWith(AREA_PREFIX)) return null;
  const body = text.slice(AREA_PREFIX.length);
  const colon = body.indexOf(":");
  if (needRest && colon <= 0) {
    throw new UsageError(
      `an area destination looks like area:AREA:[NAME], not ${JSON.stringify(text)}`,
    );
  }
  if (colon === 0 || body === "") {
    throw new UsageError(`an area destination looks like area:AREA, not ${JSON.stringify(text)}`);
  }
  return colon < 0
    ? { name: body, rest: "" }
    : { name: body.slice(0, colon), rest: body.slice(colon + 1) };
}
