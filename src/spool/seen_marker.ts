/**
 * Writing a `seen/` marker: the note goes into a file in `SPOOL/tmp` that is
 * renamed into `seen/`, so an interruption never leaves a half-written
 * marker, and the `seen/` folder is fsynced. The small steps are
 * synchronous (one marker per packet tossed); the fsync stays asynchronous.
 * @module
 */

import { fsyncDir, isNotFound, tempName } from "../fsutil/mod.ts";

/** Writes `seenDir/id` holding `note`, through a temporary file in `tmpDir`. */
export async function writeSeenMarker(
  tmpDir: string,
  seenDir: string,
  id: string,
  note: string,
): Promise<void> {
  const tmp = tempName(tmpDir, `seen-${id}`);
  const bytes = new TextEncoder().encode(note);
  const write = () => Deno.writeFileSync(tmp, bytes, { createNew: true, mode: 0o644 });
  const place = () => Deno.renameSync(tmp, `${seenDir}/${id}`);
  try {
    try {
      write();
    } catch (err) {
      if (!isNotFound(err)) throw err;
      Deno.mkdirSync(tmpDir, { recursive: true });
      write();
    }
    try {
      place();
    } catch (err) {
      if (!isNotFound(err)) throw err;
      Deno.mkdirSync(seenDir, { recursive: true }); // the first marker of this node
      place();
    }
  } catch (err) {
    try {
      Deno.removeSync(tmp);
    } catch { /* never written */ }
    throw err;
  }
  await fsyncDir(seenDir);
}
