/**
 * HashPipe splits MTH hashing with a worker through shared memory: the
 * split must hold in a loop that never yields to the event loop, a run's
 * shared worker must serve pipe after pipe (also after one was abandoned
 * half way), and every id must equal the one computed in one piece.
 */

import { assert, assertEquals } from "../assert.ts";
import { HashPipe, mthOf, withSharedHashWorker } from "../../src/packet/mod.ts";

const MiB = 1024 * 1024;

function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Feeds `data` in uneven pieces, awaiting only the pipe (no event-loop turn in between). */
async function feed(pipe: HashPipe, data: Uint8Array): Promise<void> {
  for (let pos = 0, step = 1; pos < data.length; pos += step, step = (step * 7 + 3) % 1_300_001) {
    await pipe.update(data.subarray(pos, pos + step));
  }
}

async function untilReady(pipe: HashPipe): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!pipe.workerReady && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert(pipe.workerReady, "the hashing worker did not start within 20 s");
}

Deno.test("a worker takes part of the hashing even when the caller never yields", async () => {
  const data = pattern(24 * MiB + 12345, 7);
  const pipe = new HashPipe({ mode: "worker" });
  await untilReady(pipe);
  await feed(pipe, data);
  const jobs = pipe.workerJobs;
  assertEquals(await pipe.digest(), await mthOf(data));
  assert(jobs > 0, "the worker hashed nothing");
});

Deno.test("ids are the same whatever the mode, for sizes around block and stage edges", async () => {
  const edges = [0, 1, 131071, 131072, 131073, 524288, 524289, 3 * 524288 + 7];
  for (const size of edges) {
    const data = pattern(size, size + 1);
    const want = await mthOf(data);
    for (const mode of ["inline", "worker", "auto"] as const) {
      const pipe = new HashPipe({ mode, thresholdBytes: 200_000 });
      await feed(pipe, data);
      assertEquals(await pipe.digest(), want, `${mode}, ${size} bytes`);
    }
  }
});

Deno.test("a run's shared worker serves pipe after pipe, also after one was abandoned", async () => {
  const inputs = [pattern(6 * MiB, 1), pattern(3 * MiB + 5, 2), pattern(9 * MiB, 3)];
  await withSharedHashWorker(async () => {
    const first = new HashPipe();
    await feed(first, inputs[0]!);
    const abandoned = new HashPipe();
    await untilReady(first).catch(() => {}); // boot while the first pipe holds it
    await feed(abandoned, inputs[1]!); // no digest: the pipe is given up half way
    abandoned.close();
    assertEquals(await first.digest(), await mthOf(inputs[0]!));

    let jobs = 0;
    for (const data of inputs) {
      const pipe = new HashPipe();
      await feed(pipe, data.subarray(0, 524288)); // one full stage: the pipe borrows the worker
      await untilReady(pipe);
      await feed(pipe, data.subarray(524288));
      jobs += pipe.workerJobs;
      assertEquals(await pipe.digest(), await mthOf(data));
    }
    assert(jobs > 0, "pipes below the worker threshold used the run's worker");
  });
});

Deno.test("a pipe still using the shared worker when its run ends finishes (the run leaves the worker to it)", async () => {
  const data = pattern(12 * MiB, 9);
  let endRun = () => {};
  const runEnded = new Promise<void>((resolve) => (endRun = resolve));
  let pipe: HashPipe | null = null;
  const run = withSharedHashWorker(async () => {
    pipe = new HashPipe();
    await feed(pipe, data.subarray(0, 524288));
    await untilReady(pipe);
    await runEnded;
  });
  while (pipe === null || !(pipe as HashPipe).workerReady) {
    await new Promise((r) => setTimeout(r, 10));
  }
  endRun();
  await run;
  const p = pipe as HashPipe;
  await feed(p, data.subarray(524288));
  const timeout = new Promise<"timeout">((resolve) => {
    const t = setTimeout(() => resolve("timeout"), 20_000);
    Deno.unrefTimer(t);
  });
  const got = await Promise.race([p.digest(), timeout]);
  assert(got !== "timeout", "digest waited for a worker its run had stopped");
  assertEquals(got, await mthOf(data));
  assert(p.workerJobs > 0);
});
