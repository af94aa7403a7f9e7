/**
 * `ferry pubkey`: print this node's public stanza for a peer's `neigh`.
 * @module
 */

import type { Command } from "commander";
import { renderPubkeyStanza } from "../../config/mod.ts";
import { loadCliConfigWithSelf } from "../config.ts";
import type { CliContext } from "../context.ts";

/** Registers `ferry pubkey`. */
export function registerPubkey(program: Command, ctx: CliContext): void {
  program.command("pubkey")
    .description("print this node's public keys, to paste into a peer's `neigh` section")
    .addHelpText(
      "after",
      "\nExample:\n  ferry --config /etc/ferry/ferry.hjson pubkey >> stanza-for-the-house.hjson\n",
    )
    .action(async () => {
      const config = await loadCliConfigWithSelf(ctx);
      ctx.out(renderPubkeyStanza(config));
    });
}
