/**
 * `ferry agent` with `ferry.mqtt`: it keeps the broker connection up
 * (reconnecting after the broker was killed), tosses what arrives, and
 * `ferry status` shows the broker state, the peer's presence and the bytes
 * queued each way. Also runs every example of `ferry mqtt --help`.
 */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ferry, REPO_ROOT } from "../helpers.ts";
import { FerryProcess } from "../agent/_fixture.ts";
import { waitFor, withMqttWorld } from "./_world.ts";

async function ferryOk(cfg: string, args: string[], stdin?: string) {
  const r = await ferry(["-c", cfg, ...args], stdin !== undefined ? { stdin } : {});
  if (r.code !== 0) throw new Error(`ferry ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

Deno.test("the agent carries packets through the broker, survives a broker kill, and ferry status shows it", async () => {
  await withMqttWorld(async (w) => {
    const a = FerryProcess.start(["-c", w.alice.cfg, "agent"], `${w.alice.dir}/agent.log`);
    const b = FerryProcess.start(["-c", w.bob.cfg, "agent"], `${w.bob.dir}/agent.log`);
    try {
      await ferryOk(w.alice.cfg, ["file", "-", "bob:first.txt"], "first\n");
      await waitFor(
        "first.txt delivered at bob",
        async () =>
          (await Deno.readTextFile(`${w.bob.incoming}/first.txt`).catch(() => "")) === "first\n",
      );
      await waitFor("alice sees bob online", async () => {
        const st = JSON.parse((await ferryOk(w.alice.cfg, ["status", "--json"])).stdout);
        return st.mqtt?.state === "connected" &&
          st.mqtt.peers.some((p: { node: string; presence: string }) =>
            p.node === "bob" && p.presence === "online"
          );
      }, 30_000);
      const text = (await ferryOk(w.alice.cfg, ["status"])).stdout;
      assertStringIncludes(text, `mqtt ${w.broker.url}: connected`);
      assert(/bob\s+online\s+to send 0 pkt/.test(text), text);

      // The broker dies without warning and comes back: the agents reconnect.
      await w.broker.stop(true);
      await w.broker.restart();
      await ferryOk(w.alice.cfg, ["file", "-", "bob:second.txt"], "second\n");
      await waitFor(
        "second.txt delivered at bob",
        async () =>
          (await Deno.readTextFile(`${w.bob.incoming}/second.txt`).catch(() => "")) === "second\n",
      );
    } finally {
      a.signal("SIGTERM");
      b.signal("SIGTERM");
      assertEquals((await a.finished()).code, 0);
      assertEquals((await b.finished()).code, 0);
    }
    const st = JSON.parse((await ferryOk(w.alice.cfg, ["status", "--json"])).stdout);
    assertEquals(st.mqtt.state, "stopped");
    assertStringIncludes(await Deno.readTextFile(a.logFile), "mqtt-connection-failed");
  }, { mqtt: (name) => ({ neighbours: [name === "alice" ? "bob" : "alice"] }) });
});

Deno.test("every example in ferry mqtt --help and in the README's MQTT section runs", async () => {
  await withMqttWorld(async (w) => {
    const help = await ferry(["mqtt", "--help"]);
    assertEquals(help.code, 0);
    const examples = help.stdout.split("Examples:\n")[1]!.trim().split("\n").map((l) => l.trim());
    assert(examples.length >= 2, help.stdout);
    const readme = (await Deno.readTextFile(`${REPO_ROOT}/README.md`)).split(
      "## The MQTT transport",
    )[1]!
      .split("\n## ")[0]!;
    const fromReadme = [...readme.matchAll(/^ferry mqtt .*$/gm)].map((m) => m[0]);
    assert(fromReadme.length >= 2, readme);
    examples.push(...fromReadme);
    for (const example of examples) {
      const args = example.replace(/^ferry /, "").replace("mqtt://127.0.0.1:1883", w.broker.url)
        .split(/\s+/);
      const r = await ferry(["-c", w.alice.cfg, ...args]);
      assertEquals(r.code, 0, `${example}: ${r.stderr}`);
    }
  });
});
