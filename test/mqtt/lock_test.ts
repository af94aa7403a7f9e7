/**
 * One MQTT session per node at a time: `ferry mqtt` while the agent (or
 * another `ferry mqtt`) of the same node holds the session lock exits 1
 * naming the holder's pid, without touching the broker session; once the
 * holder is gone it works.
 */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ferry } from "../helpers.ts";
import { FerryProcess } from "../agent/_fixture.ts";
import { packetsIn, rxDir, startMqtt, txDir, waitFor, withMqttWorld } from "./_world.ts";

Deno.test("ferry mqtt refuses to run beside the agent of the same node, naming its pid", async () => {
  await withMqttWorld(async (w) => {
    const agent = FerryProcess.start(["-c", w.alice.cfg, "agent"], `${w.alice.dir}/agent.log`);
    try {
      await waitFor(
        "the agent connected",
        async () =>
          (await Deno.readTextFile(agent.logFile).catch(() => "")).includes("mqtt-connected"),
      );
      const r = await ferry(["-c", w.alice.cfg, "mqtt", "--until-idle", "1"]);
      assertEquals(r.code, 1, r.stderr);
      assertStringIncludes(
        r.stderr,
        `another MQTT session of this node is running (pid ${agent.pid}`,
      );
      // The agent was not thrown off the broker.
      const log = await Deno.readTextFile(agent.logFile);
      assert(!log.includes("mqtt-connection-failed"), log);
    } finally {
      agent.signal("SIGTERM");
      assertEquals((await agent.finished()).code, 0);
    }
    // With the agent gone the session runs, and a packet crosses.
    assertEquals(
      (await ferry(["-c", w.alice.cfg, "file", "-", "bob:after.txt"], { stdin: "after\n" })).code,
      0,
    );
    const a = startMqtt(w.alice, ["--node", "bob", "--until-idle", "4"]);
    const b = startMqtt(w.bob, ["--node", "alice", "--until-idle", "4"]);
    // bob's second session at the same time is refused too.
    await waitFor(
      "bob connected",
      async () => (await Deno.readTextFile(b.logFile).catch(() => "")).includes("mqtt-connected"),
    );
    const again = await ferry(["-c", w.bob.cfg, "mqtt", "--until-idle", "1"]);
    assertEquals(again.code, 1, again.stderr);
    assertStringIncludes(again.stderr, `(pid ${b.pid}`);
    assertEquals((await a.finished()).code, 0, await Deno.readTextFile(a.logFile));
    assertEquals((await b.finished()).code, 0, await Deno.readTextFile(b.logFile));
    assertEquals(await packetsIn(txDir(w.alice, "bob")), []);
    assertEquals((await packetsIn(rxDir(w.bob, "alice"))).length, 1);
  }, { mqtt: (name) => ({ neighbours: [name === "alice" ? "bob" : "alice"] }) });
});
