/**
 * `HashPipe.digestAndRestart`, which reassembly uses to hash many chunks
 * with one pipe (and one worker): each digest equals the MTH of that input
 * alone, at sizes on and off the 128 KiB leaf and 512 KiB stage edges, with
 * and without the worker.
 */

import { assertEquals } from "../assert.ts";
import { HashPipe, Mth } from "../../src/packet/mod.ts";
import { encodeHex } from "../../src/packet/hex.ts";
import { patternBytes } from "../node/_world.ts";

const KiB = 1024;
const sizes = [0, 1, 128 * KiB, 128 * KiB + 1, 512 * KiB, 3 * 1024 * KiB + 1234, 9 * 1024 * KiB];

for (const mode of ["inline", "worker"] as const) {
  Deno.test(`digestAndRestart gives each input's own MTH (${mode})`, async () => {
    const pipe = new HashPipe({ mode });
    try {
      for (const [i, size] of sizes.entries()) {
        const data = patternBytes(size, i + 1);
        const want = await Mth.create();
        want.update(data);
        // Fed in uneven pieces, as reads return them.
        for (let off = 0; off < data.length; off += 300 * KiB + 7) {
          await pipe.update(data.subarray(off, Math.min(data.length, off + 300 * KiB + 7)));
        }
        assertEquals(
          encodeHex(await pipe.digestAndRestart()),
          encodeHex(want.digest()),
          `size ${size}`,
        );
      }
    } finally {
      pipe.close();
    }
  });
}
