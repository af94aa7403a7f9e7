/**
 * Removing what interrupted runs left behind: ferry's temporary files are
 * named `.PREFIX.PID.N.RAND` (see `tempName`), so a file whose process is
 * gone is known to be an abandoned half-copy. Files of live processes, and
 * anything not named that way (NNCP's own temporary files), are left alone.
 *
 * @example
 * ```ts
 * import { sweepStaleTemps } from "./stale_temps.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/.xfer.999999999.1.abc`, "half");
 * await Deno.writeTextFile(`${dir}/.xfer.${Deno.pid}.1.abc`, "in use");
 * const removed = await sweepStaleTemps(dir);
 * console.assert(removed.length === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */

import { isNotFound } from "../fsutil/mod.ts";

const TEMP_RE = /^\..+\.(\d+)\.\d+\.[0-9a-z]+$/;

/** Entries of one folder looked at per sweep. */
export const sweepEntriesMax = 100_000;

async function processAlive(pid: number): Promise<boolean> {
  try {
    await Deno.lstat(`/proc/${pid}`);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    return true;
  }
}

async function canTellLiveness(): Promise<boolean> {
  try {
    await Deno.lstat(`/proc/${Deno.pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes ferry temporary files in `dir` whose process has ended; returns
 * their paths. Does nothing where process liveness cannot be read (no /proc).
 */
export async function sweepStaleTemps(dir: string): Promise<string[]> {
  if (!(await canTellLiveness())) return [];
  const removed: string[] = [];
  let seen = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (++seen > sweepEntriesMax) break;
      const m = TEMP_RE.exec(e.name);
      if (!m || !e.isFile) continue;
      const pid = Number(m[1]);
      if (pid === Deno.pid || await processAlive(pid)) continue;
      try {
        await Deno.remove(`${dir}/${e.name}`);
        removed.push(`${dir}/${e.name}`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return removed;
}
