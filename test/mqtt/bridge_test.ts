/**
 * The shape of a broker cluster: two real mosquitto brokers bridged to each
 * other, alice on one and bob on the other; packets cross the bridge both
 * ways and presence crosses too.
 */

import { assertEquals } from "../assert.ts";
import { ferry } from "../helpers.ts";
import { Broker } from "./_broker.ts";
import { packetsIn, rxDir, startMqtt, txDir, withMqttWorld } from "./_world.ts";

async function ferryOk(cfg: string, args: string[], stdin?: string) {
  const r = await ferry(["-c", cfg, ...args], stdin !== undefined ? { stdin } : {});
  if (r.code !== 0) throw new Error(`ferry ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

Deno.test("packets cross two bridged mosquitto brokers, one node on each", async () => {
  await withMqttWorld(async (w) => {
    // The second broker bridges ferry's topics to the first (the world's broker).
    const far = await Broker.start(
      w.root,
      { bridgeTo: { port: w.broker.port, topic: "ferry/#" } },
      "b",
    );
    try {
      const bobCfg = JSON.parse(await Deno.readTextFile(w.bob.cfg));
      bobCfg.ferry.mqtt.broker = far.url;
      await Deno.writeTextFile(w.bob.cfg, JSON.stringify(bobCfg));
      const blob = new Uint8Array(900 * 1024).map((_, i) => (i * 7) & 255);
      await Deno.writeFile(`${w.root}/blob.bin`, blob);
      await ferryOk(w.alice.cfg, ["file", `${w.root}/blob.bin`, "bob:blob.bin"]);
      await ferryOk(w.alice.cfg, ["file", "-", "bob:hi.txt"], "across the bridge\n");
      await ferryOk(w.bob.cfg, ["file", "-", "alice:back.txt"], "and back\n");
      // Wait until the bridge is up before the nodes come.
      for (let i = 0; i < 100 && !(await far.log()).includes("ridge"); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 1000));
      const a = startMqtt(w.alice, ["--node", "bob", "--until-idle", "5"]);
      const b = startMqtt(w.bob, ["--node", "alice", "--until-idle", "5"]);
      assertEquals((await a.finished()).code, 0, await Deno.readTextFile(a.logFile));
      assertEquals((await b.finished()).code, 0, await Deno.readTextFile(b.logFile));
      assertEquals(await packetsIn(txDir(w.alice, "bob")), [], await Deno.readTextFile(a.logFile));
      assertEquals(await packetsIn(txDir(w.bob, "alice")), [], await Deno.readTextFile(b.logFile));
      assertEquals((await packetsIn(rxDir(w.bob, "alice"))).length, 2);
      await ferryOk(w.bob.cfg, ["toss"]);
      await ferryOk(w.alice.cfg, ["toss"]);
      assertEquals(await Deno.readFile(`${w.bob.incoming}/blob.bin`), blob);
      assertEquals(await Deno.readTextFile(`${w.bob.incoming}/hi.txt`), "across the bridge\n");
      assertEquals(await Deno.readTextFile(`${w.alice.incoming}/back.txt`), "and back\n");
    } finally {
      await far.stop(true);
    }
  });
});
