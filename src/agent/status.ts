/**
 * What the agent reports about itself for `ferry status`: written as JSON to
 * `SPOOL/.ferry/agent-status.json` (atomically) every few seconds and after
 * every event, and read back by `ferry status`.
 * @module
 */

import { writeFileAtomic } from "../fsutil/mod.ts";
import type { MediaState } from "../media/mod.ts";

/** The state of one configured link. */
export interface LinkState {
  node: string;
  state: "starting" | "connected" | "waiting-window" | "retrying" | "stopped";
  since: string;
  /** While waiting for a radio window: when it opens. */
  opensAt?: string;
  lastError?: string;
  budgetLeftSec?: number | null;
  queuePackets?: number;
  queueBytes?: number;
  queueEmptyAt?: string;
  lastSession?: { endedAt: string; reason: string; sent: number; received: number };
}

/** One online session (a call we placed, or one the daemon answered). */
export interface SessionState {
  /** Distinguishes sessions in one status file. */
  id: number;
  /** Neighbour name (or id when unknown). */
  peer: string;
  direction: "call" | "answer";
  /** What the engine reports: handshake, exchanging, done… */
  state: string;
  since: string;
  updatedAt?: string;
  rxBytes: number;
  txBytes: number;
  /** Bytes per second. */
  rxRate: number;
  txRate: number;
  /** Seconds until what is known to be sent and received is done. */
  etaSec?: number;
}

/** One scheduled call (an entry of a neighbour's `calls`). */
export interface CallState {
  node: string;
  call: number;
  cron: string;
  /** When it fires next; null when the expression never fires again. */
  nextAt?: string | null;
  last?: { at: string; ok: boolean; rxPackets: number; txPackets: number; error?: string };
}

/** The whole agent status. */
export interface AgentStatus {
  pid: number;
  /** `stopped` once the agent has finished cleanly (a killed agent stays `running` here). */
  state: "running" | "stopping" | "stopped";
  startedAt: string;
  updatedAt: string;
  toss: {
    lastRun?: string;
    tossed: number;
    failed: number;
    duplicates: number;
    lastFailedAt?: string;
  };
  links: LinkState[];
  media: MediaState;
  queues: QueueState[];
  /** Online sessions, current and recent. */
  sessions?: SessionState[];
  calls?: CallState[];
  /** Addresses learnt from LAN announcements, by neighbour name. */
  discovered?: Record<string, string[]>;
}

/** The state of one processed queue. */
export interface QueueState {
  dir: string;
  lastRun?: string;
  /** Job runs attempted since the agent started (a retried job counts each time). */
  ran: number;
  /** Jobs that ran and succeeded since the agent started. */
  done?: number;
  /** Job runs that failed since the agent started. */
  failed?: number;
  nextSeq: string | null;
  /** The sequence number the queue waits for (a gap), or null. */
  waitingFor: string | null;
  failure: string | null;
}

/** Where the agent status lives in a spool. */
export function agentStatusPath(spool: string): string {
  return `${spool}/.ferry/agent-status.json`;
}

/** Writes the status file. */
export async function writeAgentStatus(spool: string, status: AgentStatus): Promise<void> {
  status.updatedAt = new Date().toISOString();
  await Deno.mkdir(`${spool}/.ferry`, { recursive: true });
  await writeFileAtomic(
    agentStatusPath(spool),
    new TextEncoder().encode(JSON.stringify(status, null, 2) + "\n"),
  );
}

/** Reads the status file; null when there is none or it does not parse. */
export async function readAgentStatus(spool: string): Promise<AgentStatus | null> {
  try {
    return JSON.parse(await Deno.readTextFile(agentStatusPath(spool))) as AgentStatus;
  } catch {
    return null;
  }
}
