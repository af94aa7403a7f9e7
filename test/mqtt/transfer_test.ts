/**
 * Files, exec and freq between two ferry nodes through a real mosquitto,
 * then `ferry toss` delivering them.
 */

import { assertEquals } from "../assert.ts";
import { ferry } from "../helpers.ts";
import { packetsIn, rxDir, startMqtt, txDir, withMqttWorld } from "./_world.ts";

async function ferryOk(cfg: string, args: string[], stdin?: string) {
  const r = await ferry(["-c", cfg, ...args], stdin !== undefined ? { stdin } : {});
  if (r.code !== 0) throw new Error(`ferry ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

Deno.test("file, exec and freq cross the broker and are delivered by toss", async () => {
  await withMqttWorld(async (w) => {
    await Deno.mkdir(`${w.bob.pub}/maps`);
    await Deno.writeTextFile(`${w.bob.pub}/maps/area.txt`, "bob's map\n");
    const big = new Uint8Array(700 * 1024).map((_, i) => (i * 31 + 7) & 255);
    await Deno.writeFile(`${w.root}/big.bin`, big);
    await ferryOk(w.alice.cfg, ["file", `${w.root}/big.bin`, "bob:big.bin"]);
    await ferryOk(w.alice.cfg, ["file", "-", "bob:small.txt"], "hello bob\n");
    await ferryOk(w.alice.cfg, ["exec", "bob", "appender", "x1"], "exec body\n");
    await ferryOk(w.alice.cfg, ["freq", "bob:maps/area.txt", "got/area.txt"]);
    assertEquals((await packetsIn(txDir(w.alice, "bob"))).length, 4);

    const a = startMqtt(w.alice, ["--node", "bob", "--until-idle", "4"]);
    const b = startMqtt(w.bob, ["--node", "alice", "--until-idle", "4"]);
    const [sa, sb] = await Promise.all([a.finished(), b.finished()]);
    assertEquals(sa.code, 0, await Deno.readTextFile(a.logFile));
    assertEquals(sb.code, 0, await Deno.readTextFile(b.logFile));
    assertEquals(
      await packetsIn(txDir(w.alice, "bob")),
      [],
      (await Deno.readTextFile(a.logFile)) + (await Deno.readTextFile(b.logFile)),
    );
    assertEquals((await packetsIn(rxDir(w.bob, "alice"))).length, 4);

    await ferryOk(w.bob.cfg, ["toss"]);
    assertEquals(await Deno.readFile(`${w.bob.incoming}/big.bin`), big);
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/small.txt`), "hello bob\n");
    assertEquals((await Deno.readTextFile(`${w.bob.dir}/exec.out`)).trim(), "exec body");

    // The freq reply goes back through the broker too.
    const b2 = startMqtt(w.bob, ["--node", "alice", "--until-idle", "4"]);
    const a2 = startMqtt(w.alice, ["--node", "bob", "--until-idle", "4"]);
    assertEquals((await b2.finished()).code, 0, await Deno.readTextFile(b2.logFile));
    assertEquals((await a2.finished()).code, 0, await Deno.readTextFile(a2.logFile));
    await ferryOk(w.alice.cfg, ["toss"]);
    assertEquals(await Deno.readTextFile(`${w.alice.incoming}/got/area.txt`), "bob's map\n");
  });
});
