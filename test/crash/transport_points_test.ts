/**
 * Aimed crashes on the network transports: NNCP's online protocol (ferry
 * call ↔ ferry daemon over TCP) and the MQTT broker transport. Each side
 * is killed at the first, a middle and the last crossing of each of its
 * crash points (src/fsutil/crash_point.ts: `sp.*`, `mqtt.*`), with packets
 * going both ways. Right after a kill nothing is lost (every packet is still
 * queued at its sender or whole at its receiver); a rerun then empties both
 * queues and toss delivers every file exactly once.
 */

import { assert, assertEquals } from "../assert.ts";
import { CRASH_POINTS } from "../../src/fsutil/crash_point.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { createLogger } from "../../src/log/logger.ts";
import { type ConfigWithSelf, createNodeContext } from "../../src/node/context.ts";
import { sendFile } from "../../src/send/file.ts";
import { idOfFile } from "../../src/xfer/mod.ts";
import { ferry, REPO_ROOT } from "../helpers.ts";
import { IDS, setupNodes, type TestNode } from "../nodes.ts";
import { background, freePort, waitPort } from "../sp/_net.ts";
import { Broker } from "../mqtt/_broker.ts";

interface Traffic {
  /** File name → bytes, per receiver. */
  toBob: Map<string, Uint8Array>;
  toAlice: Map<string, Uint8Array>;
}

function bytesOf(size: number, seed: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => (i * 131 + seed * 7 + (i >> 9)) & 255);
}

/** Queues files both ways (in process: quick). */
async function queueTraffic(root: string, alice: TestNode, bob: TestNode): Promise<Traffic> {
  const t: Traffic = { toBob: new Map(), toAlice: new Map() };
  const plan: [TestNode, string, Map<string, Uint8Array>, string, number][] = [
    [alice, "bob", t.toBob, "a-big.bin", 900_000],
    [alice, "bob", t.toBob, "a-mid.bin", 70_000],
    [alice, "bob", t.toBob, "a-small.txt", 12],
    [bob, "alice", t.toAlice, "b-mid.bin", 300_000],
    [bob, "alice", t.toAlice, "b-small.txt", 20],
  ];
  for (const [i, [from, to, map, name, size]] of plan.entries()) {
    const { config } = await loadConfig(from.cfg);
    const ctx = createNodeContext(config as ConfigWithSelf, createLogger({ level: "error" }));
    const bytes = bytesOf(size, i);
    map.set(name, bytes);
    const src = `${root}/src-${i}`;
    await Deno.writeFile(src, bytes);
    await sendFile(ctx, { src, to: ctx.config.neigh.get(to)!, dst: name, nice: 96 });
  }
  return t;
}

async function packets(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && /^[A-Z2-7]{52}$/.test(e.name)) out.push(e.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort();
}

/** Right after a kill: every packet queued at its sender or whole at its receiver. */
async function checkNothingLost(
  from: TestNode,
  to: TestNode,
  fromName: keyof typeof IDS,
  toName: keyof typeof IDS,
  queued: string[],
  what: string,
) {
  const tx = await packets(`${from.spool}/${IDS[toName]}/tx`);
  const rxDir = `${to.spool}/${IDS[fromName]}/rx`;
  const rx = await packets(rxDir);
  for (const id of queued) {
    assert(tx.includes(id) || rx.includes(id), `${what}: packet ${id} was lost`);
    if (rx.includes(id)) assertEquals(await idOfFile(`${rxDir}/${id}`), id, `${what}: whole`);
  }
}

async function tossOk(node: TestNode) {
  const r = await ferry(["-c", node.cfg, "toss"]);
  assertEquals(r.code, 0, r.stderr);
}

/** After the rerun: queues empty, every file delivered once with its bytes. */
async function checkDeliveredOnce(alice: TestNode, bob: TestNode, t: Traffic, what: string) {
  assertEquals(await packets(`${alice.spool}/${IDS.bob}/tx`), [], `${what}: alice sent all`);
  assertEquals(await packets(`${bob.spool}/${IDS.alice}/tx`), [], `${what}: bob sent all`);
  await tossOk(alice);
  await tossOk(bob);
  for (const [node, files] of [[bob, t.toBob], [alice, t.toAlice]] as const) {
    const names = [...Deno.readDirSync(node.incoming)].map((e) => e.name).sort();
    assertEquals(names, [...files.keys()].sort(), `${what}: each file once`);
    for (const [name, bytes] of files) {
      assertEquals(await Deno.readFile(`${node.incoming}/${name}`), bytes, `${what}: ${name}`);
    }
  }
}

function counts(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of text.split("\n")) if (l) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

/** The crossings aimed at: first, middle and last (first and last when `quick`). */
const aims = (n: number, quick: boolean) => [...new Set(quick ? [1, n] : [1, Math.ceil(n / 2), n])];

interface Side {
  name: "caller" | "daemon";
  /** Counts of each point crossed by this side in a traced run. */
  crossed: Map<string, number>;
}

/**
 * Runs `session(at)` once traced (both sides), checks each side crossed every
 * point, then aims at each (side, point, crossing) in a fresh world.
 */
async function aimTransport(
  points: readonly string[],
  sideNames: readonly ["caller" | "daemon", "caller" | "daemon"],
  world: (
    fn: (alice: TestNode, bob: TestNode, root: string) => Promise<void>,
  ) => Promise<void>,
  session: (
    alice: TestNode,
    bob: TestNode,
    root: string,
    arm: { side: string; at: string | null; trace: Record<string, string> },
  ) => Promise<void>,
  quick = false,
): Promise<number> {
  const sides: Side[] = [];
  await world(async (alice, bob, root) => {
    const t = await queueTraffic(root, alice, bob);
    const trace = { [sideNames[0]]: `${root}/trace-0`, [sideNames[1]]: `${root}/trace-1` };
    await session(alice, bob, root, { side: "", at: null, trace });
    for (const [i, name] of sideNames.entries()) {
      const crossed = counts(await Deno.readTextFile(trace[name]!).catch(() => ""));
      const never = points.filter((p) => !crossed.has(p));
      assertEquals(never, [], `${name} never crossed these points`);
      sides[i] = { name, crossed };
    }
    await checkDeliveredOnce(alice, bob, t, "traced run");
  });
  let trials = 0;
  for (const side of sides) {
    for (const point of points) {
      for (const nth of aims(side.crossed.get(point)!, quick)) {
        const what = `${side.name} at ${point}#${nth}`;
        await world(async (alice, bob, root) => {
          const t = await queueTraffic(root, alice, bob);
          const toBob = await packets(`${alice.spool}/${IDS.bob}/tx`);
          const toAlice = await packets(`${bob.spool}/${IDS.alice}/tx`);
          const killed = `${root}/killed`;
          await session(alice, bob, root, {
            side: side.name,
            at: `${point}#${nth}`,
            trace: { [side.name]: killed },
          });
          const last = (await Deno.readTextFile(killed)).trim().split("\n").at(-1);
          assertEquals(last, point, `${what}: the ${side.name} died at its crash point`);
          await checkNothingLost(alice, bob, "alice", "bob", toBob, what);
          await checkNothingLost(bob, alice, "bob", "alice", toAlice, what);
          await session(alice, bob, root, { side: "", at: null, trace: {} });
          await checkDeliveredOnce(alice, bob, t, what);
        });
        trials++;
      }
    }
  }
  return trials;
}

async function withPair(
  fn: (alice: TestNode, bob: TestNode, root: string) => Promise<void>,
  broker = false,
) {
  const root = await Deno.makeTempDir({ prefix: "ferry-crash-net-" });
  let mqtt: Broker | null = null;
  try {
    if (broker) mqtt = await Broker.start(root, {});
    const url = mqtt?.url;
    const nodes = await setupNodes(root, ["alice", "bob"], (_name, cfg) => {
      if (url) cfg.ferry = { ...(cfg.ferry as object ?? {}), mqtt: { broker: url } };
    });
    await fn(nodes.alice!, nodes.bob!, root);
  } finally {
    await mqtt?.stop();
    await Deno.remove(root, { recursive: true });
  }
}

function armEnv(
  side: string,
  arm: { side: string; at: string | null; trace: Record<string, string> },
) {
  const env: Record<string, string> = {};
  if (arm.side === side && arm.at !== null) env.FERRY_CRASH_AT = arm.at;
  if (arm.trace[side]) env.FERRY_CRASH_TRACE = arm.trace[side]!;
  return env;
}

Deno.test("ferry call and ferry daemon killed at every online crash point lose nothing and deliver once", async () => {
  const trials = await aimTransport(
    CRASH_POINTS.sp,
    ["caller", "daemon"],
    withPair,
    async (alice, bob, _root, arm) => {
      const port = freePort();
      const daemon = background(
        Deno.execPath(),
        [
          "run",
          "-A",
          "--quiet",
          `${REPO_ROOT}/main.ts`,
          "-c",
          bob.cfg,
          "daemon",
          "--bind",
          `127.0.0.1:${port}`,
        ],
        armEnv("daemon", arm),
      );
      try {
        await waitPort(port, 30_000, daemon);
        const call = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--quiet",
            `${REPO_ROOT}/main.ts`,
            "-c",
            alice.cfg,
            "call",
            "bob",
            `127.0.0.1:${port}`,
            "--onlinedeadline",
            "1",
          ],
          env: armEnv("caller", arm),
          stdout: "null",
          stderr: "piped",
        }).output();
        const err = new TextDecoder().decode(call.stderr);
        if (arm.at === null) assertEquals(call.code, 0, err + daemon.output());
        else if (arm.side === "caller") assertEquals(call.signal, "SIGKILL", err);
      } finally {
        const s = await daemon.stop();
        if (arm.at !== null && arm.side === "daemon") {
          assertEquals(s.signal, "SIGKILL", `the daemon died at its point: ${daemon.output()}`);
        }
      }
    },
  );
  assert(trials >= 2 * CRASH_POINTS.sp.length, `${trials} aimed kills`);
});

Deno.test("ferry mqtt killed at every broker crash point loses nothing and delivers once", async () => {
  const trials = await aimTransport(
    CRASH_POINTS.mqtt,
    ["caller", "daemon"], // here: alice's and bob's ferry mqtt
    (fn) => withPair(fn, true),
    async (alice, bob, _root, arm) => {
      const run = (node: TestNode, peer: string, side: string) =>
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--quiet",
            `${REPO_ROOT}/main.ts`,
            "-c",
            node.cfg,
            "mqtt",
            "--node",
            peer,
            "--until-idle",
            "3",
          ],
          env: armEnv(side, arm),
          stdout: "null",
          stderr: "piped",
        }).output();
      const [a, b] = await Promise.all([run(alice, "bob", "caller"), run(bob, "alice", "daemon")]);
      for (const [side, out] of [["caller", a], ["daemon", b]] as const) {
        const err = new TextDecoder().decode(out.stderr);
        if (arm.at !== null && arm.side === side) assertEquals(out.signal, "SIGKILL", err);
        else if (arm.at === null) assertEquals(out.code, 0, err);
      }
    },
    true, // each MQTT session ends only after seconds idle: first and last crossings
  );
  assert(trials >= 2 * CRASH_POINTS.mqtt.length, `${trials} aimed kills`);
});
