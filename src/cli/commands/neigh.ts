/**
 * `ferry neigh add NAME`: add a neighbour from the stanza its `ferry pubkey`
 * printed, to the configuration file in place.
 * @module
 */

import type { Command } from "../args/mod.ts";
import { addNeighbourText, ConfigError, loadConfig, parseStanza } from "../../config/mod.ts";
import { STANZA_BYTES_MAX } from "../../config/add_neighbour.ts";
import { writeFileAtomic } from "../../fsutil/mod.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";

async function readStdin(): Promise<string> {
  const buf = new Uint8Array(STANZA_BYTES_MAX + 1);
  let got = 0;
  while (got < buf.length) {
    const n = await Deno.stdin.read(buf.subarray(got));
    if (n === null) break;
    got += n;
  }
  return new TextDecoder().decode(buf.subarray(0, got));
}

/** Registers `ferry neigh`. */
export function registerNeigh(program: Command, ctx: CliContext): void {
  const neigh = program.command("neigh").description("manage the neighbours in the configuration")
    .addHelpText("after", "\nExample:\n  ferry neigh add house < house.pub\n");
  neigh.command("add")
    .description(
      "add a neighbour from its `ferry pubkey` stanza on standard input (keeps comments and layout)",
    )
    .argument("<name>", "the name to know it by (what NODE: means in ferry file)")
    .option(
      "--incoming <dir>",
      "folder its files land in (default: neigh.self.incoming, as ferry init --incoming set it)",
    )
    .option("--no-incoming", "do not accept files from it")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  ferry neigh add house < house.pub\n" +
        "  ssh house ferry pubkey | ferry neigh add house --incoming /srv/ferry/in/house\n",
    )
    .action(async (name: string, opts: { incoming?: string | boolean }) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name) || name === "self") {
        throw new UsageError(`NAME must be 1-63 letters, digits, ".", "_" or "-" and not "self"`);
      }
      if (typeof opts.incoming === "string" && !opts.incoming.startsWith("/")) {
        throw new UsageError(`--incoming must be an absolute path, not ${opts.incoming}`);
      }
      if (Deno.stdin.isTerminal()) {
        throw new UsageError("give the stanza on standard input: ferry neigh add NAME < NAME.pub");
      }
      const path = ctx.configPath();
      const { config } = await loadConfig(path).catch((err) => {
        throw err instanceof ConfigError ? new CliError(err.message) : err;
      });
      let stanza;
      try {
        stanza = parseStanza(await readStdin());
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const incoming = typeof opts.incoming === "string"
        ? opts.incoming
        : opts.incoming === false
        ? undefined
        : config.neigh.get("self")?.incoming;
      const info = await Deno.stat(path);
      let text: string;
      try {
        text = addNeighbourText(await Deno.readTextFile(path), path, name, stanza.keys, {
          ...(incoming ? { incoming } : {}),
        });
      } catch (err) {
        if (err instanceof ConfigError || err instanceof RangeError) {
          throw new CliError(err.message);
        }
        throw err;
      }
      await writeFileAtomic(path, new TextEncoder().encode(text), {
        mode: (info.mode ?? 0o600) & 0o7777,
        ...(info.uid !== null && info.gid !== null
          ? { owner: { uid: info.uid, gid: info.gid } }
          : {}),
      });
      ctx.log.info("neigh-added", { file: path, node: name, incoming });
    });
}
