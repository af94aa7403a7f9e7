/**
 * `ferry pubkey`: print this node's public stanza for a peer's `neigh`.
 * @module
 */

import type { Command } from "../args/mod.ts";
import { renderPubkeyStanza } from "../../config/mod.ts";
import { loadCliConfigWithSelf } from "../config.ts";
import type { CliContext } from "../context.ts";
import { UsageError } from "../errors.ts";

/** Registers `ferry pubkey`. */
export function registerPubkey(program: Command, ctx: CliContext): void {
  program.command("pubkey")
    .description("print this node's public keys, to paste into a peer's `neigh` section")
    .option(
      "--name <name>",
      "the name the peer will know this node by (default: ferry.name, else this host's name)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  ferry --config /etc/ferry/ferry.hjson pubkey >> stanza-for-the-house.hjson\n" +
        "  ferry --config /etc/nncp.hjson pubkey --name shed   # a configuration made by nncp-cfgnew\n",
    )
    .action(async (opts: { name?: string }) => {
      const config = await loadCliConfigWithSelf(ctx);
      const name = opts.name ?? stanzaName(config.ferry.name);
      if (!NAME_RE.test(name) || name === "self") {
        throw new UsageError(
          `--name must be 1-63 letters, digits, ".", "_" or "-" and not "self" (the peer has ` +
            `its own self), not ${JSON.stringify(name)}`,
        );
      }
      ctx.out(renderPubkeyStanza({ ...config, ferry: { ...config.ferry, name } }));
    });
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * The name to print the stanza under. A configuration without `ferry.name`
 * (one made by nncp-cfgnew) would print `self: {...}`, which collides with
 * the peer's own `self` when pasted: use this host's name instead.
 */
function stanzaName(configured: string): string {
  if (configured !== "self") return configured;
  let host = "";
  try {
    host = Deno.hostname();
  } catch { /* no name to be had */ }
  const cleaned = host.split(".")[0]!.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 63);
  return cleaned !== "" && cleaned !== "self" ? cleaned : "node";
}
