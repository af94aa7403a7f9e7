/**
 * `ferry mqtt`: one session with an MQTT broker: connect, send what waits
 * for the neighbours reachable through it, take in what the broker holds
 * for this node, and leave after `--until-idle` seconds with nothing to do
 * (default: stay until stopped). The agent runs the same continuously.
 * @module
 */

import type { Command } from "../args/mod.ts";
import { brokerUrlProblem, type MqttSettings } from "../../config/ferry_mqtt.ts";
import { MqttError, serveMqtt } from "../../mqtt/mod.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { loadNodeContext } from "../node.ts";

/** Settings when `ferry.mqtt` is absent and `--broker` is given. */
const SESSION_DEFAULTS: Omit<MqttSettings, "broker"> = {
  topicPrefix: "ferry/v1",
  neighbours: [],
  chunkBytes: 256 * 1024,
  chunksInFlight: 16,
  packetsInFlight: 16,
  offlinePackets: 8,
  offlineNiceMax: 96,
  sessionExpirySec: 604800,
};

/** Registers `ferry mqtt`. */
export function registerMqtt(program: Command, ctx: CliContext): void {
  program.command("mqtt")
    .description(
      "exchange packets through an MQTT broker: send what is queued, take in what the broker holds",
    )
    .option("--broker <url>", "mqtt://, mqtts://, ws:// or wss:// URL (default: ferry.mqtt.broker)")
    .option(
      "--node <nodes>",
      "only these neighbours (comma separated; default: ferry.mqtt.neighbours)",
    )
    .option(
      "--until-idle <sec>",
      "leave after this many seconds with nothing to do (default: stay)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  ferry mqtt --until-idle 5\n" +
        "  ferry mqtt --broker mqtt://127.0.0.1:1883 --node bob --until-idle 10\n",
    )
    .action(async (opts: { broker?: string; node?: string; untilIdle?: string }) => {
      let idle: number | undefined;
      if (opts.untilIdle !== undefined) {
        idle = Number(opts.untilIdle);
        if (!Number.isFinite(idle) || idle < 0 || idle > 86400 * 365) {
          throw new UsageError(
            `--until-idle must be seconds (0..31536000), not ${JSON.stringify(opts.untilIdle)}`,
          );
        }
      }
      if (opts.broker !== undefined) {
        const problem = brokerUrlProblem(opts.broker);
        if (problem) throw new UsageError(`--broker ${problem}`);
      }
      const node = await loadNodeContext(ctx);
      const configured = node.config.ferry.mqtt;
      const broker = opts.broker ?? configured?.broker;
      if (!broker) {
        throw new UsageError("no broker: give --broker URL or configure ferry.mqtt.broker");
      }
      const settings: MqttSettings = { ...SESSION_DEFAULTS, ...configured, broker };
      const nodes = opts.node?.split(",").filter((s) => s);
      for (const n of nodes ?? []) {
        const peer = node.config.neigh.get(n) ?? node.config.neighById.get(n);
        if (!peer || peer.name === "self") {
          throw new UsageError(`unknown node ${JSON.stringify(n)}`);
        }
      }
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      Deno.addSignalListener("SIGINT", onSignal);
      Deno.addSignalListener("SIGTERM", onSignal);
      try {
        const result = await serveMqtt(node, settings, {
          signal: stop.signal,
          broker,
          ...(nodes ? { nodes } : {}),
          ...(idle !== undefined ? { untilIdleSec: idle } : {}),
          failFast: true,
        });
        node.log.info("mqtt-session-done", {
          sent: result.sent,
          received: result.received,
          reason: result.reason,
        });
      } catch (err) {
        if (err instanceof MqttError) throw new CliError(err.message);
        throw err;
      } finally {
        Deno.removeSignalListener("SIGINT", onSignal);
        Deno.removeSignalListener("SIGTERM", onSignal);
      }
    });
}
