/**
 * `ferry bundle`: packets as a tar stream for tapes, CDs, raw drives and
 * pipes (like nncp-bundle).
 * @module
 */

import type { Command } from "../args/mod.ts";
import { readSpoolBundle, writeSpoolBundle } from "../../bundle/mod.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { cliNice, cliNode, loadNodeContext } from "../node.ts";

/** Largest packet accepted from a bundle. */
export const bundlePacketBytesMax = 64 * 2 ** 30;

/** Registers `ferry bundle`. */
export function registerBundle(program: Command, ctx: CliContext): void {
  program.command("bundle")
    .description(
      "write queued packets as a bundle to standard output, or take packets from a bundle on standard input (like nncp-bundle)",
    )
    .option("--tx", "write a bundle of the packets queued for the nodes")
    .option(
      "--rx",
      "read a bundle and copy the packets for us into the spool (each checked against its id)",
    )
    .option("--node <nodes>", "only these neighbours (comma separated; default: all)")
    .option(
      "--delete",
      "with --tx: remove packets from the spool once written; with --rx: check our own packets in the bundle and remove their spool copies",
    )
    .option("--dryrun", "with --rx: only check, write nothing")
    .option("--nice <nice>", "with --tx: only packets at most this nice")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry bundle --tx --node house > /dev/st0\n  ferry bundle --rx < bundle.tar\n" +
        "  ferry bundle --tx | ssh relay ferry bundle --rx\n",
    )
    .action(
      async (
        opts: {
          tx?: boolean;
          rx?: boolean;
          node?: string;
          delete?: boolean;
          dryrun?: boolean;
          nice?: string;
        },
      ) => {
        if (!!opts.tx === !!opts.rx) throw new UsageError("give exactly one of --tx and --rx");
        const node = await loadNodeContext(ctx);
        const nodes = opts.node?.split(",").filter((s) => s !== "").map((n) => cliNode(node, n));
        if (opts.tx) {
          if (Deno.stdout.isTerminal()) {
            throw new UsageError(
              "the bundle goes to standard output: redirect it to a file or device",
            );
          }
          const writer = Deno.stdout.writable.getWriter();
          try {
            const done = await writeSpoolBundle(node, writer, {
              nodes: nodes ?? [...node.config.neigh.values()].filter((n) => n.name !== "self"),
              delete: !!opts.delete,
              ...(opts.nice ? { niceMax: cliNice(opts.nice) } : {}),
            });
            node.log.info("bundle-tx-done", done);
          } finally {
            await writer.close().catch(() => {});
          }
          return;
        }
        const summary = await readSpoolBundle(node, Deno.stdin.readable, {
          ...(nodes ? { nodes } : {}),
          deleteOwn: !!opts.delete,
          dryRun: !!opts.dryrun,
          packetBytesMax: bundlePacketBytesMax,
        });
        node.log.info("bundle-rx-done", { ...summary });
        if (summary.entries === 0 && summary.bytes > 0) {
          throw new CliError(
            `standard input held ${summary.bytes} bytes but no bundle entry ferry could read ` +
              `(${summary.skipped} region(s) skipped, see the log above): is it an NNCP bundle ` +
              "(nncp-bundle -tx or ferry bundle --tx), and not compressed?",
          );
        }
        if (summary.failed > 0) {
          throw new CliError(
            `${summary.failed} packet(s) in the bundle were damaged or could not be stored`,
          );
        }
      },
    );
}
