/**
 * One node on an MQTT broker: connects (MQTT 5, persistent session with a
 * session expiry, so a short disconnection loses nothing), subscribes to its
 * own inbox and to the presence of its peers, announces itself online
 * (retained; the last will says offline), routes incoming messages to the
 * {@linkcode Receiver} and the per-peer {@linkcode PeerSender}s, and
 * reconnects with a growing pause after a failure. Incoming messages are
 * handled one at a time and acknowledged to the broker only after they
 * were handled, so a crash makes the broker deliver them again.
 *
 * Hostile input: a message on our inbox that does not parse, claims another
 * sender than its topic, comes from a node we do not know, or carries an
 * ACK that is not signed by the peer is logged and dropped; nothing is
 * delivered and nothing deleted.
 * @module
 */

import type { MqttSettings } from "../config/ferry_mqtt.ts";
import type { Neighbour } from "../config/mod.ts";
import { encodeBase32 } from "../encoding/base32.ts";
import type { NodeContext } from "../node/context.ts";
import { SpoolStore } from "../store/mod.ts";
import { type HeldLock, tryLockFile } from "../fsutil/lock.ts";
import { type ClientOptions, MqttClient, MqttRefusedError } from "./client/mod.ts";
import { mqttLimits } from "./limits.ts";
import { Receiver } from "./receiver.ts";
import { PeerSender, type Publisher } from "./sender.ts";
import { type MqttStatus, writeMqttStatus } from "./status.ts";
import { Wake } from "./wake.ts";
import { dataHeaderBytes, decodeMessage, PRESENCE, Topics } from "./wire.ts";

/** How {@linkcode serveMqtt} runs. */
export interface ServeOptions {
  signal: AbortSignal;
  /** Broker URL instead of the configured one. */
  broker?: string;
  /** Only these neighbours (names); default: `ferry.mqtt.neighbours`, or every neighbour. */
  nodes?: string[];
  /** Leave after this many seconds with nothing to do (default: stay). */
  untilIdleSec?: number;
  /** Give up when the first connection fails (the one-shot command does). */
  failFast?: boolean;
  /** A packet arrived in `rx/`. */
  onReceived?: (from: string, id: string) => void;
}

/** What a run did. */
export interface ServeResult {
  reason: "idle" | "stopped";
  sent: number;
  received: number;
}

/** Raised when the broker cannot be used at all (bad URL, refused login, refused subscription). */
export class MqttError extends Error {
  override name = "MqttError";
}

/** The neighbours reachable through the broker for this run. */
export function mqttPeers(ctx: NodeContext, settings: MqttSettings, nodes?: string[]): Neighbour[] {
  const names = nodes ?? (settings.neighbours.length ? settings.neighbours : [
    ...ctx.config.neigh.keys(),
  ].filter((n) => n !== "self"));
  return names.map((n) => {
    const node = ctx.config.neigh.get(n) ?? ctx.config.neighById.get(n);
    if (!node || node.idText === ctx.self.idText) {
      throw new RangeError(`unknown node ${JSON.stringify(n)}`);
    }
    return node;
  });
}

/** Where the lock of a node's MQTT session lives in its spool. */
export function mqttLockPath(spool: string): string {
  return `${spool}/.ferry/mqtt.lock`;
}

/**
 * Takes the node's MQTT session lock (`flock`, released when the process
 * ends however it ends): the agent and `ferry mqtt` use the same client id,
 * and two sessions under one id would throw each other off the broker.
 * Throws {@linkcode MqttError} naming the holder's pid when it is taken.
 */
export async function lockMqttSession(spool: string): Promise<HeldLock> {
  const path = mqttLockPath(spool);
  await Deno.mkdir(`${spool}/.ferry`, { recursive: true });
  const lock = await tryLockFile(path);
  if (!lock) {
    const text = await Deno.readTextFile(path).catch(() => "");
    const pid = /^\d+/.exec(text)?.[0] ?? "unknown";
    throw new MqttError(
      `another MQTT session of this node is running (pid ${pid}, lock ${path}): ` +
        "the agent runs one when ferry.mqtt is set; stop it first or wait until it ends",
    );
  }
  try {
    await Deno.writeTextFile(path, `${Deno.pid}\n`);
  } catch (err) {
    lock.unlock();
    throw err;
  }
  return lock;
}

/** Connects to the broker and exchanges packets until stopped (or idle). */
export async function serveMqtt(
  ctx: NodeContext,
  settings: MqttSettings,
  options: ServeOptions,
): Promise<ServeResult> {
  const lock = await lockMqttSession(ctx.spool.root);
  try {
    return await serveLocked(ctx, settings, options);
  } finally {
    lock.unlock();
  }
}

async function serveLocked(
  ctx: NodeContext,
  settings: MqttSettings,
  options: ServeOptions,
): Promise<ServeResult> {
  const { signal } = options;
  const url = options.broker ?? settings.broker;
  const peers = mqttPeers(ctx, settings, options.nodes);
  const store = new SpoolStore(ctx.spool, ctx.log);
  const topics = new Topics(settings.topicPrefix);
  const log = ctx.log.child({ transport: "mqtt" });
  const senders = new Map<string, PeerSender>(
    peers.map((p) => [p.idText, new PeerSender(p, store, log, ctx.self.id, settings)]),
  );
  let received = 0;
  const activity = { lastMs: Date.now() };
  let publisher: Publisher | null = null;
  const receiver = new Receiver({
    store,
    log,
    selfId: ctx.self.id,
    signPrv: ctx.self.signPrv,
    reply: (to, bytes) => {
      if (!publisher) throw new Error("not connected");
      publisher.reply(to, bytes);
      return Promise.resolve();
    },
    onCommitted: (from, id) => {
      received++;
      options.onReceived?.(from, id);
    },
  });
  const status: MqttStatus = {
    pid: Deno.pid,
    broker: redact(url),
    state: "connecting",
    since: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    peers: [],
  };
  const saveStatus = async () => {
    status.peers = [...senders.values()].map((s) => ({
      node: s.peer.name,
      id: s.peer.idText,
      presence: s.present === undefined ? "unknown" : s.present ? "online" : "offline",
      toSendPackets: s.queuedPackets,
      toSendBytes: s.queuedBytes,
      toReceiveBytes: receiver.expectedBytes(s.peer.idText),
      sent: s.sent,
    }));
    await writeMqttStatus(ctx.spool.root, status).catch((err) =>
      log.warn("mqtt-status-write-failed", { error: (err as Error).message })
    );
  };
  const setState = (s: MqttStatus["state"], error?: string) => {
    if (status.state !== s) status.since = new Date().toISOString();
    status.state = s;
    if (error) status.lastError = error;
  };
  let pauseMs: number = mqttLimits.retryMsMin;
  let everConnected = false;
  let reason: ServeResult["reason"] = "stopped";
  try {
    while (!signal.aborted) {
      const started = Date.now();
      let connectedNow = false;
      const conn = new AbortController();
      const onStop = () => conn.abort();
      signal.addEventListener("abort", onStop, { once: true });
      try {
        const outcome = await connection(ctx, settings, url, {
          topics,
          senders,
          receiver,
          signal: conn.signal,
          activity,
          log,
          untilIdleSec: options.untilIdleSec,
          onConnected: (p) => {
            everConnected = true;
            connectedNow = true;
            for (const s of senders.values()) s.reconnected();
            publisher = p;
            setState("connected");
            delete status.lastError;
            void saveStatus();
          },
          saveStatus,
        });
        if (outcome === "idle") {
          reason = "idle";
          break;
        }
      } catch (err) {
        if (signal.aborted) break;
        const msg = (err as Error).message;
        setState("retrying", msg);
        log.warn("mqtt-connection-failed", { broker: status.broker, error: msg, retryMs: pauseMs });
        if (err instanceof MqttError || (options.failFast && !everConnected)) {
          throw err instanceof MqttError ? err : new MqttError(`${status.broker}: ${msg}`);
        }
      } finally {
        publisher = null;
        signal.removeEventListener("abort", onStop);
        conn.abort();
        await receiver.close();
      }
      if (signal.aborted) break;
      setState("retrying");
      await saveStatus();
      // A connection that came up earns a short pause; failures to connect back off.
      pauseMs = connectedNow || Date.now() - started > mqttLimits.retryMsMax
        ? mqttLimits.retryMsMin
        : Math.min(pauseMs * 2, mqttLimits.retryMsMax);
      await new Wake().wait(pauseMs, signal);
      if (options.untilIdleSec !== undefined && everConnected) activity.lastMs = Date.now();
    }
  } finally {
    setState("stopped");
    await saveStatus();
  }
  const sent = [...senders.values()].reduce((n, s) => n + s.sent, 0);
  return { reason, sent, received };
}

interface ConnectionDeps {
  topics: Topics;
  senders: Map<string, PeerSender>;
  receiver: Receiver;
  signal: AbortSignal;
  activity: { lastMs: number };
  log: NodeContext["log"];
  untilIdleSec: number | undefined;
  onConnected(publisher: Publisher): void;
  saveStatus(): Promise<void>;
}

/** One connection: resolves "closed" when it drops, "idle" when idle, or on abort. */
async function connection(
  ctx: NodeContext,
  settings: MqttSettings,
  url: string,
  d: ConnectionDeps,
): Promise<"closed" | "idle" | "aborted"> {
  const self = ctx.self.idText;
  const { topics, log } = d;
  const enc = new TextEncoder();
  const options: ClientOptions = {
    url,
    clientId: settings.clientId ?? `ferry-${self.slice(0, 16)}`,
    cleanStart: false,
    sessionExpirySec: settings.sessionExpirySec,
    receiveMaximum: mqttLimits.receiveMaximum,
    maximumPacketBytes: mqttLimits.incomingMessageBytesMax,
    keepaliveSec: mqttLimits.keepaliveSec,
    connectTimeoutMs: mqttLimits.connectTimeoutMs,
    inFlightMax: settings.chunksInFlight,
    will: {
      topic: topics.presence(self),
      payload: enc.encode(PRESENCE.offline),
      qos: 1,
      retain: true,
    },
    // Messages are handled one at a time; the broker's PUBACK goes out after each. One that
    // came with the CONNACK waits until replies can go out.
    onMessage: async (m) => {
      await repliesReady;
      d.activity.lastMs = Date.now();
      try {
        await onMessage(m.topic, m.payload);
      } catch (err) {
        log.error("mqtt-message-failed", { topic: m.topic, error: (err as Error).message });
      }
    },
  };
  if (settings.username !== undefined) options.username = settings.username;
  if (settings.passwordFile) options.password = await readPassword(settings.passwordFile);
  if (settings.caFile || settings.certFile) {
    options.tls = {
      ...(settings.caFile ? { caCerts: [await Deno.readTextFile(settings.caFile)] } : {}),
      ...(settings.certFile ? { cert: await Deno.readTextFile(settings.certFile) } : {}),
      ...(settings.keyFile ? { key: await Deno.readTextFile(settings.keyFile) } : {}),
    };
  }
  const onMessage = async (topic: string, payload: Uint8Array) => {
    const presenceOf = topics.parsePresence(topic);
    if (presenceOf !== null) {
      const s = d.senders.get(presenceOf);
      const text = new TextDecoder().decode(payload.subarray(0, 16));
      if (s) s.setPresent(text === PRESENCE.online);
      return;
    }
    const route = topics.parseInbox(topic);
    if (!route || route[0] !== self) {
      return log.warn("mqtt-message-dropped", { topic, reason: "not our inbox" });
    }
    const from = route[1];
    const peer = ctx.config.neighById.get(from);
    const sender = d.senders.get(from);
    if (!peer || !sender) {
      return log.warn("mqtt-message-dropped", {
        topic,
        reason: "from a node that is not a neighbour reachable through the broker",
      });
    }
    let m;
    try {
      m = decodeMessage(payload);
    } catch (err) {
      return log.warn("mqtt-message-dropped", {
        from: peer.name,
        bytes: payload.length,
        reason: (err as Error).message,
      });
    }
    if (encodeBase32(m.peer) !== from) {
      return log.warn("mqtt-message-dropped", {
        from: peer.name,
        reason: `${m.kind} names node ${encodeBase32(m.peer)}, not the sender of its topic`,
      });
    }
    const id = encodeBase32(m.packet);
    switch (m.kind) {
      case "data":
        return await d.receiver.onData(from, m);
      case "offer":
        return await d.receiver.onOffer(from, m);
      case "have":
        return sender.onHave(m);
      case "ack":
        return await sender.onAck(m, id);
    }
  };

  if (d.signal.aborted) return "aborted";
  let openReplies = () => {};
  const repliesReady = new Promise<void>((resolve) => (openReplies = resolve));
  const client = await MqttClient.connect({ ...options, signal: d.signal }).catch((err) => {
    if (err instanceof MqttRefusedError && [0x86, 0x87, 0x8a].includes(err.reasonCode)) {
      throw new MqttError(`${err.message} (check username and password-file)`);
    }
    throw err;
  });
  try {
    const closed = client.signal;
    const connack = client.connack;
    const publisher: Publisher = {
      async publish(to, bytes) {
        if (d.signal.aborted) throw new Error("connection closed");
        await client.slot();
        d.activity.lastMs = Date.now();
        const acked = client.publish(topics.inbox(to, self), bytes);
        acked.catch(() => {});
        return { acked };
      },
      reply(to, bytes) {
        d.activity.lastMs = Date.now();
        client.publish(topics.inbox(to, self), bytes).catch(() => {});
      },
      async drain() {
        await client.drained();
      },
    };

    // Replies work from here on: the broker may deliver what it held for us right after CONNACK.
    d.onConnected(publisher);
    openReplies();
    const brokerMax = connack.maximumPacketBytes;
    const chunkBytes = Math.min(
      settings.chunkBytes,
      brokerMax - dataHeaderBytes - mqttLimits.messageOverheadBytes,
    );
    if (chunkBytes < 1024) {
      await client.disconnect();
      throw new MqttError(`the broker's maximum packet size ${brokerMax} is too small for ferry`);
    }
    const filters = [
      topics.inboxFilter(self),
      ...[...d.senders.keys()].map((p) => topics.presence(p)),
    ];
    const granted = await client.subscribe(filters.map((topic) => ({ topic, qos: 1 as const })));
    const refused = filters.filter((_, i) => (granted[i] ?? 0x80) >= 0x80);
    if (refused.length) {
      await client.disconnect();
      throw new MqttError(
        `the broker refused the subscription to ${refused.join(", ")} (check its ACL)`,
      );
    }
    await client.publish(topics.presence(self), enc.encode(PRESENCE.online), {
      qos: 1,
      retain: true,
    }).catch(async (err) => {
      await client.disconnect();
      throw new MqttError(
        `the broker refused our presence on ${
          topics.presence(self)
        }: ${err.message} (check its ACL and our username)`,
      );
    });
    log.info("mqtt-connected", {
      broker: redact(url),
      sessionPresent: connack.sessionPresent,
      chunkBytes,
      peers: [...d.senders.values()].map((s) => s.peer.name).join(","),
    });
    d.activity.lastMs = Date.now();

    // The senders stop when the connection drops or this run ends; a clean end says goodbye after.
    const stopSenders = new AbortController();
    const running = AbortSignal.any([closed, stopSenders.signal]);
    const link = { publisher, signal: running, chunkBytes };
    const stop = () => stopSenders.abort();
    d.signal.addEventListener("abort", stop, { once: true });
    const runs = [...d.senders.values()].map((s) =>
      s.run(link).catch((err) => {
        log.error("mqtt-sender-failed", { peer: s.peer.name, error: (err as Error).message });
        client.close();
      })
    );
    let outcome: "closed" | "idle" | "aborted" = "closed";
    const tick = new Wake();
    let savedMs = 0;
    while (!running.aborted) {
      await tick.wait(Math.min(mqttLimits.statusEveryMs, 500), running);
      if (d.signal.aborted) {
        outcome = "aborted";
        break;
      }
      if (d.untilIdleSec !== undefined) {
        const busy = [...d.senders.values()].some((s) => s.busy);
        if (busy) d.activity.lastMs = Date.now();
        if (!busy && Date.now() - d.activity.lastMs >= d.untilIdleSec * 1000) {
          outcome = "idle";
          break;
        }
      }
      if (Date.now() - savedMs >= mqttLimits.statusEveryMs) {
        savedMs = Date.now();
        await d.saveStatus();
      }
    }
    d.signal.removeEventListener("abort", stop);
    const dropped = closed.aborted && outcome === "closed";
    stopSenders.abort();
    await Promise.all(runs);
    if (!dropped) {
      // A clean goodbye: offline presence, then disconnect (the session stays at the broker).
      await client.publish(topics.presence(self), enc.encode(PRESENCE.offline), {
        qos: 1,
        retain: true,
      }).catch(() => {});
      await client.disconnect();
      log.info("mqtt-disconnected", { reason: outcome });
      return outcome;
    }
    const error = await client.closed;
    throw new Error(error?.message ?? "connection closed");
  } finally {
    openReplies();
    client.close(); // nothing when it already ended
    // A message handler still running must finish before the receiver closes its partials or
    // a new connection opens them again.
    await client.stopped;
  }
}

async function readPassword(path: string): Promise<string> {
  const info = await Deno.stat(path);
  if (info.size > mqttLimits.passwordFileBytesMax) {
    throw new MqttError(
      `password file ${path} is larger than ${mqttLimits.passwordFileBytesMax} bytes`,
    );
  }
  return (await Deno.readTextFile(path)).split("\n")[0]!.replace(/\r$/, "");
}

/** The broker URL without a password in it. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}
