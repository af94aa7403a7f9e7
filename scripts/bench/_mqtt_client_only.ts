/**
 * The ceiling half of bench section `mqtt`: MQTT.js under Deno as a bare
 * QoS 1 subscriber that only counts what arrives (no ferry code, no disk),
 * with the same V8 flags and MQTT 5 receive maximum as `ferry mqtt`. The
 * bench publishes to it with `mosquitto_pub`; this shows what the client
 * library and Deno's `node:net` cost on their own. Prints `ready` on
 * standard error once subscribed, then one JSON line on standard output:
 * messages, seconds from the first message to the last, peak RSS KiB.
 *
 * Usage: deno run -A _mqtt_client_only.ts BROKER_URL TOPIC MESSAGES
 * @module
 */

import mqtt from "mqtt";
import { mqttLimits } from "../../src/mqtt/limits.ts";

const [url, topic, countText] = Deno.args;
const count = Number(countText);
/** Longest wait for every message, ms. */
const waitMs = 10 * 60_000;

const client = mqtt.connect(url!, {
  protocolVersion: 5,
  clientId: "bench-client-only",
  reconnectPeriod: 0,
  properties: { receiveMaximum: mqttLimits.receiveMaximum },
});
await new Promise((resolve, reject) => {
  client.once("connect", resolve);
  client.once("error", reject);
});
await client.subscribeAsync(topic!, { qos: 1 });
let got = 0;
let firstMs = 0;
const timer = setTimeout(() => {
  console.error(`only ${got} of ${count} messages arrived`);
  Deno.exit(1);
}, waitMs);
await new Promise<void>((resolve) => {
  client.on("message", () => {
    if (got === 0) firstMs = performance.now();
    if (++got === count) resolve();
  });
  console.error("ready");
});
const seconds = (performance.now() - firstMs) / 1000;
clearTimeout(timer);
const status = await Deno.readTextFile("/proc/self/status");
const peakKiB = Number(/VmHWM:\s*(\d+) kB/.exec(status)?.[1] ?? NaN);
await client.endAsync(true);
console.log(JSON.stringify({ messages: got, seconds, peakKiB }));
