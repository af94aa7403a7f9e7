/** `ferry.mqtt` settings: defaults, and every malformed value named by its key path. */

import { assert, assertEquals, assertThrows } from "../assert.ts";
import { NNCP_VECTORS } from "../helpers.ts";
import { ConfigError, parseConfig } from "../../src/config/mod.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

async function alice(mqtt: unknown): Promise<string> {
  const text = await Deno.readTextFile(`${NNCP_VECTORS}/cfg/alice.hjson`);
  const cfg: Json = JSON.parse(text.replaceAll("@ROOT@", "/srv/t"));
  cfg.ferry = { mqtt };
  return JSON.stringify(cfg);
}

Deno.test("ferry.mqtt fills in its defaults", async () => {
  const { config } = parseConfig(await alice({ broker: "mqtt://127.0.0.1:1883" }), "ok.hjson");
  const m = config.ferry.mqtt!;
  assertEquals(m.topicPrefix, "ferry/v1");
  assertEquals(m.chunkBytes, 256 * 1024);
  assertEquals(m.neighbours, []);
  assertEquals(m.chunksInFlight, 16);
  assertEquals(config.ferry.mqtt?.broker, "mqtt://127.0.0.1:1883");
});

const FAULTS: [string, unknown, string, string][] = [
  ["no broker", {}, "ferry.mqtt.broker", "is missing"],
  ["a broker of another scheme", { broker: "http://x:1" }, "ferry.mqtt.broker", "mqtt://"],
  ["a broker that is no URL", { broker: "broker:1883 x" }, "ferry.mqtt.broker", ""],
  [
    "a wildcard in the prefix",
    { broker: "mqtt://h", "topic-prefix": "a/#" },
    "ferry.mqtt.topic-prefix",
    "#",
  ],
  [
    "an unknown neighbour",
    { broker: "mqtt://h", neighbours: ["zed"] },
    "ferry.mqtt.neighbours[0]",
    "zed",
  ],
  [
    "a chunk too large",
    { broker: "mqtt://h", "chunk-kib": 99999 },
    "ferry.mqtt.chunk-kib",
    "1..4096",
  ],
  [
    "a relative password file",
    { broker: "mqtt://h", "password-file": "pw" },
    "ferry.mqtt.password-file",
    "absolute",
  ],
  [
    "a cert without its key",
    { broker: "mqtt://h", "cert-file": "/c.pem" },
    "ferry.mqtt.key-file",
    "both",
  ],
  ["a typo", { broker: "mqtt://h", brokr: "x" }, "ferry.mqtt.brokr", ""],
  [
    "a bad client id",
    { broker: "mqtt://h", "client-id": "a b" },
    "ferry.mqtt.client-id",
    "printable",
  ],
];

for (const [what, mqtt, path, includes] of FAULTS) {
  Deno.test(`ferry.mqtt: ${what} is an error at ${path}`, async () => {
    const text = await alice(mqtt);
    const e = assertThrows(() => parseConfig(text, "bad.hjson"), ConfigError);
    const lines = e.issues.map((i) => `${i.path}: ${i.message}`);
    assert(
      lines.some((l) => l.startsWith(`${path}: `) && l.includes(includes)),
      `${path} ${includes}:\n${lines.join("\n")}`,
    );
  });
}
