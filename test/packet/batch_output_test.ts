import { assertEquals, assertRejects } from "../assert.ts";
import { BatchOutput } from "../../src/packet/batch_output.ts";
import { HashPipe } from "../../src/packet/hash_pipe.ts";
import { WRITE_BATCH_BYTES } from "../../src/packet/limits.ts";
import { Mth } from "../../src/packet/mth.ts";

/** Pseudo-random bytes, different for every seed. */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

Deno.test("BatchOutput writes in order and hashes every byte while writes are still running", async () => {
  const written: Uint8Array[] = [];
  let running = 0;
  let overlapped = 0;
  // Writes that finish after a varying delay, copied when they finish (as a file would hold them).
  const writer = {
    write: async (data: Uint8Array) => {
      running++;
      if (running > 1) overlapped++;
      await new Promise((resolve) => setTimeout(resolve, data[0]! % 3));
      written.push(data.slice());
      running--;
    },
  };
  const hash = new HashPipe({ mode: "inline" });
  const out = new BatchOutput(writer, hash);
  const input = bytes(5 * WRITE_BATCH_BYTES + 12345, 7);
  for (let pos = 0; pos < input.length;) {
    const n = Math.min(100_003, input.length - pos);
    out.emit(input.subarray(pos, pos + n));
    pos += n;
    await out.drain();
  }
  await out.drain(true);
  const joined = new Uint8Array(written.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of written) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  assertEquals(out.bytes, input.length);
  assertEquals(joined, input);
  assertEquals(overlapped, 0, "writes to one file must not run at the same time");
  const tree = await Mth.create();
  tree.update(input);
  assertEquals(await hash.digest(), tree.digest());
});

Deno.test("BatchOutput reports a failed write at the next drain", async () => {
  let calls = 0;
  const writer = {
    write: (_data: Uint8Array): Promise<void> => {
      calls++;
      return calls === 2 ? Promise.reject(new Error("disk full")) : Promise.resolve();
    },
  };
  const out = new BatchOutput(writer, null);
  await assertRejects(
    async () => {
      for (let i = 0; i < 8; i++) {
        out.emit(new Uint8Array(WRITE_BATCH_BYTES));
        await out.drain();
      }
      await out.drain(true);
    },
    Error,
    "disk full",
  );
});
