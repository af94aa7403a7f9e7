/**
 * A hostile WebSocket broker over TLS (`wss://` with a CA file, so the
 * client holds its own HTTP client): a text frame closes the connection
 * with a clear error, nothing is delivered, and closing twice (the failure,
 * then the shutdown) raises nothing. mosquitto never sends a text frame, so
 * a scripted server on 127.0.0.1 plays the broker.
 * @module
 */

import { assert, assertEquals } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { MqttClient } from "../../src/mqtt/client/mod.ts";
import { makePki } from "./_pki.ts";

const CONNACK = new Uint8Array([0x20, 0x03, 0x00, 0x00, 0x00]);
/** A valid QoS 0 PUBLISH to "t" with payload "x", sent after the hostile frame. */
const GOOD_PUBLISH = new Uint8Array([0x30, 0x05, 0x00, 0x01, 0x74, 0x00, 0x78]);

Deno.test("a WebSocket text frame from a wss:// broker closes the connection; nothing delivered", async () => {
  await withTempDir(async (dir) => {
    await makePki(dir);
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      cert: await Deno.readTextFile(`${dir}/server.pem`),
      key: await Deno.readTextFile(`${dir}/server.key`),
      onListen: () => {},
    }, (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req, { protocol: "mqtt" });
      socket.binaryType = "arraybuffer";
      socket.onmessage = () => {
        socket.send(CONNACK);
        socket.send("not MQTT");
        socket.send(GOOD_PUBLISH);
      };
      return response;
    });
    let delivered = 0;
    try {
      const client = await MqttClient.connect({
        url: `wss://127.0.0.1:${server.addr.port}/mqtt`,
        clientId: "victim",
        keepaliveSec: 30,
        receiveMaximum: 8,
        maximumPacketBytes: 1024 * 1024,
        connectTimeoutMs: 10_000,
        tls: { caCerts: [await Deno.readTextFile(`${dir}/ca.pem`)] },
        onMessage: () => {
          delivered++;
        },
      });
      const error = await client.closed;
      assert(error !== null && /text frame/.test(error.message), String(error));
      client.close(); // again, after the failure closed it
      await client.stopped;
      assertEquals(delivered, 0);
    } finally {
      await server.shutdown();
    }
  });
});
