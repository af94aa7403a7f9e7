/**
 * Hostile bytes from a broker close the client's connection with a clear
 * error and deliver nothing. mosquitto never sends such bytes, so a
 * scripted server on 127.0.0.1 plays the broker: it answers CONNECT with a
 * valid CONNACK, then sends the hostile bytes followed by a valid PUBLISH
 * (which must not be delivered either).
 * @module
 */

import { assert, assertEquals } from "../assert.ts";
import { MqttClient, MqttProtocolError } from "../../src/mqtt/client/mod.ts";

const CONNACK = [0x20, 0x03, 0x00, 0x00, 0x00];
/** A valid QoS 0 PUBLISH to "t" with payload "x". */
const GOOD_PUBLISH = [0x30, 0x05, 0x00, 0x01, 0x74, 0x00, 0x78];

async function against(hostile: number[]): Promise<{ error: Error | null; delivered: number }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const served = (async () => {
    const conn = await listener.accept();
    try {
      await conn.read(new Uint8Array(1024)); // CONNECT
      await conn.write(new Uint8Array([...CONNACK, ...hostile, ...GOOD_PUBLISH]));
      await conn.read(new Uint8Array(1024)).catch(() => null); // until the client closes
    } finally {
      try {
        conn.close();
      } catch { /* closed */ }
    }
  })();
  let delivered = 0;
  let client: MqttClient | null = null;
  try {
    const c = client = await MqttClient.connect({
      url: `mqtt://127.0.0.1:${port}`,
      clientId: "victim",
      keepaliveSec: 30,
      receiveMaximum: 8,
      maximumPacketBytes: 1024 * 1024,
      connectTimeoutMs: 10_000,
      onMessage: () => {
        delivered++;
        setTimeout(() => client?.close(), 200); // the valid case: leave once it arrived
      },
    });
    const error = await c.closed;
    return { error, delivered };
  } finally {
    await served;
    listener.close();
  }
}

const cases: [string, number[], RegExp][] = [
  ["a malformed remaining length", [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], /more than 4 bytes/],
  [
    "a remaining length above our maximum packet size",
    [0x30, 0xff, 0xff, 0x7f],
    /larger than our maximum packet size 1048576/,
  ],
  ["packet type 0", [0x00, 0x00], /reserved/],
  ["an AUTH packet we never asked for", [0xf0, 0x00], /unexpected AUTH/],
  ["a PUBACK for an id we did not send", [0x40, 0x02, 0x12, 0x34], /PUBACK for packet id 4660/],
  ["a PUBLISH at QoS 2", [0x34, 0x06, 0x00, 0x01, 0x74, 0x00, 0x01, 0x00], /QoS 2/],
  ["PINGRESP with reserved flags", [0xd1, 0x00], /reserved flags/],
];

for (const [what, bytes, expect] of cases) {
  Deno.test(`${what} from the broker closes the connection, nothing delivered`, async () => {
    const { error, delivered } = await against(bytes);
    assert(error instanceof MqttProtocolError, String(error));
    assert(expect.test(error.message), error.message);
    assertEquals(delivered, 0);
  });
}

Deno.test("the scripted broker's valid PUBLISH alone is delivered (the hostile cases are not vacuous)", async () => {
  const { error, delivered } = await against([]);
  assertEquals(delivered, 1);
  assert(!(error instanceof MqttProtocolError), String(error));
});

Deno.test("a refused CONNACK names the reason", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const served = (async () => {
    const conn = await listener.accept();
    await conn.read(new Uint8Array(1024));
    await conn.write(new Uint8Array([0x20, 0x03, 0x00, 0x86, 0x00]));
    conn.close();
  })();
  let message = "";
  await MqttClient.connect({
    url: `mqtt://127.0.0.1:${port}`,
    clientId: "x",
    keepaliveSec: 30,
    receiveMaximum: 8,
    maximumPacketBytes: 1024,
  }).then((c) => c.close(), (err) => (message = (err as Error).message));
  await served;
  listener.close();
  assert(message.includes("bad user name or password (0x86)"), message);
});
