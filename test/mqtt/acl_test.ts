/**
 * The mosquitto ACL documented in the README, with a password file, in
 * force on a real broker: ferry works under it, and a node can neither read
 * another node's inbox nor write into it under a third node's name.
 */

import { MqttClient } from "../../src/mqtt/client/mod.ts";
import { assert, assertEquals } from "../assert.ts";
import { ferry, REPO_ROOT } from "../helpers.ts";
import { IDS, packetsIn, rxDir, startMqtt, txDir, withMqttWorld } from "./_world.ts";

/** The ACL exactly as the README's MQTT section gives it (usernames are node ids). */
const README_ACL = (await Deno.readTextFile(`${REPO_ROOT}/README.md`))
  .split("<!-- mqtt-acl -->")[1]!.split("```")[1]!.replace(/^\n/, "");

const users = (["alice", "bob", "carol"] as const).map((n) => ({
  username: IDS[n],
  password: `${n}-secret`,
}));

async function ferryOk(cfg: string, args: string[], stdin?: string) {
  const r = await ferry(["-c", cfg, ...args], stdin !== undefined ? { stdin } : {});
  if (r.code !== 0) throw new Error(`ferry ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

function client(
  url: string,
  name: keyof typeof IDS,
  onTopic: (topic: string) => void = () => {},
): Promise<MqttClient> {
  return MqttClient.connect({
    url,
    clientId: `probe-${name}`,
    cleanStart: true,
    username: IDS[name],
    password: `${name}-secret`,
    keepaliveSec: 30,
    receiveMaximum: 32,
    maximumPacketBytes: 8 * 1024 * 1024,
    onMessage: (m) => onTopic(m.topic),
  });
}

Deno.test("with the README's ACL and a password file, a node cannot read or forge another node's inbox", async () => {
  await withMqttWorld(async (w) => {
    for (const n of ["alice", "bob", "carol"] as const) {
      await Deno.writeTextFile(`${w.root}/${n}.pass`, `${n}-secret\n`);
    }
    await ferryOk(w.alice.cfg, ["file", "-", "bob:acl.txt"], "under the acl\n");
    // carol tries to read alice's and bob's inboxes.
    const seen: string[] = [];
    const carol = await client(
      w.broker.url,
      "carol",
      (topic) => void (topic.includes("/in/") && seen.push(topic)),
    );
    // mosquitto grants the subscription and checks read access on every delivery.
    await carol.subscribe([
      { topic: `ferry/v1/${IDS.alice}/in/#`, qos: 1 },
      { topic: `ferry/v1/${IDS.bob}/in/+`, qos: 1 },
      { topic: "ferry/v1/#", qos: 1 },
    ]);
    // carol tries to write into bob's inbox as alice: the broker refuses it.
    await carol.publish(
      `ferry/v1/${IDS.bob}/in/${IDS.alice}`,
      new TextEncoder().encode("forged"),
    ).catch(() => {});
    const b = startMqtt(w.bob, ["--node", "alice", "--until-idle", "4"]);
    const a = startMqtt(w.alice, ["--node", "bob", "--until-idle", "4"]);
    assertEquals((await a.finished()).code, 0, await Deno.readTextFile(a.logFile));
    assertEquals((await b.finished()).code, 0, await Deno.readTextFile(b.logFile));
    carol.close();
    assertEquals(await packetsIn(txDir(w.alice, "bob")), []);
    assertEquals((await packetsIn(rxDir(w.bob, "alice"))).length, 1);
    assertEquals(seen, [], "carol saw no inbox traffic of alice and bob (presence is public)");
    const blog = await Deno.readTextFile(b.logFile);
    assert(!blog.includes("mqtt-message-dropped"), `the forged write reached bob: ${blog}`);
    await ferryOk(w.bob.cfg, ["toss"]);
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/acl.txt`), "under the acl\n");
  }, {
    broker: { users, acl: README_ACL },
    mqtt: (name, root) => ({
      username: IDS[name as keyof typeof IDS],
      "password-file": `${root}/${name}.pass`,
    }),
  });
});

Deno.test("ferry exits 1 naming the ACL when the broker refuses what it publishes", async () => {
  await withMqttWorld(async (w) => {
    for (const n of ["alice", "bob", "carol"] as const) {
      await Deno.writeTextFile(`${w.root}/${n}.pass`, `${n}-secret\n`);
    }
    const r = await ferry(["-c", w.alice.cfg, "mqtt", "--until-idle", "1"]);
    assertEquals(r.code, 1, r.stderr);
    assert(/ACL/.test(r.stderr), r.stderr);
  }, {
    // alice logs in as bob: the ACL does not let her announce her own presence.
    broker: { users, acl: README_ACL },
    mqtt: (_name, root) => ({ username: IDS.bob, "password-file": `${root}/bob.pass` }),
  });
});
