/**
 * Knowing that a folder is still on the medium it was on: a stick pulled
 * out (or unmounted lazily) mid-run leaves its mount point as an ordinary
 * folder of the root filesystem, and anything written "to the medium" after
 * that would land there, hidden under the next mount. Writers pin the
 * medium by its device number (`st_dev`) and check it around every write.
 *
 * Also here: removing what an interrupted run left behind (temporary files
 * of dead processes) so a crash costs no space.
 *
 * @example
 * ```ts
 * import { checkOnDevice, deviceOf, MediumGoneError } from "./medium.ts";
 * const dir = await Deno.makeTempDir();
 * const device = await deviceOf(dir);
 * await checkOnDevice(dir, device); // still there
 * await Deno.remove(dir);
 * const gone = await checkOnDevice(dir, device).catch((err) => err);
 * console.assert(gone instanceof MediumGoneError);
 * ```
 * @module
 */

import { fsyncDir, isNotFound } from "../fsutil/mod.ts";

/** The medium (or folder) a run works on went away: nothing more is written or removed. */
export class MediumGoneError extends Error {
  constructor(path: string) {
    super(
      `${path} is no longer on the medium (was it pulled out or unmounted?): ` +
        "insert it again to finish; nothing was lost",
    );
    this.name = "MediumGoneError";
  }
}

/** Errors that end a whole run: an abort, or the medium going away. */
export function isFatal(err: unknown): boolean {
  return (err instanceof DOMException && err.name === "AbortError") ||
    err instanceof MediumGoneError;
}

/** The device number (`st_dev`) of the filesystem holding `path`. */
export async function deviceOf(path: string): Promise<number> {
  const info = await Deno.stat(path);
  if (info.dev === null) throw new RangeError(`cannot tell which device holds ${path}`);
  return info.dev;
}

/** `major:minor` of a device number, as `/proc/self/mountinfo` writes it (Linux encoding). */
export function majorMinorOf(dev: number): string {
  const high = Math.floor(dev / 2 ** 32);
  const low = dev >>> 0;
  const major = ((low >>> 8) & 0xfff) | ((high & ~0xfff) >>> 0);
  const minor = ((low & 0xff) | ((low >>> 12) & ~0xff) | ((high & 0xfff) << 20)) >>> 0;
  return `${major >>> 0}:${minor}`;
}

/**
 * Throws {@linkcode MediumGoneError} unless `path` exists on `device`; with
 * no device it checks nothing.
 */
export async function checkOnDevice(path: string, device: number | undefined): Promise<void> {
  if (device === undefined) return;
  let dev: number | null;
  try {
    dev = (await Deno.stat(path)).dev;
  } catch (err) {
    if (isNotFound(err)) throw new MediumGoneError(path);
    throw err;
  }
  if (dev !== device) throw new MediumGoneError(path);
}

/**
 * Makes sure `path` is a real folder (not a symlink or file) on `device`,
 * creating it when `create`. A folder created after the medium went away
 * is removed again. Answers false when it is missing and not created.
 */
export async function ensureRealDir(
  path: string,
  create: boolean,
  device?: number,
): Promise<boolean> {
  const st = await Deno.lstat(path).catch((err) => {
    if (isNotFound(err)) return null;
    throw err;
  });
  if (st) {
    if (!st.isDirectory) throw new RangeError(`${path} is not a real folder (a symlink or file)`);
    if (device !== undefined && st.dev !== device) throw new MediumGoneError(path);
    return true;
  }
  if (!create) return false;
  const parent = path.slice(0, path.lastIndexOf("/")) || "/";
  await checkOnDevice(parent, device);
  await Deno.mkdir(path);
  if (device !== undefined && (await Deno.lstat(path)).dev !== device) {
    await Deno.remove(path).catch(() => {});
    throw new MediumGoneError(path);
  }
  await fsyncDir(parent);
  return true;
}
