/**
 * The ceiling half of bench section `mqtt`: ferry's own MQTT client
 * (`src/mqtt/client/`) under Deno as a bare QoS 1 subscriber that only
 * counts what arrives (no ferry transport code, no disk), with the same V8
 * flags and MQTT 5 receive maximum as `ferry mqtt`. The bench publishes to
 * it with `mosquitto_pub`; this shows what the client and Deno's sockets
 * cost on their own. Prints `ready` on standard error once subscribed,
 * then one JSON line on standard output: messages, seconds from the first
 * message to the last, peak RSS KiB.
 *
 * Usage: deno run -A _mqtt_client_only.ts BROKER_URL TOPIC MESSAGES
 * @module
 */

import { MqttClient } from "../../src/mqtt/client/mod.ts";
import { mqttLimits } from "../../src/mqtt/limits.ts";

const [url, topic, countText] = Deno.args;
const count = Number(countText);
/** Longest wait for every message, ms. */
const waitMs = 10 * 60_000;

let got = 0;
let firstMs = 0;
let done = () => {};
const all = new Promise<void>((r) => (done = r));
const client = await MqttClient.connect({
  url: url!,
  clientId: "bench-client-only",
  cleanStart: true,
  keepaliveSec: mqttLimits.keepaliveSec,
  receiveMaximum: mqttLimits.receiveMaximum,
  maximumPacketBytes: mqttLimits.incomingMessageBytesMax,
  onMessage: () => {
    if (got === 0) firstMs = performance.now();
    if (++got === count) done();
  },
});
await client.subscribe([{ topic: topic!, qos: 1 }]);
const timer = setTimeout(() => {
  console.error(`only ${got} of ${count} messages arrived`);
  Deno.exit(1);
}, waitMs);
console.error("ready");
await all;
const seconds = (performance.now() - firstMs) / 1000;
clearTimeout(timer);
const status = await Deno.readTextFile("/proc/self/status");
const peakKiB = Number(/VmHWM:\s*(\d+) kB/.exec(status)?.[1] ?? NaN);
await client.disconnect();
console.log(JSON.stringify({ messages: got, seconds, peakKiB }));
