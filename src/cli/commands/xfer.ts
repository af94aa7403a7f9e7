/**
 * `ferry xfer`: exchange packets with a folder (USB stick, sync folder) in
 * NNCP's media layout (like nncp-xfer).
 * @module
 */

import type { Command } from "../args/mod.ts";
import { statFs } from "../../fsutil/space.ts";
import { fat32FileBytesMax, xfer } from "../../xfer/mod.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { cliNice, cliNode, loadNodeContext } from "../node.ts";

/** statfs type of FAT filesystems (MSDOS_SUPER_MAGIC). */
const MSDOS_MAGIC = 0x4d44;

/** Registers `ferry xfer`. */
export function registerXfer(program: Command, ctx: CliContext): void {
  program.command("xfer")
    .description(
      "copy packets for us from DIR into the spool, and queued packets from the spool to DIR (like nncp-xfer)",
    )
    .argument("<dir>", "the medium's folder (NNCP layout: DIR/<recipient>/<sender>/<packet>)")
    .option("--rx", "only receive")
    .option("--tx", "only send")
    .option("--mkdir", "create the folders for neighbours that have none on the medium")
    .option("--keep", "keep what was copied at its source")
    .option("--node <node>", "only this neighbour")
    .option("--nice <nice>", "only packets at most this nice")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry xfer --mkdir /media/stick\n  ferry xfer --rx /media/stick && ferry toss\n" +
        "  ferry xfer --tx --node house --keep /media/stick\n",
    )
    .action(
      async (
        dir: string,
        opts: {
          rx?: boolean;
          tx?: boolean;
          mkdir?: boolean;
          keep?: boolean;
          node?: string;
          nice?: string;
        },
      ) => {
        if (opts.rx && opts.tx) {
          throw new UsageError("--rx and --tx together mean both; leave both out instead");
        }
        const node = await loadNodeContext(ctx);
        const info = await Deno.stat(dir).catch(() => null);
        if (!info?.isDirectory) {
          throw new CliError(`${dir} is not a folder (is the medium mounted?)`);
        }
        const fs = await statFs(dir).catch(() => null);
        const fat = fs !== null && Number(fs.type) === MSDOS_MAGIC;
        const summary = await xfer(node, dir, {
          rx: !opts.tx,
          tx: !opts.rx,
          mkdir: !!opts.mkdir,
          keep: !!opts.keep,
          ...(opts.node ? { nodes: [cliNode(node, opts.node)] } : {}),
          ...(opts.nice ? { niceMax: cliNice(opts.nice) } : {}),
          ...(fat ? { limits: { mediumFileBytesMax: fat32FileBytesMax } } : {}),
        });
        node.log.info("xfer-done", { dir, ...summary });
        if (summary.failed > 0) {
          throw new CliError(
            `${summary.failed} packet(s) could not be copied; see the log lines above`,
          );
        }
      },
    );
}
