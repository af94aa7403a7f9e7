/**
 * SIGKILL during reassembly, at every step of the work and at random
 * moments inside it: nothing partial is ever visible under the file's
 * name, and after the next run (what toss does) the file is there exactly
 * once, whole, with its chunks, meta and temporary file gone.
 */

import { assert_ as assert, assertEquals } from "../assert.ts";
import { REPO_ROOT, withTempDir } from "../helpers.ts";
import { reassemble, sweepOrphanTemps } from "../../src/reass/mod.ts";
import { crashSeed, runTrials, seededRandom } from "../node/_crash.ts";
import { namesIn, sameBytes } from "../node/_world.ts";
import { type Chunked, hiddenIn, makeChunked } from "./_fixture.ts";

const chunksN = 8;
const chunkSize = 64 * 1024;
const fileSize = chunksN * chunkSize - 777;

const steps = [
  "checked",
  ...Array.from({ length: chunksN }, (_, i) => `chunk-written:${i}`),
  "synced",
  "linked",
  ...Array.from({ length: chunksN }, (_, i) => `chunk-removed:${i}`),
  "meta-removed",
  "done",
];
const randomTrials = 15;

/** What a killed run left, seen from outside. */
interface Left {
  final: boolean;
  finalWhole: boolean;
  temp: { links: number; size: number } | null;
  chunks: number;
  meta: boolean;
}

async function look(c: Chunked): Promise<Left> {
  const names = await namesIn(c.dir);
  const hidden = await hiddenIn(c.dir);
  assert(hidden.length <= 1, `more than one temporary file: ${hidden}`);
  const temp = hidden[0] ? await Deno.lstat(`${c.dir}/${hidden[0]}`) : null;
  const visible = names.filter((n) => !n.startsWith("."));
  // Nothing but the chunks, the meta and (whole) the file itself is ever visible.
  for (const n of visible) {
    assert(n === c.name || n.startsWith(`${c.name}.nncp.`), `unexpected file ${n}`);
  }
  const final = visible.includes(c.name);
  return {
    final,
    finalWhole: final && sameBytes(await Deno.readFile(`${c.dir}/${c.name}`), c.data),
    temp: temp ? { links: temp.nlink ?? 1, size: temp.size } : null,
    chunks: visible.filter((n) => n.includes(".nncp.chunk")).length,
    meta: visible.includes(`${c.name}.nncp.meta`),
  };
}

/** The state a kill right after `step` must leave. */
function expected(step: string): Partial<Left> {
  const [name, n] = step.split(":");
  const i = Number(n);
  switch (name) {
    case "checked":
      return { final: false, temp: null, chunks: chunksN, meta: true };
    case "chunk-written":
      return {
        final: false,
        temp: { links: 1, size: Math.min(fileSize, (i + 1) * chunkSize) },
        chunks: chunksN,
        meta: true,
      };
    case "synced":
      return { final: false, temp: { links: 1, size: fileSize }, chunks: chunksN, meta: true };
    case "linked":
      return { final: true, temp: { links: 2, size: fileSize }, chunks: chunksN, meta: true };
    case "chunk-removed":
      return {
        final: true,
        temp: { links: 2, size: fileSize },
        chunks: chunksN - i - 1,
        meta: true,
      };
    case "meta-removed":
      return { final: true, temp: { links: 2, size: fileSize }, chunks: 0, meta: false };
    default: // done: the temporary file is gone too
      return { final: true, temp: null, chunks: 0, meta: false };
  }
}

/** Runs the child; kills it once it paused at `stopAt`, or `delayMs` after it started. */
async function killedRun(meta: string, stopAt: string | null, delayMs: number): Promise<string[]> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO_ROOT}/test/reass/_reass_child.ts`, meta, stopAt ?? ""],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* it finished */ }
  };
  let text = "";
  for await (const piece of child.stdout.pipeThrough(new TextDecoderStream())) {
    text += piece;
    const done = text.split("\n");
    text = done.pop()!;
    for (const line of done) {
      lines.push(line);
      if (line === "paused") kill();
      if (line === "start" && stopAt === null) timer = setTimeout(kill, delayMs);
    }
  }
  clearTimeout(timer);
  await child.status;
  return lines;
}

Deno.test(`SIGKILL during reassembly (${steps.length + randomTrials} trials): never partial, exactly once after the rerun`, async () => {
  const random = seededRandom(crashSeed);
  const delays = Array.from({ length: randomTrials }, () => Math.floor(random() * 40));
  const landed = new Map<string, number>();
  await withTempDir(async (root) => {
    await runTrials(steps.length + randomTrials, 2, async (t) => {
      const dir = `${root}/t${t}`;
      await Deno.mkdir(dir);
      const c = await makeChunked(dir, "film.mkv", fileSize, chunkSize, t + 1);
      const stopAt = t < steps.length ? steps[t]! : null;
      const lines = await killedRun(c.meta, stopAt, delays[t - steps.length] ?? 0);
      const left = await look(c);
      // Whatever happened, a visible file is a whole one.
      assertEquals(left.final, left.finalWhole, `trial ${t}: a partial file is visible`);
      if (stopAt !== null) {
        assertEquals(lines.at(-1), "paused", `trial ${t}: the child did not stop at ${stopAt}`);
        const want = expected(stopAt);
        const got = Object.fromEntries(Object.keys(want).map((k) => [k, left[k as keyof Left]]));
        assertEquals(got, want, `trial ${t}: state after a kill at ${stopAt}`);
      }
      const lastStep = lines.filter((l) => l !== "paused").at(-1) ?? "none";
      landed.set(lastStep, (landed.get(lastStep) ?? 0) + 1);
      // The next run: what toss (or ferry reass) does.
      if (left.meta) await reassemble(c.meta);
      await sweepOrphanTemps(dir);
      assertEquals(await namesIn(dir), ["film.mkv"], `trial ${t}: after the rerun`);
      assert(sameBytes(await Deno.readFile(`${dir}/film.mkv`), c.data), `trial ${t}: content`);
      await Deno.remove(dir, { recursive: true });
    });
  });
  // Where the kills landed: every step once, plus the random ones spread over the run.
  console.log(`kills landed after: ${JSON.stringify(Object.fromEntries(landed))}`);
  for (const step of steps) assert((landed.get(step) ?? 0) >= 1, `no kill landed after ${step}`);
  assert(landed.size >= steps.length, "kills did not spread over the work");
});
