/**
 * Free space on a filesystem, to refuse work that cannot fit before it
 * starts instead of failing half way.
 * @module
 */

/** Bytes available to unprivileged users on the filesystem holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  // Imported here, when asked: a command that never asks loads no Node.js module.
  const { statfs } = await import("node:fs/promises");
  const s = await statfs(path);
  return Number(s.bavail) * Number(s.bsize);
}
