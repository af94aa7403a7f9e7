/**
 * Exactly once through a real mosquitto while things die: packets keep
 * being queued at alice while at least 50 random SIGKILLs hit alice's
 * `ferry mqtt`, bob's `ferry mqtt` or the broker, each restarted at once.
 * Afterwards every packet has arrived, each was committed at bob at most
 * once, alice's tx/ is empty, and toss delivers every file and every exec
 * exactly once.
 */

import { assert, assertEquals } from "../assert.ts";
import { ferry } from "../helpers.ts";
import { packetsIn, startMqtt, txDir, waitFor, withMqttWorld } from "./_world.ts";

const killsMin = 50;
/** Pause between kills, ms (random within). */
const pauseMsMin = 300;
const pauseMsMax = 1200;

async function ferryOk(cfg: string, args: string[], stdin?: string | Uint8Array) {
  const r = await ferry(["-c", cfg, ...args], stdin !== undefined ? { stdin } : {});
  if (r.code !== 0) throw new Error(`ferry ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

Deno.test(`exactly once across ${killsMin} random SIGKILLs of either ferry and of the broker`, async () => {
  await withMqttWorld(async (w) => {
    const files = new Map<string, Uint8Array>();
    const execs: string[] = [];
    let n = 0;
    const queueOne = async () => {
      const i = n++;
      if (i % 3 === 2) {
        execs.push(`exec ${i}`);
        await ferryOk(w.alice.cfg, ["exec", "bob", "appender"], `exec ${i}\n`);
      } else {
        const size = i % 8 === 0 ? 700 * 1024 + i : 100 + i;
        const bytes = new Uint8Array(size).map((_, k) => (k * (i + 3)) & 255);
        files.set(`f${i}.bin`, bytes);
        await ferryOk(w.alice.cfg, ["file", "-", `bob:f${i}.bin`], bytes);
      }
    };
    for (let i = 0; i < 6; i++) await queueOne();

    const peerOf = { alice: "bob", bob: "alice" } as const;
    const exited = { alice: false, bob: false };
    const launch = (name: "alice" | "bob") => {
      const p = startMqtt(w[name], ["--node", peerOf[name]]);
      exited[name] = false;
      p.child.status.then(() => exited[name] = true);
      return p;
    };
    const procs = { alice: launch("alice"), bob: launch("bob") };
    // A ferry that exited by itself (it could not reach a dead broker at start) is started again.
    const revive = async () => {
      for (const name of ["alice", "bob"] as const) {
        if (!exited[name]) continue;
        await procs[name].finished();
        procs[name] = launch(name);
      }
    };
    let kills = 0;
    const hit = { alice: 0, bob: 0, broker: 0 };
    try {
      while (kills < killsMin) {
        await queueOne();
        await new Promise((r) =>
          setTimeout(r, pauseMsMin + Math.random() * (pauseMsMax - pauseMsMin))
        );
        const target = (["alice", "bob", "broker"] as const)[Math.floor(Math.random() * 3)]!;
        if (target === "broker") {
          await w.broker.stop(true);
          await w.broker.restart();
        } else {
          await procs[target].kill();
          procs[target] = launch(target);
        }
        hit[target]++;
        kills++;
        await revive();
        if (kills % 10 === 0) await ferryOk(w.bob.cfg, ["toss"]);
      }
      await waitFor("alice's tx empty after the storm", async () => {
        await revive();
        return (await packetsIn(txDir(w.alice, "bob"))).length === 0;
      }, 150_000).catch(async (err) => {
        const tail = async (f: string) =>
          (await Deno.readTextFile(f)).split("\n").slice(-40).join("\n");
        throw new Error(
          `${err.message}\nalice:\n${await tail(`${w.alice.dir}/mqtt.log`)}\nbob:\n${await tail(
            `${w.bob.dir}/mqtt.log`,
          )}`,
        );
      });
    } finally {
      for (const p of Object.values(procs)) {
        p.signal("SIGTERM");
        await p.finished();
      }
    }
    assert(hit.alice > 5 && hit.bob > 5 && hit.broker > 5, JSON.stringify(hit));
    await ferryOk(w.bob.cfg, ["toss"]);

    // Each packet was committed at bob at most once (every run of bob appends to one log).
    const blog = await Deno.readTextFile(`${w.bob.dir}/mqtt.log`);
    const counts = new Map<string, number>();
    for (const m of blog.matchAll(/mqtt-packet-received .*id=([A-Z2-7]{52})/g)) {
      counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
    }
    for (const [id, c] of counts) assertEquals(c, 1, `packet ${id} committed ${c} times`);

    // Every file exactly once, intact; every exec line exactly once.
    const names = [];
    for await (const e of Deno.readDir(w.bob.incoming)) names.push(e.name);
    assertEquals(names.sort(), [...files.keys()].sort());
    for (const [name, bytes] of files) {
      assertEquals(await Deno.readFile(`${w.bob.incoming}/${name}`), bytes, name);
    }
    const lines = (await Deno.readTextFile(`${w.bob.dir}/exec.out`)).trim().split("\n");
    assertEquals(lines.sort(), execs.sort());
  }, { mqtt: () => ({ "chunk-kib": 64 }) });
});
