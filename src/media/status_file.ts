/**
 * `FERRY-STATUS.txt`, the file a person can read on the medium to see what
 * ferry did with it. The medium is hostile: whatever is already at the
 * status file's temporary name (a symlink to a system file, a FIFO that
 * would block a writer, a folder) is removed or refused, never followed;
 * the new file is created exclusively, checked to be on the medium, written,
 * fsynced, and renamed into place.
 * @module
 */

import { fsyncDir, isNotFound } from "../fsutil/mod.ts";
import { MediumGoneError } from "../xfer/mod.ts";

/** Name of the status file written on each medium. */
export const statusFileName = "FERRY-STATUS.txt";

/** Writes the status file to `mountPoint` (on `device`) from `lines`. */
export async function writeStatusFile(
  mountPoint: string,
  device: number,
  lines: string[],
): Promise<void> {
  const path = `${mountPoint}/${statusFileName}`;
  const tmp = `${mountPoint}/.${statusFileName}.tmp`;
  try {
    const old = await Deno.lstat(tmp);
    if (old.isDirectory) throw new RangeError(`${tmp} is a folder; remove it`);
    await Deno.remove(tmp);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const current = await Deno.lstat(path).catch((err) => {
    if (isNotFound(err)) return null;
    throw err;
  });
  if (current?.isDirectory) throw new RangeError(`${path} is a folder; remove it`);
  // createNew is O_EXCL: it never follows a symlink planted after the removal above.
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o644 });
  try {
    if ((await file.stat()).dev !== device) {
      await Deno.remove(tmp).catch(() => {});
      throw new MediumGoneError(mountPoint);
    }
    const data = new TextEncoder().encode(lines.join("\n"));
    let off = 0;
    while (off < data.length) off += await file.write(data.subarray(off));
    await file.sync();
  } catch (err) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  file.close();
  await Deno.rename(tmp, path);
  await fsyncDir(mountPoint);
}
