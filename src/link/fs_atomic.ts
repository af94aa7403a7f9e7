/**
 * Crash-safe file writes: write to a temp name, fsync, rename over the
 * final name, fsync the folder. A file under its final name is complete.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./fs_atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/state`, new TextEncoder().encode("{}"));
 * console.assert(Deno.readTextFileSync(`${dir}/state`) === "{}");
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */

/** fsyncs a folder so that renames and removals in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/** Writes `bytes` to `path` atomically and durably; the temp file is removed on failure. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  await fsyncDir(parentDir(path));
}

/** Parent folder of a path. */
export function parentDir(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}
