/**
 * Finding work for reassembly: the metas waiting in a folder, the meta a
 * delivered chunk belongs to, and hidden temporary files an interrupted run
 * left behind with no meta to finish them.
 * @module
 */

import { basename, dirname, isNotFound } from "../fsutil/mod.ts";
import { CHUNK_SUFFIX, META_SUFFIX, readMetaFile } from "./reassemble.ts";

/** Entries of a folder looked at, at most (a hostile folder cannot stall a scan). */
export const reassDirEntriesMax = 100_000;

/** The meta paths directly in `dir` (sorted); empty when it is missing. */
export async function metasIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  let seen = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (++seen > reassDirEntriesMax) break;
      if (e.isFile && e.name.endsWith(META_SUFFIX) && e.name !== META_SUFFIX) {
        out.push(`${dir}/${e.name}`);
      }
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return out.sort();
}

/**
 * The meta a delivered file belongs to, when its name is `NAME.nncp.meta`
 * or `NAME.nncp.chunkN`; null for any other file.
 */
export function metaPathFor(path: string): string | null {
  const name = basename(path);
  if (name.endsWith(META_SUFFIX) && name !== META_SUFFIX) return path;
  const at = name.lastIndexOf(CHUNK_SUFFIX);
  if (at <= 0 || !/^\d+$/.test(name.slice(at + CHUNK_SUFFIX.length))) return null;
  return `${dirname(path)}/${name.slice(0, at)}${META_SUFFIX}`;
}

/**
 * Removes `.ferry-reass-*.tmp` files in `dir` that no meta there owns: a run
 * killed after it delivered the file and removed the meta leaves one (a
 * second link of the delivered file). Returns the paths removed.
 */
export async function sweepOrphanTemps(dir: string): Promise<string[]> {
  const owned = new Set<string>();
  for (const meta of await metasIn(dir)) {
    const m = await readMetaFile(meta).catch(() => null);
    if (m) owned.add(basename(m.tempPath));
  }
  const removed: string[] = [];
  let seen = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (++seen > reassDirEntriesMax) break;
      if (!e.isFile || !/^\.ferry-reass-[A-Z2-7]{26}\.tmp$/.test(e.name) || owned.has(e.name)) {
        continue;
      }
      const info = await Deno.lstat(`${dir}/${e.name}`).catch(() => null);
      // Only second links: a lone temporary file may be another process's write in progress.
      if (info && (info.nlink ?? 1) >= 2) {
        await Deno.remove(`${dir}/${e.name}`).catch(() => {});
        removed.push(`${dir}/${e.name}`);
      }
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return removed;
}
