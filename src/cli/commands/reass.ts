/**
 * `ferry reass`: put chunked files back together (like nncp-reass). Toss
 * does this by itself when the last piece arrives (`ferry.toss.reass`); the
 * command is for files that came another way, for `--stdout`, and for
 * checking chunks with `--dryrun`.
 * @module
 */

import type { Command } from "../args/mod.ts";
import { setBlockingIo } from "../../fsutil/mod.ts";
import { humanBytes } from "../../log/humanize.ts";
import {
  metasIn,
  readMetaFile,
  reassemble,
  ReassError,
  sweepOrphanTemps,
} from "../../reass/mod.ts";
import { encodeHex } from "../../packet/hex.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { cliNode, loadNodeContext } from "../node.ts";

interface ReassOpts {
  all?: boolean;
  node?: string;
  dryrun?: boolean;
  keep?: boolean;
  stdout?: boolean;
  dump?: boolean;
}

/** Registers `ferry reass`. */
export function registerReass(program: Command, ctx: CliContext): void {
  program.command("reass")
    .description("reassemble chunked files from their .nncp.meta and chunks (like nncp-reass)")
    .argument("[meta]", "a FILE.nncp.meta (or use --all or --node)")
    .option("--all", "every chunked file in the incoming folders of all neighbours and areas")
    .option("--node <node>", "every chunked file in this neighbour's incoming folder")
    .option("--dryrun", "only check that every chunk is there and matches its checksum")
    .option("--keep", "leave the chunks and the meta in place")
    .option("--stdout", "write the file to standard output instead of next to the meta")
    .option("--dump", "print what the meta says and stop")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry reass --all\n  ferry reass --dryrun incoming/house/big.iso.nncp.meta\n" +
        "  ferry reass --stdout incoming/house/notes.tar.nncp.meta | tar -x\n",
    )
    .action(async (meta: string | undefined, opts: ReassOpts) => {
      const chosen = [meta !== undefined, !!opts.all, opts.node !== undefined].filter((x) => x);
      if (chosen.length !== 1) {
        throw new UsageError("give exactly one of FILE.nncp.meta, --all or --node NODE");
      }
      if ((opts.stdout || opts.dump) && meta === undefined) {
        throw new UsageError("--stdout and --dump take one FILE.nncp.meta, not --all or --node");
      }
      setBlockingIo(true);
      if (opts.dump) {
        ctx.out(await dump(meta!));
        return;
      }
      const node = await loadNodeContext(ctx);
      let metas: string[];
      if (meta !== undefined) metas = [meta];
      else {
        const nodes = opts.node ? [cliNode(node, opts.node)] : [...node.config.neigh.values()];
        if (opts.node && !nodes[0]!.incoming) {
          throw new CliError(`${opts.node} has no incoming folder: there is nothing to reassemble`);
        }
        // --all also looks in the areas' incoming folders (files sent to an area land there).
        const areas = opts.all ? [...node.config.areas.values()] : [];
        const dirs = [
          ...new Set([...nodes, ...areas].flatMap((n) => n.incoming ? [n.incoming] : [])),
        ];
        metas = [];
        for (const dir of dirs) metas.push(...await metasIn(dir));
      }
      const writer = opts.stdout ? Deno.stdout.writable.getWriter() : null;
      let failed = 0;
      for (const path of metas) {
        try {
          const r = await reassemble(path, {
            ...(opts.dryrun ? { dryRun: true } : {}),
            ...(opts.keep ? { keep: true } : {}),
            ...(writer ? { output: (b: Uint8Array) => writer.write(b.slice()) } : {}),
          });
          const what = opts.dryrun ? "checked" : "reassembled";
          node.log.info("reass", {
            meta: path,
            file: r.path,
            size: humanBytes(r.fileBytes),
            chunks: r.chunks,
            ...(r.resumed ? { note: "finished an interrupted run" } : {}),
          });
          await node.record("reass", [["Path", path], ["Size", r.fileBytes], [
            "Msg",
            `Reassembling chunked file "${path}": ${what}`,
          ]]);
          if (r.path !== undefined) ctx.out(`${r.path}\n`);
        } catch (err) {
          if (!(err instanceof ReassError) && !(err instanceof Deno.errors.NotFound)) throw err;
          failed++;
          node.log.error("reass-failed", { meta: path, error: (err as Error).message });
          await node.record("reass-failed", [["Path", path], ["Err", (err as Error).message]]);
        }
      }
      if (writer) await writer.close();
      // Second links of files a killed run delivered but did not finish cleaning up.
      if (meta === undefined) {
        for (const dir of new Set(metas.map((p) => p.slice(0, p.lastIndexOf("/"))))) {
          const removed = await sweepOrphanTemps(dir);
          if (removed.length > 0) {
            node.log.info("reass-temp-removed", { dir, files: removed.length });
          }
        }
      }
      if (failed > 0) {
        throw new CliError(
          `${failed} of ${metas.length} chunked file(s) could not be reassembled (see above)`,
        );
      }
    });
}

async function dump(path: string): Promise<string> {
  const m = await readMetaFile(path).catch((err) => {
    if (err instanceof ReassError || err instanceof Deno.errors.NotFound) {
      throw new CliError((err as Error).message);
    }
    throw err;
  });
  return [
    `Original filename: ${m.name}`,
    `File size: ${humanBytes(m.meta.fileSize)} (${m.meta.fileSize} bytes)`,
    `Chunk size: ${humanBytes(m.meta.chunkSize)} (${m.meta.chunkSize} bytes)`,
    `Number of chunks: ${m.meta.checksums.length}`,
    "Checksums:",
    ...m.meta.checksums.map((c, i) => `\t${i}: ${encodeHex(c)}`),
    "",
  ].join("\n");
}
