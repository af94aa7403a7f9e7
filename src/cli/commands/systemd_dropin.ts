/**
 * `ferry systemd-dropin`: print (or write) the drop-in that makes the
 * folders of this configuration writable for `ferry-agent.service`.
 * @module
 */

import type { Command } from "../args/mod.ts";
import { DROP_IN_PATH, renderDropIn, writablePaths } from "../../service/mod.ts";
import { dirname, writeFileAtomic } from "../../fsutil/mod.ts";
import { loadCliConfig } from "../config.ts";
import type { CliContext } from "../context.ts";

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** Registers `ferry systemd-dropin`. */
export function registerSystemdDropin(program: Command, ctx: CliContext): void {
  program.command("systemd-dropin")
    .description(
      "print the systemd drop-in that lets ferry-agent.service write to the folders this " +
        "configuration uses (incoming, queues, sync folders, ...)",
    )
    .option("-o, --output <file>", `write it to FILE (usually ${DROP_IN_PATH})`)
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  ferry systemd-dropin\n" +
        `  ferry systemd-dropin --output ${DROP_IN_PATH} && systemctl daemon-reload\n`,
    )
    .action(async (opts: { output?: string }) => {
      const config = await loadCliConfig(ctx);
      const paths = writablePaths(config);
      const text = renderDropIn(paths, exists, config.path);
      for (const p of paths) {
        if (!exists(p.path)) {
          ctx.log.warn("dropin-missing-folder", {
            path: p.path,
            key: p.from,
            fix: `install -d -o ferry -g ferry ${p.path}`,
          });
        }
      }
      if (opts.output === undefined) {
        ctx.out(text);
        return;
      }
      await Deno.mkdir(dirname(opts.output), { recursive: true });
      await writeFileAtomic(opts.output, new TextEncoder().encode(text), { mode: 0o644 });
      ctx.log.info("dropin-written", { file: opts.output, paths: paths.length });
    });
}
