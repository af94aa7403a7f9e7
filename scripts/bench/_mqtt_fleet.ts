/**
 * The fleet half of bench section `mqtt`: many simulated ferry nodes in one
 * process, each with its own keys, spool and broker session, in a ring
 * (node i sends to node i+1). Every node queues `PACKETS` exec packets of
 * `BYTES` bytes for its successor, then all run the MQTT transport until
 * every `tx/` is empty. Prints one JSON line: packets, seconds.
 *
 * Usage: deno run -A _mqtt_fleet.ts DIR BROKER_URL NODES PACKETS BYTES
 * @module
 */

import { generateKeys, loadConfig, nodeIdOf } from "../../src/config/mod.ts";
import { encodeBase32 } from "../../src/encoding/base32.ts";
import { createLogger } from "../../src/log/logger.ts";
import { serveMqtt } from "../../src/mqtt/mod.ts";
import {
  type ConfigWithSelf,
  createNodeContext,
  type NodeContext,
} from "../../src/node/context.ts";
import { sendExec } from "../../src/send/exec.ts";

const [dir, broker, nodesText, packetsText, bytesText] = Deno.args;
const nodes = Number(nodesText);
const packets = Number(packetsText);
const bytes = Number(bytesText);
/** Longest run before the fleet gives up, ms. */
const fleetTimeoutMs = 10 * 60_000;

const b32 = encodeBase32;
const keys = Array.from({ length: nodes }, () => generateKeys());
const ids = keys.map((k) => b32(nodeIdOf(k.signPub)));
const name = (i: number) => `n${(i + nodes) % nodes}`;
const stanza = (i: number) => {
  const k = keys[(i + nodes) % nodes]!;
  return {
    id: ids[(i + nodes) % nodes],
    exchpub: b32(k.exchPub),
    signpub: b32(k.signPub),
    noisepub: b32(k.noisePub),
    exec: { sink: ["/bin/true"] },
  };
};
const contexts: NodeContext[] = [];
const log = createLogger({ level: "error" });
for (let i = 0; i < nodes; i++) {
  const k = keys[i]!;
  const home = `${dir}/${name(i)}`;
  await Deno.mkdir(`${home}/spool`, { recursive: true });
  const cfg = {
    spool: `${home}/spool`,
    log: `${home}/log`,
    self: {
      id: ids[i],
      exchpub: b32(k.exchPub),
      exchprv: b32(k.exchPrv),
      signpub: b32(k.signPub),
      signprv: b32(k.signPrv),
      noiseprv: b32(k.noisePrv),
      noisepub: b32(k.noisePub),
    },
    neigh: { self: stanza(i), [name(i - 1)]: stanza(i - 1), [name(i + 1)]: stanza(i + 1) },
    ferry: { name: name(i), mqtt: { broker, "client-id": `fleet-${i}` } },
  };
  await Deno.writeTextFile(`${home}/ferry.hjson`, JSON.stringify(cfg), { mode: 0o600 });
  const { config } = await loadConfig(`${home}/ferry.hjson`);
  contexts.push(createNodeContext(config as ConfigWithSelf, log));
}
for (let i = 0; i < nodes; i++) {
  const ctx = contexts[i]!;
  const to = ctx.config.neigh.get(name(i + 1))!;
  for (let p = 0; p < packets; p++) {
    const body = randomBytes(bytes);
    await sendExec(ctx, {
      to,
      handle: "sink",
      args: [],
      body,
      nice: 96,
      replyNice: 96,
      compress: false,
    });
  }
}

async function txLeft(): Promise<number> {
  let n = 0;
  for (let i = 0; i < nodes; i++) {
    const next = ids[(i + 1) % nodes]!;
    try {
      for await (const e of Deno.readDir(`${dir}/${name(i)}/spool/${next}/tx`)) {
        if (e.isFile && /^[A-Z2-7]{52}$/.test(e.name)) n++;
      }
    } catch { /* none yet */ }
  }
  return n;
}

const stop = new AbortController();
const started = performance.now();
const runs = contexts.map((ctx) => serveMqtt(ctx, ctx.config.ferry.mqtt!, { signal: stop.signal }));
const deadline = Date.now() + fleetTimeoutMs;
let left = await txLeft();
while (left > 0 && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 100));
  left = await txLeft();
}
const seconds = (performance.now() - started) / 1000;
stop.abort();
const results = await Promise.all(runs);
const received = results.reduce((n, r) => n + r.received, 0);
console.log(JSON.stringify({ nodes, packets: nodes * packets, received, left, seconds }));

/** Random bytes of any length (the Web Crypto call gives at most 64 KiB at once). */
function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 65536) {
    crypto.getRandomValues(out.subarray(at, Math.min(n, at + 65536)));
  }
  return out;
}
