/**
 * ferry's MQTT 5 client against a real mosquitto: binary QoS 1 round trips
 * over TCP, TLS with client certificates, and WebSocket (plain and TLS);
 * a persistent session that keeps what arrived while the client was away
 * (across a broker restart too); a password file refusing a wrong password;
 * the last will; the broker's receive maximum and maximum packet size.
 * @module
 */

import { assert, assertEquals } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { type ClientOptions, type Message, MqttClient } from "../../src/mqtt/client/mod.ts";
import { Broker } from "./_broker.ts";
import { makePki } from "./_pki.ts";

const waitMs = 10_000;

function options(url: string, clientId: string, extra: Partial<ClientOptions> = {}): ClientOptions {
  return {
    url,
    clientId,
    keepaliveSec: 30,
    receiveMaximum: 32,
    maximumPacketBytes: 1024 * 1024,
    connectTimeoutMs: waitMs,
    ...extra,
  };
}

/** A client whose messages (copied) go into a list. */
async function collector(o: ClientOptions): Promise<{ c: MqttClient; got: Message[] }> {
  const got: Message[] = [];
  const c = await MqttClient.connect({
    ...o,
    onMessage: (m) => {
      got.push({ ...m, payload: m.payload.slice() });
    },
  });
  return { c, got };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sizes of the round trip's messages; over WebSocket see {@linkcode wsSizes}. */
const tcpSizes = [300_000, 1, 262_144 + 100, 70_000];
/**
 * mosquitto 2.0.11's WebSocket listener logs "Sending PUBLISH" for a
 * message above about 256 KiB but the WebSocket message never arrives
 * (Deno's WebSocket itself receives 2 MB messages from a Deno server), so
 * the WebSocket round trip stays below that; the README says so.
 */
const wsSizes = [200_000, 1, 131_072 + 100, 70_000];

async function roundTrip(
  url: string,
  tls: ClientOptions["tls"] = undefined,
  sizes = tcpSizes,
): Promise<void> {
  const extra = tls ? { tls } : {};
  const sub = await collector(options(url, "sub", { cleanStart: true, ...extra }));
  const pub = await MqttClient.connect(options(url, "pub", { cleanStart: true, ...extra }));
  try {
    assertEquals(await sub.c.subscribe([{ topic: "t/x", qos: 1 }]), [1]);
    const payloads = sizes.map((n, k) => new Uint8Array(n).map((_, i) => (i * 7 + k) & 255));
    await Promise.all(payloads.map((p) => pub.publish("t/x", p)));
    await until("four messages", () => sub.got.length === 4);
    assertEquals(sub.got.map((m) => m.topic), ["t/x", "t/x", "t/x", "t/x"]);
    assertEquals(sub.got.map((m) => m.payload), payloads);
  } finally {
    await sub.c.disconnect();
    await pub.disconnect();
  }
}

Deno.test("the client moves binary QoS 1 messages through a real mosquitto over TCP", async () => {
  await withTempDir(async (dir) => {
    const broker = await Broker.start(dir);
    try {
      await roundTrip(broker.url);
    } finally {
      await broker.stop();
    }
  });
});

Deno.test("the client speaks MQTT over WebSocket to a real mosquitto (ws://, subprotocol mqtt)", async () => {
  await withTempDir(async (dir) => {
    const broker = await Broker.start(dir, { websockets: true });
    try {
      await roundTrip(broker.wsUrl, undefined, wsSizes);
    } finally {
      await broker.stop();
    }
  });
});

Deno.test("the client speaks TLS (mqtts:// and wss://) with a CA file and a client certificate", async () => {
  await withTempDir(async (dir) => {
    await makePki(dir);
    const broker = await Broker.start(dir, {
      websockets: true,
      tls: { cert: `${dir}/server.pem`, key: `${dir}/server.key`, clientCa: `${dir}/ca.pem` },
    });
    const tls = {
      caCerts: [await Deno.readTextFile(`${dir}/ca.pem`)],
      cert: await Deno.readTextFile(`${dir}/client.pem`),
      key: await Deno.readTextFile(`${dir}/client.key`),
    };
    try {
      assert(broker.url.startsWith("mqtts://"));
      await roundTrip(broker.url, tls);
      assert(broker.wsUrl.startsWith("wss://"));
      await roundTrip(broker.wsUrl, tls, wsSizes);
      // Without our CA the broker's certificate is not trusted.
      let refused = "";
      await MqttClient.connect(options(broker.url, "x", { tls: { cert: tls.cert, key: tls.key } }))
        .then((c) => c.disconnect(), (err) => (refused = (err as Error).message));
      assert(/certificate|issuer/i.test(refused), refused);
    } finally {
      await broker.stop();
    }
  });
});

Deno.test("a persistent MQTT 5 session keeps messages across the client's absence and a broker restart", async () => {
  await withTempDir(async (dir) => {
    const broker = await Broker.start(dir);
    try {
      const session = { cleanStart: false, sessionExpirySec: 600 };
      const first = await MqttClient.connect(options(broker.url, "keeper", session));
      assertEquals(first.connack.sessionPresent, false);
      await first.subscribe([{ topic: "t/keep", qos: 1 }]);
      await first.disconnect();
      const pub = await MqttClient.connect(options(broker.url, "pub", { cleanStart: true }));
      await pub.publish("t/keep", new TextEncoder().encode("while away"));
      await pub.disconnect();
      await broker.restart();
      // The subscription survived: the queued message arrives without subscribing again.
      const second = await collector(options(broker.url, "keeper", session));
      try {
        assertEquals(second.c.connack.sessionPresent, true);
        await until("the kept message", () => second.got.length === 1);
        assertEquals(new TextDecoder().decode(second.got[0]!.payload), "while away");
      } finally {
        await second.c.disconnect();
      }
    } finally {
      await broker.stop();
    }
  });
});

Deno.test("a broker with a password file refuses a wrong password with a clear error", async () => {
  await withTempDir(async (dir) => {
    const broker = await Broker.start(dir, { users: [{ username: "u", password: "right" }] });
    try {
      const ok = await MqttClient.connect(
        options(broker.url, "ok", { username: "u", password: "right" }),
      );
      await ok.disconnect();
      let refused = "";
      await MqttClient.connect(options(broker.url, "bad", { username: "u", password: "wrong" }))
        .then((c) => c.disconnect(), (err) => (refused = (err as Error).message));
      assert(/not authorized|bad user name or password/.test(refused), refused);
    } finally {
      await broker.stop();
    }
  });
});

Deno.test("the last will (retained, QoS 1) is published when the client vanishes, not on DISCONNECT", async () => {
  await withTempDir(async (dir) => {
    const broker = await Broker.start(dir);
    try {
      const will = {
        topic: "t/presence",
        payload: new TextEncoder().encode("offline"),
        qos: 1 as const,
        retain: true,
      };
      const polite = await MqttClient.connect(options(broker.url, "polite", { will }));
      await polite.disconnect();
      const rude = await MqttClient.connect(options(broker.url, "rude", { will }));
      rude.close();
      const late = await collector(options(broker.url, "late", { cleanStart: true }));
      try {
        await late.c.subscribe([{ topic: "t/presence", qos: 1 }]);
        await until("the retained will", () => late.got.length === 1);
        assertEquals(late.got[0]!.retain, true);
        assertEquals(new TextDecoder().decode(late.got[0]!.payload), "offline");
      } finally {
        await late.c.disconnect();
      }
    } finally {
      await broker.stop();
    }
  });
});

Deno.test("in flight stays within the broker's receive maximum; its maximum packet size is honoured", async () => {
  await withTempDir(async (dir) => {
    const broker = await Broker.start(dir, {
      maxPacketBytes: 64 * 1024,
      extra: ["max_inflight_messages 3"],
    });
    try {
      const sub = await collector(options(broker.url, "sub", { cleanStart: true }));
      const pub = await MqttClient.connect(options(broker.url, "pub", { inFlightMax: 16 }));
      try {
        assertEquals(pub.connack.maximumPacketBytes, 64 * 1024);
        assertEquals(pub.inFlightMax, Math.min(16, pub.connack.receiveMaximum));
        await sub.c.subscribe([{ topic: "t/n", qos: 1 }]);
        let peak = 0;
        const sent = Array.from({ length: 40 }, (_, i) => {
          const p = pub.publish("t/n", new Uint8Array([i]));
          peak = Math.max(peak, pub.pending - Math.max(0, pub.pending - pub.inFlightMax));
          return p;
        });
        await Promise.all(sent);
        assert(peak <= pub.inFlightMax);
        await until("40 messages", () => sub.got.length === 40);
        assertEquals(sub.got.map((m) => m.payload[0]), Array.from({ length: 40 }, (_, i) => i));
        let tooBig = "";
        await pub.publish("t/n", new Uint8Array(70 * 1024)).catch((e) => (tooBig = e.message));
        assert(tooBig.includes("maximum packet size 65536"), tooBig);
      } finally {
        await sub.c.disconnect();
        await pub.disconnect();
      }
    } finally {
      await broker.stop();
    }
  });
});
