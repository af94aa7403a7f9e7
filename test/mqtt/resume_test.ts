/**
 * Resuming through a real mosquitto: the broker restarted in the middle of
 * a 64 MiB transfer, and a receiver that is offline while the sender
 * queues, then comes online.
 */

import { assert, assertEquals } from "../assert.ts";
import { ferry } from "../helpers.ts";
import { packetsIn, rxDir, startMqtt, txDir, waitFor, withMqttWorld } from "./_world.ts";

async function ferryOk(cfg: string, args: string[], stdin?: string) {
  const r = await ferry(["-c", cfg, ...args], stdin !== undefined ? { stdin } : {});
  if (r.code !== 0) throw new Error(`ferry ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

async function partBytes(dir: string): Promise<number> {
  let n = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.name.endsWith(".part")) n += (await Deno.stat(`${dir}/${e.name}`)).size;
    }
  } catch { /* not there yet */ }
  return n;
}

/**
 * alice sends in small chunks, one at a time: the transfer takes long enough
 * (about a thousand broker round trips) that the restart falls in its middle
 * however fast the machine is.
 */
const slowSender = (name: string) =>
  name === "alice" ? { "chunk-kib": 64, "chunks-in-flight": 1 } : {};

Deno.test("a 64 MiB transfer survives a broker restart in the middle and resumes", async () => {
  await withMqttWorld(async (w) => {
    const big = new Uint8Array(64 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i >> 12) & 255;
    await Deno.writeFile(`${w.root}/big.bin`, big);
    await ferryOk(w.alice.cfg, ["file", `${w.root}/big.bin`, "bob:big.bin"]);
    const a = startMqtt(w.alice, ["--node", "bob"]);
    const b = startMqtt(w.bob, ["--node", "alice"]);
    try {
      const deadline = Date.now() + 120_000;
      while ((await partBytes(rxDir(w.bob, "alice"))) < 16 * 1024 * 1024) {
        assertEquals((await packetsIn(rxDir(w.bob, "alice"))).length, 0, "done before the restart");
        assert(Date.now() < deadline, "timed out waiting for a quarter of the packet at bob");
        await new Promise((r) => setTimeout(r, 10));
      }
      assertEquals((await packetsIn(rxDir(w.bob, "alice"))).length, 0, "done before the restart");
      await w.broker.restart();
      await waitFor(
        "the packet committed at bob and acknowledged",
        async () =>
          (await packetsIn(rxDir(w.bob, "alice"))).length === 1 &&
          (await packetsIn(txDir(w.alice, "bob"))).length === 0,
      );
    } finally {
      a.signal("SIGTERM");
      b.signal("SIGTERM");
      await a.finished();
      await b.finished();
    }
    const log = await Deno.readTextFile(a.logFile) + await Deno.readTextFile(b.logFile);
    assert(log.includes("mqtt-connection-failed"), "the restart was noticed");
    await ferryOk(w.bob.cfg, ["toss"]);
    const got = await Deno.readFile(`${w.bob.incoming}/big.bin`);
    assertEquals(got.length, big.length);
    assert(got.every((x, i) => x === big[i]), "the file arrived intact");
  }, { mqtt: slowSender });
});

Deno.test("a receiver offline while the sender queues gets everything once it comes online", async () => {
  await withMqttWorld(async (w) => {
    // bob has been here once: the broker keeps his session and his presence says offline.
    const b0 = startMqtt(w.bob, ["--node", "alice", "--until-idle", "1"]);
    assertEquals((await b0.finished()).code, 0);
    for (let i = 0; i < 5; i++) {
      await ferryOk(w.alice.cfg, ["file", "-", `bob:note${i}.txt`], `note ${i}\n`);
    }
    await ferryOk(w.alice.cfg, ["file", "--nice", "F", "-", "bob:urgent.txt"], "urgent\n");
    const blob = new Uint8Array(600 * 1024).map((_, i) => i & 255);
    await Deno.writeFile(`${w.root}/blob.bin`, blob);
    await ferryOk(w.alice.cfg, ["file", `${w.root}/blob.bin`, "bob:blob.bin"]);
    const a = startMqtt(w.alice, ["--node", "bob"]);
    try {
      // While bob is away only the urgent small packet is left in the broker for him.
      await new Promise((r) => setTimeout(r, 4000));
      const alog = await Deno.readTextFile(a.logFile);
      assertEquals(alog.match(/mqtt-packet-sent/g)?.length ?? 0, 0, alog);
      assertEquals(alog.match(/mqtt-left-for-absent-peer/g)?.length ?? 0, 1, alog);
      assertEquals((await packetsIn(txDir(w.alice, "bob"))).length, 7);
      const b = startMqtt(w.bob, ["--node", "alice", "--until-idle", "4"]);
      await waitFor(
        "every packet acknowledged",
        async () => (await packetsIn(txDir(w.alice, "bob"))).length === 0,
        30_000,
      ).catch(async (err) => {
        throw new Error(
          `${err.message}\n${await Deno.readTextFile(a.logFile)}\n${await Deno.readTextFile(
            b.logFile,
          )}`,
        );
      });
      assertEquals((await b.finished()).code, 0);
    } finally {
      a.signal("SIGTERM");
      await a.finished();
    }
    const alog = await Deno.readTextFile(a.logFile);
    assertEquals(alog.match(/mqtt-packet-sent/g)?.length, 7, alog);
    assertEquals((await packetsIn(rxDir(w.bob, "alice"))).length, 7);
    await ferryOk(w.bob.cfg, ["toss"]);
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/urgent.txt`), "urgent\n");
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/note4.txt`), "note 4\n");
    assertEquals(await Deno.readFile(`${w.bob.incoming}/blob.bin`), blob);
  });
});
