/**
 * ferry over MQTT over WebSocket (`ws://` and `wss://`) through a real
 * mosquitto serving WebSocket on 127.0.0.1: a multi-chunk packet and a
 * small one cross and are delivered by toss.
 *
 * mosquitto 2.0.11 stops partway through sending a WebSocket frame larger
 * than about 200 KB (it logs the PUBLISH as sent; the rest of the frame
 * never comes), so these nodes use `chunk-kib: 64`, as the README advises
 * for that broker.
 */

import { assertEquals } from "../assert.ts";
import { ferry } from "../helpers.ts";
import { makePki } from "./_pki.ts";
import { packetsIn, startMqtt, txDir, withMqttWorld } from "./_world.ts";

async function crossOver(w: Parameters<Parameters<typeof withMqttWorld>[0]>[0]): Promise<void> {
  const blob = new Uint8Array(700 * 1024).map((_, i) => (i * 11 + (i >> 12)) & 255);
  await Deno.writeFile(`${w.root}/blob.bin`, blob);
  const ok = async (cfg: string, args: string[], stdin?: string) => {
    const r = await ferry(["-c", cfg, ...args], stdin !== undefined ? { stdin } : {});
    assertEquals(r.code, 0, r.stderr);
  };
  await ok(w.alice.cfg, ["file", `${w.root}/blob.bin`, "bob:blob.bin"]);
  await ok(w.alice.cfg, ["file", "-", "bob:small.txt"], "over websocket\n");
  const a = startMqtt(w.alice, ["--node", "bob", "--until-idle", "4"]);
  const b = startMqtt(w.bob, ["--node", "alice", "--until-idle", "4"]);
  assertEquals((await a.finished()).code, 0, await Deno.readTextFile(a.logFile));
  assertEquals((await b.finished()).code, 0, await Deno.readTextFile(b.logFile));
  assertEquals(await packetsIn(txDir(w.alice, "bob")), []);
  await ok(w.bob.cfg, ["toss"]);
  assertEquals(await Deno.readFile(`${w.bob.incoming}/blob.bin`), blob);
  assertEquals(await Deno.readTextFile(`${w.bob.incoming}/small.txt`), "over websocket\n");
}

Deno.test("packets cross a broker over ws://", async () => {
  await withMqttWorld(crossOver, {
    broker: { websockets: true },
    mqtt: (_name, _root, broker) => ({ broker: broker.wsUrl, "chunk-kib": 64 }),
  });
});

Deno.test("packets cross a broker over wss:// with a CA file and a client certificate", async () => {
  const pki = await Deno.makeTempDir({ prefix: "ferry-mqtt-wss-" });
  try {
    await makePki(pki);
    await withMqttWorld(crossOver, {
      broker: {
        websockets: true,
        tls: { cert: `${pki}/server.pem`, key: `${pki}/server.key`, clientCa: `${pki}/ca.pem` },
      },
      mqtt: (_name, _root, broker) => ({
        broker: broker.wsUrl,
        "chunk-kib": 64,
        "ca-file": `${pki}/ca.pem`,
        "cert-file": `${pki}/client.pem`,
        "key-file": `${pki}/client.key`,
      }),
    });
  } finally {
    await Deno.remove(pki, { recursive: true });
  }
});
