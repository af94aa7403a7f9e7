/**
 * `ferry log`: read the NNCP-format log (ferry's and NNCP's records alike).
 * @module
 */

import type { Command } from "../args/mod.ts";
import { humanizeRecord, parseRecords } from "../../log/nncp_log.ts";
import { loadCliConfig } from "../config.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";

/** Registers `ferry log`. */
export function registerLog(program: Command, ctx: CliContext): void {
  program.command("log")
    .description("print the log in short human form (like nncp-log), or its raw records")
    .option("--raw", "print the recfile records as they are stored")
    .option("--who <event>", "only records of this event (e.g. rx, xfer-rx, rx-no-handle)")
    .option("--errors", "only records that carry an error")
    .option("-n, --tail <count>", "only the last COUNT records")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry log --tail 20\n  ferry log --errors\n  ferry log --who rx --raw\n",
    )
    .action(async (opts: { raw?: boolean; who?: string; errors?: boolean; tail?: string }) => {
      const config = await loadCliConfig(ctx);
      if (config.log.startsWith("FD:")) {
        throw new CliError(
          `the log goes to a file descriptor (${config.log}); there is no file to read`,
        );
      }
      let tail: number | undefined;
      if (opts.tail !== undefined) {
        tail = Number(opts.tail);
        if (!Number.isInteger(tail) || tail < 1) {
          throw new UsageError(`--tail must be a positive number, not ${opts.tail}`);
        }
      }
      let text: string;
      try {
        text = await Deno.readTextFile(config.log);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return; // nothing logged yet
        throw new CliError(`cannot read the log ${config.log}: ${(err as Error).message}`);
      }
      let records = parseRecords(text);
      if (opts.who !== undefined) records = records.filter((r) => r.get("Who") === opts.who);
      if (opts.errors) records = records.filter((r) => r.has("Err"));
      if (tail !== undefined) records = records.slice(-tail);
      for (const rec of records) {
        if (opts.raw) {
          ctx.out(
            [...rec.entries()].map(([k, v]) => `${k}: ${v.replace(/\n/g, "\n+ ")}`).join("\n") +
              "\n\n",
          );
        } else ctx.out(humanizeRecord(rec) + "\n");
      }
    });
}
