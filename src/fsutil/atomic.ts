/**
 * Durable file operations: write to a temporary name, fsync, rename to the
 * final name, fsync the folder. A file under its final name is complete.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/state`, new TextEncoder().encode("1\n"));
 * console.assert(await Deno.readTextFile(`${dir}/state`) === "1\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */

import { openFile, syncFile } from "./blocking.ts";

/** Flushes a folder's entries (renames, creations) to disk. */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = await openFile(dir, { read: true });
  try {
    await syncFile(fd);
  } finally {
    fd.close();
  }
}

/** The folder part of a path (`/a/b` → `/a`, `b` → `.`). */
export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  if (i < 0) return ".";
  if (i === 0) return "/";
  return path.slice(0, i);
}

/** The last part of a path. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

let counter = 0;
/** A fresh name in `dir` that no other process of ferry will pick: `dir/.prefix.PID.N.RAND`. */
export function tempName(dir: string, prefix: string): string {
  counter++;
  const rand = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
  return `${dir}/.${prefix}.${Deno.pid}.${counter}.${rand}`;
}

/** Renames `tmp` to `final` and fsyncs the folder of `final` (and of `tmp` when it differs). */
export async function commitRename(tmp: string, final: string): Promise<void> {
  await Deno.rename(tmp, final);
  await fsyncDir(dirname(final));
  if (dirname(tmp) !== dirname(final)) await fsyncDir(dirname(tmp));
}

/** Writes `data` to `path` durably: temp file, fsync, rename, fsync folder. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  options: { mode?: number; owner?: { uid: number; gid: number }; noReplace?: boolean } = {},
): Promise<void> {
  const tmp = tempName(dirname(path), basename(path));
  const mode = options.mode ?? 0o644;
  const fd = await Deno.open(tmp, { write: true, createNew: true, mode });
  try {
    // Owner and exact mode (whatever the umask) are set before the file gets its name.
    if (options.owner) await Deno.chown(tmp, options.owner.uid, options.owner.gid);
    if (options.mode !== undefined) await Deno.chmod(tmp, mode);
    let off = 0;
    while (off < data.length) off += await fd.write(data.subarray(off));
    await fd.sync();
  } catch (err) {
    fd.close();
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  fd.close();
  try {
    if (options.noReplace) {
      // link(2) fails when the name exists: nothing already there is ever replaced.
      try {
        await Deno.link(tmp, path);
        await Deno.remove(tmp);
        await fsyncDir(dirname(path));
      } catch (err) {
        if (err instanceof Deno.errors.AlreadyExists) throw err;
        // A filesystem without hard links (FAT): check, then rename.
        if (await statOrNull(path) !== null) throw new Deno.errors.AlreadyExists(path);
        await commitRename(tmp, path);
      }
    } else await commitRename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/** Creates an empty file durably (used for `seen/` markers). Existing files are left alone. */
export async function touchDurable(path: string): Promise<void> {
  const fd = await Deno.open(path, { write: true, create: true });
  fd.close();
  await fsyncDir(dirname(path));
}

/** True when the error is "no such file or folder". */
export function isNotFound(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound;
}

/** `stat` that answers `null` for a missing path. */
export async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** `lstat` that answers `null` for a missing path. */
export async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}
