/**
 * Removing what interrupted runs left behind: ferry's temporary files are
 * named `.PREFIX.PID.N.RAND` (see {@linkcode tempName}), so such a file
 * whose process is gone is an abandoned half-copy. Files of live processes,
 * and anything not named that way (NNCP's own temporary files), are left
 * alone. Where process liveness cannot be read (no `/proc`), nothing is
 * removed unless `anyPid` says every matching file is stale.
 *
 * @example
 * ```ts
 * import { removeStaleTemps } from "./stale_temps.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/.xfer.${2 ** 22 + 1}.1.abc`, "half");
 * await Deno.writeTextFile(`${dir}/.xfer.${Deno.pid}.1.abc`, "in use");
 * console.assert((await removeStaleTemps(dir)).length === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */

import { isNotFound } from "./atomic.ts";

/** Entries of one folder looked at per sweep. */
export const staleTempEntriesMax = 100_000;

/** Our temporary names: `.PREFIX.PID.N.RAND`. */
const TEMP_RE = /^\.(.+)\.(\d{1,10})\.\d{1,15}\.[0-9a-z]{1,13}$/;

/** Options of {@linkcode removeStaleTemps}. */
export interface StaleTempOptions {
  /** Only files whose prefix passes (default: every prefix). */
  prefixOk?: (prefix: string) => boolean;
  /** Remove matching files whatever process made them (the caller holds the lock that writes them). */
  anyPid?: boolean;
  /** Entries looked at, at most. */
  entriesMax?: number;
}

async function procReadable(): Promise<boolean> {
  return await Deno.lstat("/proc/self").then(() => true, () => false);
}

/** True when process `pid` is alive here (unknown counts as alive). */
async function isAlive(pid: number): Promise<boolean> {
  if (pid === Deno.pid) return true;
  try {
    await Deno.lstat(`/proc/${pid}`);
    return true;
  } catch (err) {
    return !isNotFound(err);
  }
}

/** Removes stale temporary files in `dir`; returns their paths. */
export async function removeStaleTemps(
  dir: string,
  options: StaleTempOptions = {},
): Promise<string[]> {
  if (!options.anyPid && !(await procReadable())) return [];
  const max = options.entriesMax ?? staleTempEntriesMax;
  const removed: string[] = [];
  let seen = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (++seen > max) break;
      const m = TEMP_RE.exec(e.name);
      if (!m || !e.isFile || e.isSymlink) continue;
      if (options.prefixOk && !options.prefixOk(m[1]!)) continue;
      if (!options.anyPid && (await isAlive(Number(m[2])))) continue;
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
