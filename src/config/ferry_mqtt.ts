/**
 * The `ferry.mqtt` settings: the MQTT broker this node dials out to (the
 * agent keeps the connection up; `ferry mqtt` runs one session).
 *
 * ```hjson
 * mqtt: {
 *   broker: "mqtts://broker.example.net:8883"  # mqtt://, mqtts://, ws://, wss://
 *   client-id: "ferry-shed"        # default: ferry-<first 16 characters of our node id>
 *   username: "shed"               # default: none
 *   password-file: "/etc/ferry/mqtt.pass"   # first line is the password
 *   ca-file: "/etc/ferry/ca.pem"   # TLS: trust these CAs (default: the system's)
 *   cert-file: "/etc/ferry/client.pem"      # TLS client certificate and key
 *   key-file: /etc/ferry/client.key
 *   topic-prefix: "ferry/v1"       # default
 *   neighbours: ["house", "relay"] # reachable through the broker (default: every neighbour)
 *   chunk-kib: 256                 # packet chunk size (default 256, capped by the broker's limit)
 *   chunks-in-flight: 16           # chunks published and not yet acknowledged by the broker
 *   packets-in-flight: 16          # small packets sent and waiting for the recipient's ack
 *   offline-packets: 8             # small urgent packets left in the broker for an absent peer
 *   offline-nice-max: 96           # what counts as urgent (niceness 1..255, lower is more urgent)
 *   session-expiry-sec: 604800     # how long the broker keeps our session while we are away
 * }
 * ```
 * @module
 */

import { type IssueList, joinPath } from "./issues.ts";
import {
  type Obj,
  readAbsPath,
  readInt,
  readObj,
  readStr,
  readStrList,
  warnUnknownKeys,
} from "./read.ts";

/** The checked `ferry.mqtt` section with defaults filled in. */
export interface MqttSettings {
  /** Broker URL. */
  broker: string;
  /** MQTT client id; absent: derived from our node id at connect time. */
  clientId?: string;
  username?: string;
  passwordFile?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  topicPrefix: string;
  /** Neighbour names reachable through the broker; empty: every neighbour. */
  neighbours: string[];
  chunkBytes: number;
  chunksInFlight: number;
  packetsInFlight: number;
  offlinePackets: number;
  offlineNiceMax: number;
  sessionExpirySec: number;
}

/** Smallest and largest chunk sizes a node may configure, KiB. */
export const mqttChunkKibMin = 1;
export const mqttChunkKibMax = 4096;

const KEYS = [
  "broker",
  "client-id",
  "username",
  "password-file",
  "ca-file",
  "cert-file",
  "key-file",
  "topic-prefix",
  "neighbours",
  "chunk-kib",
  "chunks-in-flight",
  "packets-in-flight",
  "offline-packets",
  "offline-nice-max",
  "session-expiry-sec",
] as const;

const SCHEMES = ["mqtt:", "mqtts:", "ws:", "wss:"];

/** Checks a broker URL; returns an error text or null. */
export function brokerUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `is not a URL: ${JSON.stringify(text)} (example: mqtt://broker.example.net:1883)`;
  }
  if (!SCHEMES.includes(url.protocol)) {
    return `must start with mqtt://, mqtts://, ws:// or wss://, not ${JSON.stringify(text)}`;
  }
  if (!url.hostname) return `names no host: ${JSON.stringify(text)}`;
  return null;
}

/** Checks a topic prefix; returns an error text or null. */
export function topicPrefixProblem(text: string): string | null {
  if (
    text === "" || text.length > 200 || /[#+\0]/.test(text) || text.startsWith("/") ||
    text.endsWith("/") || text.startsWith("$")
  ) {
    return `must be 1-200 characters without "#", "+", a leading "$" or a leading or trailing "/", not ${
      JSON.stringify(text)
    }`;
  }
  return null;
}

/** Reads `ferry.mqtt` (absent: undefined, MQTT is off). */
export function readMqtt(
  issues: IssueList,
  section: Obj,
  known: Set<string>,
): MqttSettings | undefined {
  const at = "ferry.mqtt";
  const raw = readObj(issues, section, "mqtt", "ferry");
  if (!raw) return undefined;
  warnUnknownKeys(issues, raw, at, KEYS, true);
  const broker = readStr(issues, raw, "broker", at, true);
  if (broker !== undefined) {
    const problem = brokerUrlProblem(broker);
    if (problem) issues.error(joinPath(at, "broker"), problem);
  }
  const clientId = readStr(issues, raw, "client-id", at);
  if (clientId !== undefined && !/^[\x21-\x7e]{1,64}$/.test(clientId)) {
    issues.error(
      joinPath(at, "client-id"),
      `must be 1-64 printable characters without spaces, not ${JSON.stringify(clientId)}`,
    );
  }
  const username = readStr(issues, raw, "username", at);
  const prefix = readStr(issues, raw, "topic-prefix", at) ?? "ferry/v1";
  const prefixProblem = topicPrefixProblem(prefix);
  if (prefixProblem) issues.error(joinPath(at, "topic-prefix"), prefixProblem);
  const neighbours = readStrList(issues, raw, "neighbours", at) ?? [];
  neighbours.forEach((n, i) => {
    if (!known.has(n) || n === "self") {
      issues.error(
        joinPath(joinPath(at, "neighbours"), i),
        `names an unknown node ${JSON.stringify(n)}`,
      );
    }
  });
  const out: MqttSettings = {
    broker: broker ?? "",
    topicPrefix: prefix,
    neighbours,
    chunkBytes: (readInt(issues, raw, "chunk-kib", at, mqttChunkKibMin, mqttChunkKibMax) ?? 256) *
      1024,
    chunksInFlight: readInt(issues, raw, "chunks-in-flight", at, 1, 1024) ?? 16,
    packetsInFlight: readInt(issues, raw, "packets-in-flight", at, 1, 1024) ?? 16,
    offlinePackets: readInt(issues, raw, "offline-packets", at, 0, 1000) ?? 8,
    offlineNiceMax: readInt(issues, raw, "offline-nice-max", at, 1, 255) ?? 96,
    sessionExpirySec: readInt(issues, raw, "session-expiry-sec", at, 0, 4294967295) ?? 604800,
  };
  if (clientId !== undefined) out.clientId = clientId;
  if (username !== undefined) out.username = username;
  for (
    const [key, field] of [
      ["password-file", "passwordFile"],
      ["ca-file", "caFile"],
      ["cert-file", "certFile"],
      ["key-file", "keyFile"],
    ] as const
  ) {
    const v = readAbsPath(issues, raw, key, at);
    if (v !== undefined) out[field] = v;
  }
  if ((out.certFile === undefined) !== (out.keyFile === undefined)) {
    issues.error(
      joinPath(at, out.certFile ? "key-file" : "cert-file"),
      "cert-file and key-file go together: give both",
    );
  }
  return out;
}
