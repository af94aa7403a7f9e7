/**
 * Small payload sinks the toss uses: a temporary file (with an optional
 * packet id computed on the way) that the caller removes or moves after use.
 * @module
 */

import { Mth, type PayloadSink } from "../packet/mod.ts";
import { encodeBase32 } from "../encoding/base32.ts";

/** A sink into a temporary file; `id()` is the MTH of what was written, when asked for. */
export interface TempFileSink extends PayloadSink {
  path: string;
  bytes(): number;
  id(): string | undefined;
}

/** Opens a temporary file at `path` (created new) as a sink. */
export async function tempFileSink(path: string, withId: boolean): Promise<TempFileSink> {
  const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  const mth = withId ? await Mth.create() : null;
  let written = 0;
  let open = true;
  let id: string | undefined;
  const close = () => {
    if (open) file.close();
    open = false;
  };
  return {
    path,
    bytes: () => written,
    id: () => id,
    async write(chunk) {
      mth?.update(chunk);
      written += chunk.length;
      let off = 0;
      while (off < chunk.length) off += await file.write(chunk.subarray(off));
    },
    async commit() {
      await file.sync();
      close();
      if (mth) id = encodeBase32(mth.digest());
    },
    async abort() {
      close();
      await Deno.remove(path).catch(() => {});
    },
  };
}
