/**
 * Crash safety of `ferry toss`: killed with SIGKILL at random points (seeded:
 * FERRY_CRASH_SEED repeats a run), then run again to completion. Right after
 * each kill no packet is lost and nothing incomplete is visible under a final
 * name; after the rerun every packet is in exactly one place and no
 * temporary file is left behind.
 *
 * File delivery is exactly-once (see src/toss/deliver_file.ts). Exec
 * handlers are at-least-once by design (as in NNCP): a handler that ran
 * before the kill runs again, so the exec check is "its body arrived", not
 * "arrived once".
 */

import { assert, assertEquals } from "../assert.ts";
import { toss } from "../../src/toss/mod.ts";
import {
  crashSeed,
  type KillStats,
  linkAll,
  makeTemplate,
  runAndKill,
  runTrials,
  seededRandom,
  type Template,
  trialContext,
  trialNode,
} from "./_crash.ts";
import { IDS, namesIn, packetsIn, sameBytes, withWorld } from "./_world.ts";

const TOSS_TRIALS = 40;
const PARALLEL = 2;

/** The names incoming must hold, and the bytes each may hold. */
function expectedIncoming(t: Template): Map<string, Uint8Array[]> {
  const out = new Map<string, Uint8Array[]>();
  for (const f of t.files) {
    const name = out.has(f.name) ? `${f.name}.0` : f.name;
    out.set(name, []);
  }
  for (const [name, list] of out) {
    const base = name.replace(/\.0$/, "");
    for (const f of t.files) if (f.name === base) list.push(f.bytes);
  }
  return out;
}

async function checkVisibleComplete(
  incoming: string,
  expected: Map<string, Uint8Array[]>,
  what: string,
) {
  for (const name of await namesIn(incoming)) {
    if (name.startsWith(".ferry-")) continue; // hidden and unfinished: allowed mid-run
    const allowed = expected.get(name);
    assert(allowed !== undefined, `${what}: unexpected file ${name} in incoming`);
    const got = await Deno.readFile(`${incoming}/${name}`);
    assert(allowed.some((b) => sameBytes(b, got)), `${what}: ${name} is incomplete or wrong`);
  }
}

Deno.test("ferry toss killed at random points delivers every file exactly once after a rerun", async () => {
  await withWorld(async (w) => {
    const t = await makeTemplate(w);
    const expected = expectedIncoming(t);
    const random = seededRandom(crashSeed);
    const stats: KillStats = { trials: 0, midWork: 0, finished: 0 };
    const trial = async (i: number, delayMs: number | null) => {
      const what = `toss trial ${i} (seed ${crashSeed}, kill at ${delayMs?.toFixed(0)} ms)`;
      const node = await trialNode(w.bob, `${w.root}/toss-${i}`);
      const rx = `${node.spool}/${IDS.alice}/rx`;
      await linkAll(t.dir, rx);
      const started = performance.now();
      const run = await runAndKill(node.cfg, ["toss"], delayMs);
      const elapsed = performance.now() - started;

      const left = await packetsIn(rx);
      const seen = new Set(await namesIn(`${rx}/seen`));
      for (const id of t.ids) {
        assert(left.includes(id) || seen.has(id), `${what}: packet ${id} was lost`);
      }
      await checkVisibleComplete(node.incoming, expected, what);
      const hidden = (await namesIn(node.incoming)).some((n) => n.startsWith(".ferry-"));
      stats.trials++;
      if (!run.killed) stats.finished++;
      else if (hidden || (left.length > 0 && left.length < t.ids.length)) stats.midWork++;

      const { ctx, lines } = await trialContext(node);
      const summary = await toss(ctx, { seen: true, execTimeoutMs: 30_000 });
      assertEquals(summary.failed, 0, `${what}: ${lines.join("\n")}`);
      assertEquals(await packetsIn(rx), [], `${what}: rx is empty`);
      assertEquals(await namesIn(`${rx}/hdr`), [], `${what}: no hdr/ leftovers`);
      assertEquals([...await namesIn(`${rx}/seen`)].sort(), [...t.ids].sort(), what);
      assertEquals(await namesIn(node.incoming), [...expected.keys()].sort(), what);
      await checkVisibleComplete(node.incoming, expected, what);
      const sameA = await Deno.readFile(`${node.incoming}/same.txt`);
      const sameB = await Deno.readFile(`${node.incoming}/same.txt.0`);
      assert(!sameBytes(sameA, sameB), `${what}: the two same.txt packets are both there`);
      const execOut = await Deno.readTextFile(`${node.dir}/exec.out`);
      assert(execOut.includes(t.execBody), `${what}: the exec body arrived`);
      assertEquals(await namesIn(`${node.spool}/tmp`), [], `${what}: SPOOL/tmp is clean`);
      await Deno.remove(node.dir, { recursive: true });
      return elapsed;
    };
    const typicalMs = await trial(-1, null);
    // Most of a run is starting up (loading code and configuration): spread the
    // kills over the part after that, where the packets are being tossed.
    const probe = await trialNode(w.bob, `${w.root}/startup-probe`);
    const started = performance.now();
    await runAndKill(probe.cfg, ["stat"], null);
    const startupMs = Math.min(performance.now() - started, typicalMs * 0.8);
    await runTrials(
      TOSS_TRIALS,
      PARALLEL,
      async (i) => void await trial(i, startupMs + random() * (typicalMs - startupMs) * 1.2),
    );
    assert(
      stats.midWork >= TOSS_TRIALS / 10,
      `too few kills landed mid-run: ${JSON.stringify(stats)}`,
    );
  });
});
