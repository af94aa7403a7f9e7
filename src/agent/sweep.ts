/**
 * Removing what a killed ferry left behind: temporary files that ferry
 * names `.PREFIX.PID.N.RAND` (see `tempName`) in the spool's `tmp/`, its
 * `.ferry/` state folder and each node's queue folders. A temporary file is
 * never a finished one (those are renamed into place), so one whose process
 * is gone is garbage: a payload half-copied from a stick, an exec body, a
 * header. Files of live processes (a `ferry file` running beside the agent)
 * are left alone, as are names ferry did not make.
 *
 * @example
 * ```ts ignore
 * import { sweepStaleTemps } from "./sweep.ts";
 * const removed = await sweepStaleTemps(ctx.spool, ctx.log);
 * ```
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { isId, type Spool } from "../spool/mod.ts";

/** Entries looked at per folder at most (a spool folder is bounded by its packets). */
export const sweepEntriesPerDirMax = 200_000;

const TEMP_NAME = /^\.[^/]+\.(\d{1,10})\.\d+\.[0-9a-z]+$/;

/** The process id in a ferry temporary file name, or null when the name is not one. */
export function tempNamePid(name: string): number | null {
  const m = TEMP_NAME.exec(name);
  return m ? Number(m[1]) : null;
}

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

async function sweepDir(
  dir: string,
  alive: (pid: number) => boolean,
  log: Logger,
): Promise<number> {
  let removed = 0;
  let seen = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (++seen > sweepEntriesPerDirMax) break;
      const pid = e.isFile ? tempNamePid(e.name) : null;
      if (pid === null || alive(pid)) continue;
      try {
        await Deno.remove(`${dir}/${e.name}`);
        removed++;
        log.info("temp-removed", { file: `${dir}/${e.name}`, reason: `process ${pid} is gone` });
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) {
          log.warn("temp-remove-failed", {
            file: `${dir}/${e.name}`,
            error: (err as Error).message,
          });
        }
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return removed;
}

/** Removes ferry temporary files of dead processes from the spool; returns how many. */
export async function sweepStaleTemps(
  spool: Spool,
  log: Logger,
  alive: (pid: number) => boolean = pidAlive,
): Promise<number> {
  const dirs = [spool.tmpDir, `${spool.root}/.ferry`];
  for (const node of await spool.nodes()) {
    if (!isId(node)) continue;
    dirs.push(spool.nodeDir(node));
    for (const xx of ["rx", "tx"] as const) {
      dirs.push(spool.dir(node, xx), `${spool.dir(node, xx)}/hdr`);
    }
    dirs.push(`${spool.dir(node, "rx")}/seen`);
  }
  let removed = 0;
  for (const dir of dirs) removed += await sweepDir(dir, alive, log);
  return removed;
}
