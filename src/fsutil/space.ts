/**
 * Free space on a filesystem, to refuse work that cannot fit before it
 * starts instead of failing half way.
 * @module
 */

import { statfs } from "node:fs/promises";

/** Bytes available to unprivileged users on the filesystem holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const s = await statfs(path);
  return Number(s.bavail) * Number(s.bsize);
}
