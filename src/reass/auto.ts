/**
 * Reassembly as part of toss: every file toss delivers whose name belongs
 * to a chunked file makes its meta a candidate, and after the run each
 * candidate whose chunks are all in is reassembled. A file still waiting
 * for chunks is left alone quietly; a bad one is logged with what to do and
 * its pieces stay for a look (as `nncp-reass` leaves them).
 * @module
 */

import { dirname } from "../fsutil/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { chunkProblems, readMetaFile, reassemble, ReassError } from "./reassemble.ts";
import { sweepOrphanTemps } from "./find.ts";

/** What an automatic pass did. */
export interface AutoReassSummary {
  reassembled: string[];
  waiting: number;
  failed: number;
}

/** Reassembles every candidate meta (paths) whose chunks are all in; never throws. */
export async function reassembleCandidates(
  ctx: NodeContext,
  metas: Iterable<string>,
): Promise<AutoReassSummary> {
  const summary: AutoReassSummary = { reassembled: [], waiting: 0, failed: 0 };
  const dirs = new Set<string>();
  for (const metaPath of metas) {
    dirs.add(dirname(metaPath));
    try {
      const exists = await Deno.lstat(metaPath).then(() => true, () => false);
      if (!exists) continue; // a chunk whose meta has not come yet
      const m = await readMetaFile(metaPath);
      const { missing, problems } = await chunkProblems(m);
      if (missing.length > 0 && missing.length === problems.length) {
        summary.waiting++;
        ctx.log.debug("reass-waiting", { meta: metaPath, missing: missing.length });
        continue;
      }
      const r = await reassemble(metaPath);
      summary.reassembled.push(r.path ?? metaPath);
      ctx.log.info("reass", { file: r.path, bytes: r.fileBytes, chunks: r.chunks });
      await ctx.record("reass", [["Path", metaPath], ["Size", r.fileBytes], [
        "Msg",
        `Reassembled chunked file ${r.path ?? metaPath} (${r.chunks} chunks)`,
      ]]);
    } catch (err) {
      if (err instanceof ReassError && err.code === "busy") continue;
      summary.failed++;
      const msg = (err as Error).message;
      ctx.log.error("reass-failed", {
        meta: metaPath,
        error: msg,
        hint: "the chunks are kept; fix or resend them, then run ferry reass",
      });
      await ctx.record("reass-failed", [["Path", metaPath], ["Err", msg], [
        "Msg",
        `Reassembling ${metaPath} failed: chunks kept`,
      ]]);
    }
  }
  for (const dir of dirs) {
    const removed = await sweepOrphanTemps(dir).catch(() => []);
    if (removed.length > 0) ctx.log.info("reass-temp-removed", { dir, files: removed.length });
  }
  return summary;
}
