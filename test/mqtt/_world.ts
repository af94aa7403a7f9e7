/**
 * Two or three vector nodes on a real mosquitto: `ferry.mqtt` written into
 * each node's config, `ferry mqtt` run as real subprocesses, and waits for
 * spool states with bounded polling.
 * @module
 */

import { withTempDir } from "../helpers.ts";
import { IDS, setupNodes, type TestNode } from "../nodes.ts";
import { Broker, type BrokerOptions } from "./_broker.ts";
import { FerryProcess } from "../agent/_fixture.ts";

export { IDS };
export type { TestNode };

/** Longest wait for a condition in these tests, ms. */
export const mqttWaitMsMax = 120_000;

/** Nodes and their broker. */
export interface MqttWorld {
  root: string;
  broker: Broker;
  alice: TestNode;
  bob: TestNode;
  carol: TestNode;
}

/** Options of {@linkcode withMqttWorld}. */
export interface MqttWorldOptions {
  broker?: BrokerOptions;
  /** Extra `ferry.mqtt` keys per node name. */
  mqtt?: (name: string, root: string, broker: Broker) => Record<string, unknown>;
}

/** Runs `fn` with alice, bob and carol configured for one broker. */
export async function withMqttWorld<T>(
  fn: (w: MqttWorld) => Promise<T>,
  options: MqttWorldOptions = {},
): Promise<T> {
  return await withTempDir(async (root) => {
    const broker = await Broker.start(root, options.broker ?? {});
    try {
      const nodes = await setupNodes(root, ["alice", "bob", "carol"], (name, cfg) => {
        const ferry = (cfg.ferry ?? {}) as Record<string, unknown>;
        ferry.mqtt = { broker: broker.url, ...(options.mqtt?.(name, root, broker) ?? {}) };
        cfg.ferry = ferry;
      });
      return await fn({ root, broker, alice: nodes.alice!, bob: nodes.bob!, carol: nodes.carol! });
    } finally {
      await broker.stop(true);
    }
  }, "ferry-mqtt-");
}

/** Starts `ferry mqtt ARGS` for `node`, logging to `node.dir/mqtt.log`. */
export function startMqtt(node: TestNode, args: string[] = []): FerryProcess {
  return FerryProcess.start(["-c", node.cfg, "mqtt", ...args], `${node.dir}/mqtt.log`);
}

/** Polls `check` until it is true or {@linkcode mqttWaitMsMax} passes (then throws `what`). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  waitMs = mqttWaitMsMax,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Packet files (52-character ids) directly in `dir`. */
export async function packetsIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && /^[A-Z2-7]{52}$/.test(e.name)) names.push(e.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names.sort();
}

/** `tx/` of `from` for `to`. */
export function txDir(from: TestNode, to: keyof typeof IDS): string {
  return `${from.spool}/${IDS[to]}/tx`;
}

/** `rx/` of `at` for packets from `from`. */
export function rxDir(at: TestNode, from: keyof typeof IDS): string {
  return `${at.spool}/${IDS[from]}/rx`;
}
