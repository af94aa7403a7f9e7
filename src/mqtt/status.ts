/**
 * What an MQTT run reports for `ferry status`: written as JSON to
 * `SPOOL/.ferry/mqtt-status.json` (atomically) on every change of the
 * connection and every few seconds while connected, by the agent and by
 * `ferry mqtt` alike.
 * @module
 */

import { writeFileAtomic } from "../fsutil/mod.ts";

/** One peer as seen through the broker. */
export interface MqttPeerState {
  node: string;
  id: string;
  /** From the peer's retained presence message and last will. */
  presence: "online" | "offline" | "unknown";
  toSendPackets: number;
  toSendBytes: number;
  /** Bytes of packets in progress from this peer that have not arrived yet. */
  toReceiveBytes: number;
  /** Packets acknowledged by the peer since start. */
  sent: number;
}

/** The broker connection. */
export interface MqttStatus {
  pid: number;
  /** Broker URL (without a password). */
  broker: string;
  state: "connecting" | "connected" | "retrying" | "stopped";
  since: string;
  updatedAt: string;
  lastError?: string;
  peers: MqttPeerState[];
}

/** Where the MQTT status lives in a spool. */
export function mqttStatusPath(spool: string): string {
  return `${spool}/.ferry/mqtt-status.json`;
}

/** Writes the status file. */
export async function writeMqttStatus(spool: string, status: MqttStatus): Promise<void> {
  status.updatedAt = new Date().toISOString();
  await Deno.mkdir(`${spool}/.ferry`, { recursive: true });
  await writeFileAtomic(
    mqttStatusPath(spool),
    new TextEncoder().encode(JSON.stringify(status, null, 2) + "\n"),
  );
}

/** Reads the status file; null when there is none or it does not parse. */
export async function readMqttStatus(spool: string): Promise<MqttStatus | null> {
  try {
    return JSON.parse(await Deno.readTextFile(mqttStatusPath(spool))) as MqttStatus;
  } catch {
    return null;
  }
}
