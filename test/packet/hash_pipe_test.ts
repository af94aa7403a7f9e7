/**
 * HashPipe splits MTH hashing with the process's workers through shared
 * memory: the split must hold in a loop that never yields to the event
 * loop, every worker of the pool takes leaves, the pool stays within its
 * cap, a run's workers must serve pipe after pipe (also after one was
 * abandoned half way), a worker that breaks down is replaced by this
 * thread, and every id must equal the vectors and the one-piece MTH.
 */

import { assert, assertEquals, assertThrows } from "../assert.ts";
import {
  HashPipe,
  hashWorkersLive,
  hashWorkersMax,
  mthOf,
  setHashWorkerModule,
  setHashWorkersMax,
  withSharedHashWorker,
} from "../../src/packet/mod.ts";
import { encodeHex } from "../../src/packet/hex.ts";

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

Deno.test("with three workers every one takes leaves, and the ids match the MTH vectors and the one-piece MTH", async () => {
  const before = hashWorkersMax();
  setHashWorkersMax(3);
  try {
    const data = pattern(20 * MiB + 777, 11);
    const pipe = new HashPipe({ mode: "worker" });
    const deadline = Date.now() + 20_000;
    while (pipe.workersReady < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(pipe.workersReady, 3, "three workers should be up within 20 s");
    await feed(pipe, data);
    const jobs = pipe.jobsPerWorker;
    assertEquals(await pipe.digest(), await mthOf(data));
    assertEquals(jobs.length, 3);
    assert(jobs.every((n) => n > 0), `a worker took no leaves: ${jobs}`);
    assertEquals(hashWorkersLive(), 0, "workers outside a run stop with their pipe");

    const table = JSON.parse(
      await Deno.readTextFile(new URL("../vectors/nncp/mth/mth-vectors.json", import.meta.url)),
    ) as { vectors: { input: string; size: number; mth_hex: string }[] };
    await withSharedHashWorker(async () => {
      for (const vector of table.vectors) {
        const [kind, arg = ""] = vector.input.split(":");
        const bytes = kind === "zeros"
          ? new Uint8Array(Number(arg))
          : kind === "pattern"
          ? Uint8Array.from({ length: Number(arg) }, (_, j) => (j * 7 + 3) % 251)
          : await Deno.readFile(new URL(`../vectors/nncp/${arg}`, import.meta.url));
        for (const mode of ["inline", "worker", "auto"] as const) {
          const p = new HashPipe({ mode, thresholdBytes: 0 });
          await feed(p, bytes);
          assertEquals(encodeHex(await p.digest()), vector.mth_hex, `${vector.input}, ${mode}`);
        }
      }
      assert(hashWorkersLive() <= 3, `${hashWorkersLive()} workers for a pool of 3`);
    });
    assertEquals(hashWorkersLive(), 0, "the run's workers stop when it ends");
  } finally {
    setHashWorkersMax(before);
  }
});

Deno.test("the pool never runs more workers than its cap, and refuses a cap out of range", async () => {
  const before = hashWorkersMax();
  setHashWorkersMax(2);
  try {
    const pipes = [1, 2, 3].map(() => new HashPipe({ mode: "worker" }));
    assertEquals(pipes.map((p) => p.workers), [2, 0, 0]);
    assertEquals(hashWorkersLive(), 2);
    const data = pattern(3 * MiB, 5);
    for (const p of pipes) await feed(p, data);
    for (const p of pipes) assertEquals(await p.digest(), await mthOf(data));
    assertEquals(hashWorkersLive(), 0);
    assertThrows(() => setHashWorkersMax(4), RangeError);
    assertThrows(() => setHashWorkersMax(-1), RangeError);
  } finally {
    setHashWorkersMax(before);
  }
});

Deno.test("a worker that breaks down half way costs time, never a wrong id: its unfinished jobs are hashed on the calling thread", async () => {
  const before = hashWorkersMax();
  setHashWorkersMax(2);
  setHashWorkerModule(new URL("./_failing_mth_worker.ts", import.meta.url));
  try {
    for (const size of [16 * MiB + 3, 5 * MiB]) {
      const data = pattern(size, size % 97);
      const pipe = new HashPipe({ mode: "worker" });
      await untilReady(pipe);
      await feed(pipe, data);
      assertEquals(await pipe.digest(), await mthOf(data), `${size} bytes`);
      assert(pipe.workerJobs > 0, "the broken workers were never given leaves");
      assertEquals(pipe.workers, 0);
      assertEquals(hashWorkersLive(), 0, "broken workers are stopped");
    }
  } finally {
    setHashWorkerModule(null);
    setHashWorkersMax(before);
  }
});

Deno.test("workers that cannot start (their module is missing) leave the hashing to the calling thread, inside a run too", async () => {
  const before = hashWorkersMax();
  setHashWorkersMax(2);
  setHashWorkerModule(new URL("./no_such_hash_worker.ts", import.meta.url));
  try {
    const data = pattern(6 * MiB + 17, 3);
    const want = await mthOf(data);
    const alone = new HashPipe({ mode: "worker" });
    await feed(alone, data);
    assertEquals(await alone.digest(), want);
    await withSharedHashWorker(async () => {
      for (let i = 0; i < 3; i++) {
        const pipe = new HashPipe({ mode: "auto", thresholdBytes: 0 });
        await feed(pipe, data);
        assertEquals(await pipe.digest(), want, `pipe ${i} in a run`);
        assertEquals(pipe.workerJobs, 0, "a worker that never started took jobs");
        await new Promise((r) => setTimeout(r, 50)); // let the load error arrive
      }
    });
    assertEquals(hashWorkersLive(), 0, "workers that failed to start are stopped");
  } finally {
    setHashWorkerModule(null);
    setHashWorkersMax(before);
  }
});
