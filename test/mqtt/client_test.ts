/**
 * MQTT.js under Deno against a real mosquitto: MQTT 5 connect, QoS 1
 * round trip of binary payloads, a persistent session that keeps what
 * arrived while the client was away (across a broker restart too), and a
 * password file refusing a wrong password.
 * @module
 */

import mqtt from "mqtt";
import { assert, assertEquals } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { Broker } from "./_broker.ts";

const waitMs = 10_000;

function connect(url: string, opts: mqtt.IClientOptions): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(url, {
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: waitMs,
    ...opts,
  });
}

function nextMessage(c: mqtt.MqttClient): Promise<{ topic: string; payload: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no message in time")), waitMs);
    c.once("message", (topic, payload) => {
      clearTimeout(t);
      resolve({ topic, payload: new Uint8Array(payload) });
    });
  });
}

Deno.test("MQTT.js under Deno moves binary QoS 1 messages through a real mosquitto", async () => {
  await withTempDir(async (dir) => {
    const broker = await Broker.start(dir);
    try {
      const sub = await connect(broker.url, { clientId: "sub", clean: true });
      const pub = await connect(broker.url, { clientId: "pub", clean: true });
      try {
        await sub.subscribeAsync("t/x", { qos: 1 });
        const payload = new Uint8Array(300_000).map((_, i) => (i * 7) & 255);
        const got = nextMessage(sub);
        await pub.publishAsync("t/x", Buffer.from(payload), { qos: 1 });
        const m = await got;
        assertEquals(m.topic, "t/x");
        assertEquals(m.payload, payload);
      } finally {
        await sub.endAsync(true);
        await pub.endAsync(true);
      }
    } finally {
      await broker.stop();
    }
  });
});

Deno.test("a persistent MQTT 5 session keeps messages across the client's absence and a broker restart", async () => {
  await withTempDir(async (dir) => {
    const broker = await Broker.start(dir);
    try {
      const session = {
        clientId: "keeper",
        clean: false,
        properties: { sessionExpiryInterval: 600 },
      };
      const first = await connect(broker.url, session);
      await first.subscribeAsync("t/keep", { qos: 1 });
      await first.endAsync();
      const pub = await connect(broker.url, { clientId: "pub", clean: true });
      await pub.publishAsync("t/keep", Buffer.from("while away"), { qos: 1 });
      await pub.endAsync();
      await broker.restart();
      const second = mqtt.connect(broker.url, {
        protocolVersion: 5,
        reconnectPeriod: 0,
        ...session,
      });
      try {
        // The subscription survived: the queued message arrives without subscribing again.
        const m = await nextMessage(second);
        assertEquals(new TextDecoder().decode(m.payload), "while away");
      } finally {
        await second.endAsync(true);
      }
    } finally {
      await broker.stop();
    }
  });
});

Deno.test("a broker with a password file refuses a wrong password", async () => {
  await withTempDir(async (dir) => {
    const broker = await Broker.start(dir, { users: [{ username: "u", password: "right" }] });
    try {
      const ok = await connect(broker.url, { clientId: "ok", username: "u", password: "right" });
      await ok.endAsync();
      let refused = false;
      try {
        const bad = await connect(broker.url, {
          clientId: "bad",
          username: "u",
          password: "wrong",
        });
        await bad.endAsync(true);
      } catch {
        refused = true;
      }
      assert(refused, "a wrong password must be refused");
    } finally {
      await broker.stop();
    }
  });
});
