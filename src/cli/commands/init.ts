/**
 * `ferry init`: print a new node configuration with fresh keys.
 * @module
 */

import type { Command } from "commander";
import { renderNewConfig } from "../../config/mod.ts";
import type { CliContext } from "../context.ts";
import { UsageError } from "../errors.ts";

/** Registers `ferry init`. */
export function registerInit(program: Command, ctx: CliContext): void {
  program.command("init")
    .description("print a new node configuration with fresh keys (like nncp-cfgnew)")
    .option("--name <name>", "human name of this node", Deno.hostname?.() ?? "node")
    .option("--spool <dir>", "spool folder", "/var/spool/ferry")
    .option("--log <file>", "log file (default: SPOOL/log)")
    .option("--incoming <dir>", "folder for files received from peers")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  ferry init --name shed > /etc/ferry/ferry.hjson && chmod 600 /etc/ferry/ferry.hjson\n" +
        "  ferry init --name house --spool /srv/ferry/spool --incoming /srv/ferry/in > house.hjson\n",
    )
    .action((opts: { name: string; spool: string; log?: string; incoming?: string }) => {
      const name = sanitizeName(opts.name);
      for (
        const [flag, value] of [["--spool", opts.spool], ["--log", opts.log], [
          "--incoming",
          opts.incoming,
        ]] as const
      ) {
        if (value !== undefined && !value.startsWith("/")) {
          throw new UsageError(`${flag} must be an absolute path, not ${JSON.stringify(value)}`);
        }
      }
      ctx.out(renderNewConfig({
        name,
        spool: opts.spool,
        ...(opts.log !== undefined ? { log: opts.log } : {}),
        ...(opts.incoming !== undefined ? { incoming: opts.incoming } : {}),
      }));
    });
}

function sanitizeName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name) || name === "self") {
    throw new UsageError(
      `--name must be 1-63 letters, digits, ".", "_" or "-" (and not "self"), not ${
        JSON.stringify(name)
      }`,
    );
  }
  return name;
}
