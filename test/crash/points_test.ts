/**
 * Aimed crashes: every named crash point of a write path (see
 * src/fsutil/crash_point.ts) is crossed by a traced run, then hit on purpose
 * (its first, a middle and its last crossing) with the process killing itself
 * there by SIGKILL. After each kill nothing is lost and nothing incomplete is
 * visible under a final name; a rerun then completes the work and every
 * packet is in exactly one place, every file delivered exactly once.
 *
 * A test fails when a declared point is never crossed, so a point that
 * drifts out of its path (or a path that stops doing the work) is noticed.
 */

import { assert, assertEquals } from "../assert.ts";
import { CRASH_POINTS } from "../../src/fsutil/crash_point.ts";
import { REPO_ROOT } from "../helpers.ts";
import { linkAll, makeTemplate, type Template, type TrialNode, trialNode } from "../node/_crash.ts";
import {
  IDS,
  namesIn,
  packetsIn,
  sameBytes,
  type TestNode,
  withWorld,
  type World,
} from "../node/_world.ts";
import { idOfFile } from "../../src/xfer/mod.ts";
import { newQueue, putJob } from "../queue/_queue_fixture.ts";

interface PointRun {
  /** SIGKILL ended the run (the point was reached). */
  killed: boolean;
  code: number;
  stderr: string;
}

/** Runs ferry with the crash point armed (or only traced, when `at` is null). */
async function runArmed(
  cfg: string,
  args: string[],
  at: string | null,
  trace: string | null,
  stdin?: Uint8Array,
): Promise<PointRun> {
  const env: Record<string, string> = {};
  if (at !== null) env.FERRY_CRASH_AT = at;
  if (trace !== null) env.FERRY_CRASH_TRACE = trace;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, "-c", cfg, ...args],
    env,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(stdin).catch(() => {});
    await w.close().catch(() => {});
  }
  const [status, err] = await Promise.all([child.status, new Response(child.stderr).text()]);
  return { killed: status.signal === "SIGKILL", code: status.code, stderr: err };
}

/** Counts the crossings of each point in a trace file. */
async function countTrace(path: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const text = await Deno.readTextFile(path).catch(() => "");
  for (const line of text.split("\n")) {
    if (line) counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}

/** The crossings to aim at for a point crossed `count` times: first, middle, last. */
function aims(count: number): number[] {
  return [...new Set([1, Math.ceil(count / 2), count])];
}

/**
 * Traces one clean run, checks every declared point was crossed, then aims a
 * kill at each point's first, middle and last crossing and hands each killed
 * trial to `check`.
 */
async function aimAtEvery(
  w: World,
  points: readonly string[],
  setup: (node: TrialNode) => Promise<void>,
  run: (node: TrialNode, at: string | null, trace: string | null) => Promise<PointRun>,
  check: (node: TrialNode, what: string) => Promise<void>,
  base: TestNode,
): Promise<number> {
  const traceNode = await trialNode(base, `${w.root}/trace-${points[0]}`);
  await setup(traceNode);
  const tracePath = `${w.root}/trace-${points[0]}.txt`;
  const clean = await run(traceNode, null, tracePath);
  assertEquals(clean.code, 0, `the traced run succeeds: ${clean.stderr}`);
  const counts = await countTrace(tracePath);
  const never = points.filter((p) => !counts.has(p));
  assertEquals(never, [], `crash points never crossed: ${never.join(", ")}`);
  await check(traceNode, "traced run");
  let trials = 0;
  for (const point of points) {
    for (const nth of aims(counts.get(point)!)) {
      const what = `${point}#${nth}`;
      const node = await trialNode(base, `${w.root}/t-${point}-${nth}`);
      await setup(node);
      const killed = await run(node, `${point}#${nth}`, null);
      assert(killed.killed, `${what}: the run was killed at its crash point (${killed.stderr})`);
      await check(node, what);
      await Deno.remove(node.dir, { recursive: true });
      trials++;
    }
  }
  return trials;
}

/** The names incoming must hold after the template is tossed, with their bytes. */
function expectedIncoming(t: Template): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const f of t.files) out.set(out.has(f.name) ? `${f.name}.0` : f.name, f.bytes);
  return out;
}

/** Files in incoming under a final name are complete and expected (either same.txt fits both). */
async function checkIncomingComplete(node: TrialNode, t: Template, what: string) {
  for (const name of await namesIn(node.incoming)) {
    if (name.startsWith(".ferry-")) continue; // hidden, unfinished
    const got = await Deno.readFile(`${node.incoming}/${name}`);
    const base = name.replace(/\.0$/, "");
    const ok = t.files.some((f) => f.name === base && sameBytes(f.bytes, got));
    assert(ok, `${what}: ${name} in incoming is incomplete or unexpected`);
  }
}

/** Checks the tossed state of bob after a rerun: every file once, rx empty. */
async function checkTossedOnce(node: TrialNode, t: Template, what: string) {
  const expected = expectedIncoming(t);
  assertEquals(await namesIn(node.incoming), [...expected.keys()].sort(), `${what}: incoming`);
  await checkIncomingComplete(node, t, what);
  const a = await Deno.readFile(`${node.incoming}/same.txt`);
  const b = await Deno.readFile(`${node.incoming}/same.txt.0`);
  assert(!sameBytes(a, b), `${what}: both same.txt packets were delivered`);
  const rx = `${node.spool}/${IDS.alice}/rx`;
  assertEquals(await packetsIn(rx), [], `${what}: rx is empty`);
  assertEquals((await namesIn(`${rx}/seen`)).sort(), [...t.ids].sort(), `${what}: seen`);
  assertEquals(await namesIn(`${node.spool}/tmp`).catch(() => []), [], `${what}: tmp clean`);
  const exec = await Deno.readTextFile(`${node.dir}/exec.out`);
  assert(exec.includes(t.execBody), `${what}: the exec body arrived`);
}

async function ferryIn(node: TrialNode, args: string[]): Promise<void> {
  const r = await runArmed(node.cfg, args, null, null);
  assertEquals(r.code, 0, `ferry ${args.join(" ")}: ${r.stderr}`);
}

Deno.test("ferry toss killed at every crash point delivers each file exactly once after a rerun", async () => {
  await withWorld(async (w) => {
    const t = await makeTemplate(w);
    const trials = await aimAtEvery(
      w,
      CRASH_POINTS.toss,
      async (node) => await linkAll(t.dir, `${node.spool}/${IDS.alice}/rx`),
      (node, at, trace) => runArmed(node.cfg, ["toss"], at, trace),
      async (node, what) => {
        const rx = `${node.spool}/${IDS.alice}/rx`;
        const left = await packetsIn(rx);
        const seen = new Set(await namesIn(`${rx}/seen`).catch(() => []));
        for (const id of t.ids) {
          assert(left.includes(id) || seen.has(id), `${what}: packet ${id} was lost`);
        }
        await checkIncomingComplete(node, t, what);
        await ferryIn(node, ["toss"]);
        await checkTossedOnce(node, t, what);
      },
      w.bob,
    );
    assert(trials >= CRASH_POINTS.toss.length, `aimed ${trials} kills`);
  });
});

Deno.test("ferry xfer --rx killed at every crash point keeps each packet on the medium or in rx, and a rerun takes all", async () => {
  await withWorld(async (w) => {
    const t = await makeTemplate(w);
    // The medium as alice's xfer --tx writes it, made once.
    const alice = await trialNode(w.alice, `${w.root}/alice-medium`);
    await linkAll(t.dir, `${alice.spool}/${IDS.bob}/tx`);
    const medium = `${w.root}/medium-template`;
    await Deno.mkdir(medium);
    await ferryIn(alice, ["xfer", "--tx", "--mkdir", medium]);
    const onMedium = `${IDS.bob}/${IDS.alice}`;
    assertEquals((await packetsIn(`${medium}/${onMedium}`)).sort(), [...t.ids].sort());
    const mediumOf = (node: TrialNode) => `${node.dir}/medium`;
    await aimAtEvery(
      w,
      CRASH_POINTS.xferRx,
      async (node) => {
        await Deno.mkdir(`${mediumOf(node)}/${IDS.bob}`, { recursive: true });
        await linkAll(`${medium}/${onMedium}`, `${mediumOf(node)}/${onMedium}`);
      },
      (node, at, trace) => runArmed(node.cfg, ["xfer", "--rx", mediumOf(node)], at, trace),
      async (node, what) => {
        const rx = `${node.spool}/${IDS.alice}/rx`;
        const inRx = await packetsIn(rx).catch(() => [] as string[]);
        const left = await packetsIn(`${mediumOf(node)}/${onMedium}`).catch(() => [] as string[]);
        for (const id of t.ids) {
          assert(inRx.includes(id) || left.includes(id), `${what}: packet ${id} was lost`);
          if (inRx.includes(id)) {
            assertEquals(await idOfFile(`${rx}/${id}`), id, `${what}: ${id} in rx is whole`);
          }
        }
        await ferryIn(node, ["xfer", "--rx", mediumOf(node)]);
        assertEquals((await packetsIn(rx)).sort(), [...t.ids].sort(), `${what}: all in rx`);
        assertEquals(await packetsIn(`${mediumOf(node)}/${onMedium}`).catch(() => []), []);
        await ferryIn(node, ["toss"]);
        await checkTossedOnce(node, t, what);
      },
      w.bob,
    );
  });
});

Deno.test("ferry xfer --tx killed at every crash point keeps each packet in the spool or whole on the medium", async () => {
  await withWorld(async (w) => {
    const t = await makeTemplate(w);
    const mediumOf = (node: TrialNode) => `${node.dir}/medium`;
    const onMedium = `${IDS.bob}/${IDS.alice}`;
    await aimAtEvery(
      w,
      CRASH_POINTS.xferTx,
      async (node) => {
        await linkAll(t.dir, `${node.spool}/${IDS.bob}/tx`);
        await Deno.mkdir(mediumOf(node));
      },
      (node, at, trace) =>
        runArmed(node.cfg, ["xfer", "--tx", "--mkdir", mediumOf(node)], at, trace),
      async (node, what) => {
        const tx = `${node.spool}/${IDS.bob}/tx`;
        const inTx = await packetsIn(tx);
        const dir = `${mediumOf(node)}/${onMedium}`;
        const onIt = await packetsIn(dir).catch(() => [] as string[]);
        for (const id of t.ids) {
          assert(inTx.includes(id) || onIt.includes(id), `${what}: packet ${id} was lost`);
        }
        for (const id of onIt) {
          if (!inTx.includes(id)) {
            assertEquals(await idOfFile(`${dir}/${id}`), id, `${what}: ${id} left only whole`);
          }
        }
        await ferryIn(node, ["xfer", "--tx", "--mkdir", mediumOf(node)]);
        assertEquals(await packetsIn(tx), [], `${what}: the spool sent everything`);
        const after = (await packetsIn(dir)).sort();
        assertEquals(after, [...t.ids].sort(), `${what}: every packet on the medium once`);
        for (const id of after) assertEquals(await idOfFile(`${dir}/${id}`), id, what);
      },
      w.alice,
    );
  });
});

Deno.test("ferry bundle --rx killed at every crash point takes each packet once after a rerun", async () => {
  await withWorld(async (w) => {
    const t = await makeTemplate(w);
    const alice = await trialNode(w.alice, `${w.root}/alice-bundle`);
    await linkAll(t.dir, `${alice.spool}/${IDS.bob}/tx`);
    const bundle = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, "-c", alice.cfg, "bundle", "--tx"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(bundle.code, 0, new TextDecoder().decode(bundle.stderr));
    await aimAtEvery(
      w,
      CRASH_POINTS.bundle,
      () => Promise.resolve(),
      (node, at, trace) => runArmed(node.cfg, ["bundle", "--rx"], at, trace, bundle.stdout),
      async (node, what) => {
        const rx = `${node.spool}/${IDS.alice}/rx`;
        for (const id of await packetsIn(rx).catch(() => [] as string[])) {
          assertEquals(await idOfFile(`${rx}/${id}`), id, `${what}: ${id} in rx is whole`);
        }
        const again = await runArmed(node.cfg, ["bundle", "--rx"], null, null, bundle.stdout);
        assertEquals(again.code, 0, `${what}: ${again.stderr}`);
        assertEquals((await packetsIn(rx)).sort(), [...t.ids].sort(), `${what}: all in rx`);
        await ferryIn(node, ["toss"]);
        await checkTossedOnce(node, t, what);
      },
      w.bob,
    );
  });
});

Deno.test("ferry queue process killed at every crash point keeps the job order and runs every job", async () => {
  await withWorld(async (w) => {
    const jobs = 6;
    const template = `${w.root}/queue-template`;
    await Deno.mkdir(template);
    const q = newQueue(template);
    for (let seq = 1; seq <= jobs; seq++) {
      await putJob(q, { seq: BigInt(seq), params: [] }, `${seq}\n`);
    }
    const queueOf = (node: TrialNode) => `${node.dir}/q`;
    const outOf = (node: TrialNode) => `${node.dir}/ran.txt`;
    const ranOf = async (node: TrialNode) =>
      (await Deno.readTextFile(outOf(node)).catch(() => "")).split("\n").filter((l) => l)
        .map(Number);
    await aimAtEvery(
      w,
      CRASH_POINTS.queue,
      async (node) => {
        await Deno.mkdir(queueOf(node));
        for (const f of ["nextseq", "nextseq.lock"]) {
          await Deno.copyFile(`${q}/${f}`, `${queueOf(node)}/${f}`);
        }
        await linkAll(`${q}/jobs`, `${queueOf(node)}/jobs`);
      },
      (node, at, trace) =>
        runArmed(
          node.cfg,
          ["queue", "process", "-q", queueOf(node), "sh", "--", "-c", 'cat >> "$0"', outOf(node)],
          at,
          trace,
        ),
      async (node, what) => {
        const before = await ranOf(node);
        const rerun = await runArmed(
          node.cfg,
          [
            "queue",
            "process",
            "-q",
            queueOf(node),
            "sh",
            "--",
            "-c",
            'cat >> "$0"',
            outOf(node),
          ],
          null,
          null,
        );
        assertEquals(rerun.code, 0, `${what}: ${rerun.stderr}`);
        const ran = await ranOf(node);
        assert(ran.length >= before.length, what);
        // In order; a job may run again only right after itself (it ran, the crash
        // came before nextseq moved on): at least once, never out of order.
        const collapsed = ran.filter((n, i) => i === 0 || ran[i - 1] !== n);
        assertEquals(collapsed, Array.from({ length: jobs }, (_, i) => i + 1), `${what}: ${ran}`);
        assert(ran.length <= jobs + 1, `${what}: at most one job ran twice: ${ran}`);
        // A kill after nextseq moved on but before the job file was removed leaves
        // that file behind (below nextseq: never run again, as with fspl);
        // nothing else may be left.
        const left = await namesIn(`${queueOf(node)}/jobs`);
        const allowed = what.startsWith("queue.next-advanced") ? 1 : 0;
        assert(left.length <= allowed, `${what}: jobs left behind: ${left}`);
      },
      w.bob,
    );
  });
});

Deno.test("the packet store killed at every crash point resumes its partial and commits the packet once", async () => {
  await withWorld(async (w) => {
    const t = await makeTemplate(w);
    const id = [...t.sizes.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const source = `${t.dir}/${id}`;
    const child = `${REPO_ROOT}/test/crash/_store_child.ts`;
    const runChild = async (node: TrialNode, at: string | null, trace: string | null) => {
      const env: Record<string, string> = {};
      if (at !== null) env.FERRY_CRASH_AT = at;
      if (trace !== null) env.FERRY_CRASH_TRACE = trace;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", child, node.cfg, IDS.alice, source, id],
        env,
        stdout: "null",
        stderr: "piped",
      }).output();
      return {
        killed: out.signal === "SIGKILL",
        code: out.code,
        stderr: new TextDecoder().decode(out.stderr),
      };
    };
    await aimAtEvery(
      w,
      CRASH_POINTS.store,
      () => Promise.resolve(),
      runChild,
      async (node, what) => {
        const rx = `${node.spool}/${IDS.alice}/rx`;
        const visible = await packetsIn(rx).catch(() => [] as string[]);
        for (const p of visible) assertEquals(await idOfFile(`${rx}/${p}`), p, what);
        const again = await runChild(node, null, null);
        assertEquals(again.code, 0, `${what}: ${again.stderr}`);
        assertEquals(await packetsIn(rx), [id], `${what}: the packet is in rx once`);
        assertEquals(await idOfFile(`${rx}/${id}`), id, `${what}: whole`);
        const left = (await namesIn(rx)).filter((n) => n.endsWith(".part") || n.endsWith(".state"));
        assertEquals(left, [], `${what}: no partial left`);
      },
      w.bob,
    );
  });
});

Deno.test({
  name:
    "a media session killed at every crash point imports and exports each packet once after a rerun",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await withWorld(async (w) => {
      const t = await makeTemplate(w);
      const alice = await trialNode(w.alice, `${w.root}/alice-stick`);
      await linkAll(t.dir, `${alice.spool}/${IDS.bob}/tx`);
      const written = `${w.root}/stick-template`;
      await Deno.mkdir(written);
      await ferryIn(alice, ["xfer", "--tx", "--mkdir", written]);
      const onStick = `${IDS.bob}/${IDS.alice}`;
      // bob has packets for alice too: the same template, sent back the other way.
      const stickOf = (node: TrialNode) => `${node.dir}/stick`;
      const mounted: string[] = [];
      try {
        await aimAtEvery(
          w,
          CRASH_POINTS.media,
          async (node) => {
            await Deno.mkdir(stickOf(node));
            await mount(stickOf(node));
            mounted.push(stickOf(node));
            await linkAllCopy(`${written}/${onStick}`, `${stickOf(node)}/${onStick}`);
            await linkAll(t.dir, `${node.spool}/${IDS.alice}/tx`);
          },
          (node, at, trace) => runArmed(node.cfg, ["media", stickOf(node)], at, trace),
          async (node, what) => {
            const rx = `${node.spool}/${IDS.alice}/rx`;
            const tx = `${node.spool}/${IDS.alice}/tx`;
            const back = `${stickOf(node)}/${IDS.alice}/${IDS.bob}`;
            for (const id of t.ids) {
              const inRx = await Deno.stat(`${rx}/${id}`).then(() => true, () => false);
              const left = await Deno.stat(`${stickOf(node)}/${onStick}/${id}`)
                .then(() => true, () => false);
              assert(inRx || left, `${what}: incoming ${id} was lost`);
            }
            await ferryIn(node, ["media", stickOf(node)]);
            const status = await Deno.readTextFile(`${stickOf(node)}/FERRY-STATUS.txt`);
            assert(status.includes("SAFE TO REMOVE"), `${what}: safe after the rerun`);
            assertEquals((await packetsIn(rx)).sort(), [...t.ids].sort(), `${what}: imported`);
            assertEquals(await packetsIn(`${stickOf(node)}/${onStick}`), [], what);
            assertEquals(await packetsIn(tx), [], `${what}: everything exported`);
            const exported = (await packetsIn(back)).sort();
            assertEquals(exported, [...t.ids].sort(), `${what}: each exported once`);
            for (const id of exported) assertEquals(await idOfFile(`${back}/${id}`), id, what);
            await new Deno.Command("umount", { args: [stickOf(node)] }).output();
            mounted.splice(mounted.indexOf(stickOf(node)), 1);
          },
          w.bob,
        );
      } finally {
        for (const dir of mounted) await new Deno.Command("umount", { args: [dir] }).output();
      }
    });
  },
});

async function mount(dir: string): Promise<void> {
  const out = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=128m", "ferry-crash-stick", dir],
    stderr: "piped",
  }).output();
  assert(out.success, `mount a tmpfs stick: ${new TextDecoder().decode(out.stderr)}`);
}

/** Copies every file of `from` into `to` (a stick is another file system: no hard links). */
async function linkAllCopy(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}
