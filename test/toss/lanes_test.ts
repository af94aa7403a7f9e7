// Toss's two lanes: file packets overlap, every other packet runs alone and
// in queue order, and nothing waits forever.
import { assert, assertEquals } from "../assert.ts";
import { TossLanes, tossLanes } from "../../src/toss/toss.ts";

type Kind = "file" | "exec";

/** Runs `kinds` through `tossLanes` lanes as toss does; returns the event trace. */
async function simulate(kinds: Kind[]): Promise<{ trace: string[]; maxTogether: number }> {
  const lanes = new TossLanes();
  const trace: string[] = [];
  let together = 0;
  let maxTogether = 0;
  let aloneNow = 0;
  let next = 0;
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  const lane = async () => {
    for (;;) {
      await lanes.mayStart();
      if (next >= kinds.length) return;
      const index = next++;
      const slot = lanes.start(index);
      try {
        together++;
        maxTogether = Math.max(maxTogether, together);
        await tick(); // decrypting the header
        if (kinds[index] === "exec") {
          together--;
          await slot.alone();
          together++;
          assertEquals(together, 1, `packet ${index} must be alone`);
          aloneNow++;
          trace.push(`run ${index}`);
          await tick(); // the handler
          await tick();
          aloneNow--;
        } else {
          assertEquals(aloneNow, 0, `file ${index} started beside a packet running alone`);
          trace.push(`file ${index}`);
          await tick(); // the fsyncs
        }
      } finally {
        together--;
        slot.done();
      }
    }
  };
  const deadline = setTimeout(() => {
    throw new Error("the lanes waited forever");
  }, 10_000);
  try {
    await Promise.all(Array.from({ length: tossLanes }, lane));
  } finally {
    clearTimeout(deadline);
  }
  return { trace, maxTogether };
}

Deno.test("toss lanes: file packets overlap two at a time", async () => {
  const { trace, maxTogether } = await simulate(Array(20).fill("file"));
  assertEquals(maxTogether, 2);
  assertEquals(trace.length, 20);
});

Deno.test("toss lanes: exec packets run alone, one at a time, in queue order", async () => {
  const kinds: Kind[] = ["exec", "exec", "file", "exec", "file", "file", "exec", "exec", "file"];
  const { trace } = await simulate(kinds);
  const runs = trace.filter((t) => t.startsWith("run")).map((t) => Number(t.split(" ")[1]));
  assertEquals(runs, [0, 1, 3, 6, 7]);
  assertEquals(trace.filter((t) => t.startsWith("file")).length, 4);
});

Deno.test("toss lanes: ending a packet lets a waiting one go alone, and new packets wait for it", async () => {
  const lanes = new TossLanes();
  const first = lanes.start(0);
  const second = lanes.start(1);
  let secondAlone = false;
  const waiting = second.alone().then(() => secondAlone = true);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert(!secondAlone, "packet 1 must wait while packet 0 runs");
  let started = false;
  const newcomer = lanes.mayStart().then(() => started = true);
  first.done();
  first.done(); // twice is harmless
  await waiting;
  assert(secondAlone);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert(!started, "no packet starts while one runs alone");
  await second.alone(); // asking again while alone returns at once
  second.done();
  await newcomer;
  assert(started);
});
