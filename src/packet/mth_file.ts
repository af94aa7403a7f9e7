/**
 * Hashing a file that is still growing (a resumed transfer): start from a
 * saved MTH state so only the unfinished last block is read again.
 *
 * @example
 * ```ts
 * import { mthResumeFile } from "./mth_file.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array(10));
 * const mth = await mthResumeFile(path);
 * console.assert(mth.size === 10);
 * await Deno.remove(path);
 * ```
 * @module
 */

import { Mth, type MthState } from "./mth.ts";
import { READ_BATCH_BYTES } from "./limits.ts";

/**
 * An {@linkcode Mth} that has hashed the whole file at `path`. With `state`
 * (a snapshot taken earlier over the first bytes of the same file), only the
 * bytes from the state's resume offset are read.
 *
 * @throws {RangeError} when the file is shorter than the state covers.
 */
export async function mthResumeFile(path: string, state?: MthState): Promise<Mth> {
  const mth = await Mth.create(state);
  using file = await Deno.open(path);
  const { size } = await file.stat();
  if (size < mth.resumeOffset) {
    throw new RangeError(
      `Cannot resume MTH of "${path}": it has ${size} bytes, the saved state covers ${mth.resumeOffset}`,
    );
  }
  await file.seek(mth.resumeOffset, Deno.SeekMode.Start);
  const buf = new Uint8Array(READ_BATCH_BYTES);
  for (;;) {
    const n = await file.read(buf);
    if (n === null) break;
    mth.update(buf.subarray(0, n));
  }
  return mth;
}
