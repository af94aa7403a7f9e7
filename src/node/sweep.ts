/**
 * Housekeeping before spool work: temporary files that an interrupted run
 * (power cut, SIGKILL) left in `SPOOL/tmp` are removed, so a Pi that loses
 * power mid-copy does not slowly fill its card with half-copies.
 * @module
 */

import { removeStaleTemps } from "../fsutil/mod.ts";
import type { NodeContext } from "./context.ts";

/** Removes abandoned ferry temporary files from `SPOOL/tmp`; never throws. */
export async function sweepSpoolTemps(ctx: NodeContext): Promise<void> {
  try {
    const removed = await removeStaleTemps(ctx.spool.tmpDir);
    if (removed.length > 0) {
      ctx.log.info("spool-temp-removed", {
        files: removed.length,
        reason: "left by an interrupted run",
      });
    }
  } catch (err) {
    ctx.log.warn("spool-temp-sweep", { dir: ctx.spool.tmpDir, error: (err as Error).message });
  }
}
