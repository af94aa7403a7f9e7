/**
 * What a killed agent leaves behind, removed when the next one starts:
 * ferry's temporary files (`.PREFIX.PID.N.RAND`) of dead processes, not only
 * in `SPOOL/tmp` (which every toss sweeps) but wherever the agent writes
 * under a temporary name: its `.ferry/` state folder, each node's folder
 * (link budget history), its queues and their `hdr/`, and `rx/seen/`
 * (link resume states and markers).
 *
 * @example
 * ```ts ignore
 * import { sweepAgentTemps } from "./sweep.ts";
 * await sweepAgentTemps(ctx.spool, ctx.log);
 * ```
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { isId, type Spool } from "../spool/mod.ts";
import { removeStaleTemps } from "../fsutil/mod.ts";

/** True when process `pid` exists on this machine (by `/proc`, without signalling it). */
export function pidAlive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** The folders of `spool` where ferry writes under temporary names. */
export async function tempFolders(spool: Spool): Promise<string[]> {
  const dirs = [spool.tmpDir, `${spool.root}/.ferry`];
  for (const node of await spool.nodes()) {
    if (!isId(node)) continue;
    dirs.push(spool.nodeDir(node));
    for (const xx of ["rx", "tx"] as const) {
      dirs.push(spool.dir(node, xx), `${spool.dir(node, xx)}/hdr`);
    }
    dirs.push(`${spool.dir(node, "rx")}/seen`);
  }
  return dirs;
}

/** Removes temporary files of dead processes from every such folder; returns how many. */
export async function sweepAgentTemps(spool: Spool, log: Logger): Promise<number> {
  let removed = 0;
  for (const dir of await tempFolders(spool)) {
    for (const file of await removeStaleTemps(dir)) {
      removed++;
      log.info("temp-removed", { file, reason: "left by a process that is gone" });
    }
  }
  return removed;
}
