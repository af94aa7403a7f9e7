/**
 * `ferry stat`: what waits in the spool for and from each neighbour.
 * @module
 */

import type { Command } from "../args/mod.ts";
import { findNode } from "../../config/find.ts";
import { formatNiceness } from "../../config/niceness.ts";
import type { Neighbour } from "../../config/types.ts";
import { humanBytes } from "../../log/humanize.ts";
import { type NodeStat, nodeStat, Spool } from "../../spool/mod.ts";
import { loadCliConfig } from "../config.ts";
import type { CliContext } from "../context.ts";

/** Renders one node's statistics in nncp-stat's layout. */
export function renderStat(st: NodeStat, withPackets: boolean): string {
  const lines = [st.name];
  if (withPackets) {
    for (const p of st.packets) {
      const nice = p.nice === null ? "" : ` (nice: ${formatNiceness(p.nice)})`;
      lines.push(`\t${p.xx} ${p.id}${p.suffix} ${humanBytes(p.size)}${nice}`);
    }
  }
  if (st.partPackets > 0) {
    lines.push(
      `\tpart: ${humanBytes(st.partBytes).padStart(10)}, ${
        String(st.partPackets).padStart(3)
      } pkts`,
    );
  }
  for (const nice of [...st.byNice.keys()].sort((a, b) => a - b)) {
    const c = st.byNice.get(nice)!;
    let line = `\tnice:${formatNiceness(nice).padStart(4)} | Rx: ${
      humanBytes(c.rxBytes).padStart(10)
    }, ${String(c.rxPackets).padStart(3)} pkts | Tx: ${humanBytes(c.txBytes).padStart(10)}, ${
      String(c.txPackets).padStart(3)
    } pkts`;
    if (c.nockPackets > 0) {
      line += ` | NoCK: ${humanBytes(c.nockBytes).padStart(10)}, ${
        String(c.nockPackets).padStart(3)
      } pkts`;
    }
    lines.push(line);
  }
  return lines.join("\n") + "\n";
}

/** The JSON form of one node's statistics. */
export function statJson(st: NodeStat): Record<string, unknown> {
  return {
    node: st.name,
    id: st.id,
    rx: {
      packets: st.rxPackets,
      bytes: st.rxBytes,
      oldest: st.oldestRxMs ? new Date(st.oldestRxMs).toISOString() : null,
    },
    tx: {
      packets: st.txPackets,
      bytes: st.txBytes,
      oldest: st.oldestTxMs ? new Date(st.oldestTxMs).toISOString() : null,
    },
    part: { packets: st.partPackets, bytes: st.partBytes },
    byNice: Object.fromEntries(
      [...st.byNice.entries()].sort(([a], [b]) => a - b).map((
        [nice, c],
      ) => [formatNiceness(nice), c]),
    ),
    packets: st.packets.map((p) => ({
      xx: p.xx,
      id: p.id + p.suffix,
      size: p.size,
      nice: p.nice,
      mtime: new Date(p.mtimeMs).toISOString(),
    })),
  };
}

/** Registers `ferry stat`. */
export function registerStat(program: Command, ctx: CliContext): void {
  program.command("stat")
    .description(
      "show the packets waiting in the spool, per neighbour and niceness (like nncp-stat)",
    )
    .option("--node <node>", "only this neighbour (name or id)")
    .option("--pkt", "list every packet")
    .option("--json", "print JSON instead of text")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry stat\n  ferry stat --node house --pkt\n  ferry stat --json | jq '.[] | {node, tx}'\n",
    )
    .action(async (opts: { node?: string; pkt?: boolean; json?: boolean }) => {
      const config = await loadCliConfig(ctx);
      const spool = new Spool(config.spool, config.self?.idText ?? "", { noHdr: config.noHdr });
      // In byte order, as nncp-stat sorts (localeCompare would also start ICU: 8 ms).
      let nodes: Neighbour[] = [...config.neigh.values()].sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0
      );
      if (opts.node !== undefined) nodes = [findNode(config, opts.node)];
      const stats: NodeStat[] = [];
      for (const node of nodes) {
        stats.push(
          await nodeStat(
            spool,
            node.name,
            node.idText,
            (p) => ctx.log.warn("spool-not-packet", { file: p.path, reason: p.reason }),
          ),
        );
      }
      if (opts.json) ctx.out(JSON.stringify(stats.map(statJson), null, 2) + "\n");
      else for (const st of stats) ctx.out(renderStat(st, opts.pkt ?? false));
    });
}
