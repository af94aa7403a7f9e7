/**
 * `ferry rm`: remove packets from the spool, like `nncp-rm`. The way out
 * when a packet keeps failing to toss (`ferry rm --node house --pkt ID`), or
 * a queue must be emptied (`--rx`, `--tx`, optionally `--older 2d`).
 * Removing rx packets takes the node's toss lock, so a running toss or
 * agent never has a packet vanish under it; `--dryrun` only prints.
 * @module
 */

import type { Command } from "../args/mod.ts";
import type { Neighbour } from "../../config/mod.ts";
import type { NodeContext } from "../../node/context.ts";
import type { SpoolEntry } from "../../spool/mod.ts";
import { cliNode, loadNodeContext } from "../node.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { humanBytes } from "../../log/humanize.ts";

/** Most packet ids read from standard input by `--pkt -`. */
const STDIN_IDS_MAX = 100_000;
/** Largest standard input `--pkt -` reads. */
const STDIN_BYTES_MAX = 16 * 1024 * 1024;

const ID_RE = /^[A-Z2-7]{52}$/;
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses NNCP's `-older` value (`10s`, `5m`, `12h`, `2d`) into milliseconds. */
export function parseOlder(text: string): number {
  const m = /^(\d{1,9})([smhd])$/.exec(text.trim());
  if (!m) {
    throw new UsageError(
      `--older takes a number with a unit s, m, h or d (10s, 5m, 12h, 2d), not ${
        JSON.stringify(text)
      }`,
    );
  }
  return Number(m[1]) * UNITS[m[2]!]! * 1000;
}

/** Packet ids from arguments, or from standard input for `-`; "directories" in front are ignored. */
async function packetIds(given: string[]): Promise<string[]> {
  let words = given.flatMap((g) => g.split(","));
  if (words.includes("-")) {
    const bytes = new Uint8Array(STDIN_BYTES_MAX + 1);
    let got = 0;
    while (got < bytes.length) {
      const n = await Deno.stdin.read(bytes.subarray(got));
      if (n === null) break;
      got += n;
    }
    if (got > STDIN_BYTES_MAX) {
      throw new UsageError(`--pkt -: standard input is over ${STDIN_BYTES_MAX} bytes`);
    }
    words = [
      ...words.filter((w) => w !== "-"),
      ...new TextDecoder().decode(bytes.subarray(0, got)).split(/\s+/),
    ];
  }
  const ids = [...new Set(words.map((w) => w.trim()).filter((w) => w !== ""))].map((w) =>
    w.slice(w.lastIndexOf("/") + 1)
  );
  if (ids.length > STDIN_IDS_MAX) throw new UsageError(`more than ${STDIN_IDS_MAX} packet ids`);
  for (const id of ids) {
    if (!ID_RE.test(id)) {
      throw new UsageError(`--pkt: ${JSON.stringify(id)} is not a packet id (52 base32 letters)`);
    }
  }
  return ids;
}

interface RmOpts {
  node?: string;
  all?: boolean;
  pkt?: string[];
  rx?: boolean;
  tx?: boolean;
  older?: string;
  dryrun?: boolean;
}

/** Registers `ferry rm`. */
export function registerRm(program: Command, ctx: CliContext): void {
  program.command("rm")
    .description("remove packets from the spool (like nncp-rm)")
    .option("--node <node>", "the neighbour whose packets to remove (name or id)")
    .option("--all", "every neighbour")
    .option(
      "--pkt <ids...>",
      "only these packets (ids, comma separated or repeated; - reads them from standard input)",
    )
    .option("--rx", "received packets (waiting to be tossed)")
    .option("--tx", "packets waiting to be sent")
    .option("--older <age>", "only packets older than this: 10s, 5m, 12h, 2d")
    .option("--dryrun", "only print what would be removed")
    .addHelpText(
      "after",
      "\nWith --pkt and neither --rx nor --tx, the packets are looked for in both.\n" +
        "\nExamples:\n" +
        "  ferry rm --node house --pkt 6PZXYTWOXEHDSO27J75CZ3YW2HJCA2TBBSTBGBUFEO34H3IUWK6Q\n" +
        "  ferry rm --all --tx --older 30d --dryrun\n" +
        "  ferry stat --node house --pkt | awk '$1 == \"rx\" {print $2}' | ferry rm --node house --rx --pkt -\n",
    )
    .action(async (opts: RmOpts) => {
      if (!!opts.node === !!opts.all) throw new UsageError("give exactly one of --node and --all");
      if (!opts.pkt && !opts.rx && !opts.tx) {
        throw new UsageError("say what to remove: --rx, --tx and/or --pkt ID");
      }
      const olderMs = opts.older !== undefined ? parseOlder(opts.older) : undefined;
      const ids = opts.pkt ? new Set(await packetIds(opts.pkt)) : undefined;
      const node = await loadNodeContext(ctx);
      const nodes: Neighbour[] = opts.node
        ? [cliNode(node, opts.node)]
        : [...node.config.neigh.values()];
      const queues: ("rx" | "tx")[] = opts.rx || opts.tx
        ? [...(opts.rx ? ["rx" as const] : []), ...(opts.tx ? ["tx" as const] : [])]
        : ["rx", "tx"];
      const found = new Set<string>();
      let removed = 0;
      let bytes = 0;
      const cutoffMs = olderMs !== undefined ? Date.now() - olderMs : undefined;
      for (const peer of dedupe(nodes)) {
        for (const xx of queues) {
          const chosen: SpoolEntry[] = [];
          for await (
            const e of node.spool.list(peer.idText, xx, undefined, { writeMissingHdr: false })
          ) {
            if (ids && !ids.has(e.id)) continue;
            if (cutoffMs !== undefined && e.mtimeMs > cutoffMs) continue;
            chosen.push(e);
          }
          if (chosen.length === 0) continue;
          const done = await removeAll(node, peer, xx, chosen, opts.dryrun === true, ctx);
          for (const e of done) found.add(e.id);
          removed += done.length;
          bytes += done.reduce((sum, e) => sum + e.size, 0);
        }
      }
      const verb = opts.dryrun ? "would remove" : "removed";
      node.log.info("rm-done", { [verb.replace(" ", "-")]: removed, size: bytes });
      if (ids) {
        const missing = [...ids].filter((id) => !found.has(id));
        if (missing.length > 0) {
          throw new CliError(
            `${missing.length} packet(s) not found in ${queues.join(" or ")} of ${
              opts.node ?? "any neighbour"
            }${olderMs !== undefined ? ` older than ${opts.older}` : ""}: ${
              missing.slice(0, 5).join(", ")
            }${missing.length > 5 ? ", ..." : ""}; see ferry stat --pkt`,
          );
        }
      }
      if (removed === 0) ctx.out("nothing to remove\n");
    });
}

function dedupe(nodes: Neighbour[]): Neighbour[] {
  const seen = new Set<string>();
  return nodes.filter((n) => !seen.has(n.idText) && seen.add(n.idText));
}

async function removeAll(
  node: NodeContext,
  peer: Neighbour,
  xx: "rx" | "tx",
  entries: SpoolEntry[],
  dryRun: boolean,
  ctx: CliContext,
): Promise<SpoolEntry[]> {
  const name = peer.name;
  if (dryRun) {
    for (const e of entries) {
      ctx.out(`would remove ${name}/${xx}/${e.id} (${humanBytes(e.size)})\n`);
    }
    return entries;
  }
  // rx packets belong to toss: never remove one under a running toss or agent.
  const lock = xx === "rx" ? await node.spool.lock(peer.idText, "toss") : undefined;
  if (lock === null) {
    throw new CliError(
      `${name}: another process (ferry toss, ferry agent or nncp-toss) is tossing this node; ` +
        "try again when it has finished",
    );
  }
  const done: SpoolEntry[] = [];
  try {
    for (const e of entries) {
      if (!(await node.spool.remove(peer.idText, xx, e.id, { durable: false }))) continue;
      done.push(e);
      ctx.out(`removed ${name}/${xx}/${e.id} (${humanBytes(e.size)})\n`);
      await node.record("rm", [["Node", peer.idText], ["XX", xx], ["Pkt", e.id], [
        "Msg",
        `Removed ${name}/${xx}/${e.id}`,
      ]]);
    }
    if (done.length > 0) await node.spool.syncDir(peer.idText, xx);
  } finally {
    lock?.unlock();
  }
  return done;
}
