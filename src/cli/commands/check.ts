/**
 * `ferry check`: verify every packet in the spool against its id (like
 * nncp-check), and with `--nock` turn verified `.nock` files into packets.
 * @module
 */

import type { Command } from "../args/mod.ts";
import { commitRename, isNotFound } from "../../fsutil/mod.ts";
import { isId } from "../../spool/mod.ts";
import { idOfFile } from "../../xfer/mod.ts";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { cliNode, loadNodeContext } from "../node.ts";

/** Registers `ferry check`. */
export function registerCheck(program: Command, ctx: CliContext): void {
  program.command("check")
    .description("verify every packet in the spool against its id (like nncp-check)")
    .option("--node <node>", "only this neighbour")
    .option("--nock", "also verify .nock files and make the good ones ordinary packets")
    .addHelpText("after", "\nExamples:\n  ferry check\n  ferry check --nock --node house\n")
    .action(async (opts: { node?: string; nock?: boolean }) => {
      const node = await loadNodeContext(ctx);
      const nodes = opts.node ? [cliNode(node, opts.node)] : [...node.config.neigh.values()];
      let good = 0;
      let bad = 0;
      for (const n of nodes) {
        for (const xx of ["rx", "tx"] as const) {
          const dir = node.spool.dir(n.idText, xx);
          let names: string[] = [];
          try {
            for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
          names = names.sort();
          for (const name of names) {
            const nock = name.endsWith(".nock") && isId(name.slice(0, -5));
            if (!isId(name) && !(nock && opts.nock)) continue;
            const id = nock ? name.slice(0, -5) : name;
            const got = await idOfFile(`${dir}/${name}`);
            if (got !== id) {
              bad++;
              node.log.error("check-bad", {
                node: n.name,
                xx,
                file: name,
                computed: got,
                reason: "the bytes do not match the name; remove the file and ask for it again",
              });
              continue;
            }
            good++;
            if (nock) {
              await commitRename(`${dir}/${name}`, `${dir}/${id}`);
              node.log.info("check-nock-ok", { node: n.name, pkt: id });
            }
          }
        }
      }
      node.log.info("check-done", { good, bad });
      if (bad > 0) throw new CliError(`${bad} packet(s) in the spool are damaged`);
    });
}
