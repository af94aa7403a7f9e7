/** Niceness order through the broker: the more urgent packet goes first, whenever it was queued. */

import { assertEquals } from "../assert.ts";
import { ferry } from "../helpers.ts";
import { packetsIn, startMqtt, txDir, waitFor, withMqttWorld } from "./_world.ts";

async function ferryOk(cfg: string, args: string[], stdin?: string) {
  const r = await ferry(["-c", cfg, ...args], stdin !== undefined ? { stdin } : {});
  if (r.code !== 0) throw new Error(`ferry ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

Deno.test("packets go in niceness order, older first among equals", async () => {
  await withMqttWorld(async (w) => {
    const order: string[] = [];
    const queue = async (nice: string, name: string) => {
      const before = new Set(await packetsIn(txDir(w.alice, "bob")));
      await ferryOk(w.alice.cfg, ["file", "--nice", nice, "-", `bob:${name}`], `${name}\n`);
      const id = (await packetsIn(txDir(w.alice, "bob"))).find((p) => !before.has(p))!;
      order.push(`${name}=${id}`);
      return id;
    };
    const b1 = await queue("B", "bulk1");
    await new Promise((r) => setTimeout(r, 20));
    const b2 = await queue("B", "bulk2");
    const n1 = await queue("N", "normal");
    const f1 = await queue("F", "flash");
    const b = startMqtt(w.bob, ["--node", "alice"]);
    try {
      await waitFor(
        "bob online",
        async () => (await Deno.readTextFile(b.logFile)).includes("mqtt-connected"),
      );
      const a = startMqtt(w.alice, ["--node", "bob", "--until-idle", "3"]);
      assertEquals((await a.finished()).code, 0);
    } finally {
      b.signal("SIGTERM");
      await b.finished();
    }
    const got = [
      ...(await Deno.readTextFile(b.logFile)).matchAll(/mqtt-packet-received .*id=([A-Z2-7]{52})/g),
    ]
      .map((m) => m[1]);
    assertEquals(got, [f1, n1, b1, b2], order.join(" "));
  }, { mqtt: () => ({ "packets-in-flight": 1 }) });
});
