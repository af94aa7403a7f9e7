/**
 * Hostile input on a node's inbox through a real mosquitto: a publisher with
 * another node's broker credentials injects forged ACKs, a bogus packet and
 * garbage. Nothing is deleted, nothing delivered, and the real transfer
 * still works afterwards.
 */

import { MqttClient } from "../../src/mqtt/client/mod.ts";
import { assert, assertEquals } from "../assert.ts";
import { ferry } from "../helpers.ts";
import { decodeBase32 } from "../../src/encoding/base32.ts";
import { signAck } from "../../src/mqtt/ack.ts";
import { encodeAck, encodeData, encodeOffer } from "../../src/mqtt/wire.ts";
import { idOfFile } from "../../src/xfer/mod.ts";
import { filesIn } from "../nodes.ts";
import { IDS, packetsIn, rxDir, startMqtt, txDir, waitFor, withMqttWorld } from "./_world.ts";

async function ferryOk(cfg: string, args: string[], stdin?: string) {
  const r = await ferry(["-c", cfg, ...args], stdin !== undefined ? { stdin } : {});
  if (r.code !== 0) throw new Error(`ferry ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

const users = [
  { username: "alice", password: "alice-secret" },
  { username: "bob", password: "bob-secret" },
];

Deno.test("forged acks, a bogus packet and garbage on a node's inbox are refused: nothing deleted, nothing delivered", async () => {
  await withMqttWorld(async (w) => {
    for (const u of users) {
      await Deno.writeTextFile(`${w.root}/${u.username}.pass`, u.password + "\n");
    }
    await ferryOk(w.alice.cfg, ["file", "-", "bob:one.txt"], "one\n");
    const blob = new Uint8Array(400 * 1024).map((_, i) => (i * 13) & 255);
    await Deno.writeFile(`${w.root}/blob.bin`, blob);
    await ferryOk(w.alice.cfg, ["file", `${w.root}/blob.bin`, "bob:blob.bin"]);
    const queued = await packetsIn(txDir(w.alice, "bob"));
    assertEquals(queued.length, 2);

    const a = startMqtt(w.alice, ["--node", "bob"]);
    // The attacker holds bob's broker password (but not bob's signing key).
    const evil = await MqttClient.connect({
      url: w.broker.url,
      clientId: "evil",
      cleanStart: true,
      username: "bob",
      password: "bob-secret",
      keepaliveSec: 30,
      receiveMaximum: 32,
      maximumPacketBytes: 1024 * 1024,
    });
    try {
      await waitFor(
        "alice online",
        async () => (await Deno.readTextFile(a.logFile)).includes("mqtt-connected"),
      );
      const topic = `ferry/v1/${IDS.alice}/in/${IDS.bob}`;
      const alice = decodeBase32(IDS.alice);
      const bob = decodeBase32(IDS.bob);
      const carolKey = decodeBase32(
        "VGKB2NUKOMGXU7PUWQ3IDHREVNQ2TKFG4YBYWIHO3HCP3ABFD3ZHUHOD7BHQ7REWUPOCZDL6GX6SUDDZWFKZZPP4MICIMQ6B6TBNGUI",
      );
      const send = (bytes: Uint8Array) => evil.publish(topic, bytes);
      for (const id of queued) {
        const packet = decodeBase32(id);
        // Signed by carol, a real node, but not the recipient.
        await send(
          encodeAck({ peer: bob, packet, signature: signAck(carolKey, bob, alice, packet) }),
        );
        // No signature at all.
        await send(encodeAck({ peer: bob, packet, signature: new Uint8Array(64) }));
      }
      // A bogus packet whose bytes do not hash to its id.
      const junk = crypto.getRandomValues(new Uint8Array(3000));
      const fakeId = crypto.getRandomValues(new Uint8Array(32));
      await send(
        encodeData({
          peer: bob,
          packet: fakeId,
          size: junk.length,
          nice: 96,
          chunk: 262144,
          offset: 0,
          bytes: junk,
        }),
      );
      // A bogus packet whose id is right (it hashes to it) but which is not a packet from bob.
      await Deno.writeFile(`${w.root}/junk.bin`, junk);
      const rightId = decodeBase32(await idOfFile(`${w.root}/junk.bin`));
      await send(
        encodeData({
          peer: bob,
          packet: rightId,
          size: junk.length,
          nice: 96,
          chunk: 262144,
          offset: 0,
          bytes: junk,
        }),
      );
      // Garbage: not a ferry message, a truncated one, one claiming another sender, a silly offer.
      await send(new TextEncoder().encode("hello there"));
      await send(
        encodeAck({ peer: bob, packet: fakeId, signature: new Uint8Array(64) }).subarray(0, 40),
      );
      await send(encodeOffer({ peer: alice, packet: fakeId, size: 10, nice: 1, chunk: 4 }));
      // Larger than alice accepts from the broker: the broker must not deliver it.
      await send(new Uint8Array(6 * 1024 * 1024));
      await waitFor("alice's verdicts", async () => {
        const log = await Deno.readTextFile(a.logFile);
        return (log.match(/mqtt-ack-forged/g)?.length ?? 0) >= 4 &&
          log.includes("mqtt-packet-refused") &&
          (log.match(/mqtt-message-dropped/g)?.length ?? 0) >= 3;
      }, 30_000);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      evil.close();
      a.signal("SIGTERM");
      await a.finished();
    }
    const log = await Deno.readTextFile(a.logFile);
    assertEquals(await packetsIn(txDir(w.alice, "bob")), queued, "nothing deleted");
    assert(!log.includes("mqtt-packet-sent"), log);
    // Only the packet with the right hash reached rx/; toss refuses it and delivers nothing.
    const rx = await packetsIn(rxDir(w.alice, "bob"));
    assert(rx.length <= 1, `rx: ${rx}`);
    await ferry(["-c", w.alice.cfg, "toss"]);
    assertEquals(await filesIn(w.alice.incoming), [], "nothing delivered");
    assertEquals(await Deno.readTextFile(`${w.alice.dir}/exec.out`).catch(() => ""), "");

    // The rest keeps working: bob comes and takes both packets.
    const a2 = startMqtt(w.alice, ["--node", "bob", "--until-idle", "4"]);
    const b = startMqtt(w.bob, ["--node", "alice", "--until-idle", "4"]);
    assertEquals((await a2.finished()).code, 0);
    assertEquals((await b.finished()).code, 0);
    assertEquals(await packetsIn(txDir(w.alice, "bob")), []);
    await ferryOk(w.bob.cfg, ["toss"]);
    assertEquals(await Deno.readFile(`${w.bob.incoming}/blob.bin`), blob);
  }, {
    broker: { users },
    mqtt: (name, root) => ({ username: name, "password-file": `${root}/${name}.pass` }),
  });
});
