/**
 * The shapes a session is run with and reports, shared by the session
 * engine, the call/daemon entry points and whoever shows progress, plus the
 * small interface the incoming and outgoing halves of a session use to log
 * and to queue replies.
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import type { NodeContext } from "../node/context.ts";
import type { SpoolStore } from "../store/mod.ts";
import type { SpPacket } from "./codec.ts";

/** Progress of a running session, for `ferry status` and progress bars. */
export interface SessionStatus {
  /** The neighbour's id (base32), or "unknown" before the handshake. */
  peer: string;
  direction: "call" | "answer";
  rxBytes: number;
  txBytes: number;
  /** Bytes per second over the last second or so. */
  rxRate: number;
  txRate: number;
  /** Seconds until what was requested both ways is moved, at the current rate. */
  etaSec?: number;
  /** "handshake", "online" or "finished". */
  state: string;
}

/** How a session ended. */
export interface SessionResult {
  /** The neighbour's id (base32), or "unknown" when the handshake failed. */
  peer: string;
  /** The handshake succeeded, nothing failed, and nothing requested was left half-moved. */
  ok: boolean;
  rxPackets: number;
  txPackets: number;
  /** Bytes on the wire. */
  rxBytes: number;
  txBytes: number;
  error?: string;
}

/** What one session needs. */
export interface SessionOptions {
  /** "call": we dial `node`; "answer": the peer dialled us. */
  direction: "call" | "answer";
  /** The neighbour we call (required for "call"). */
  node?: Neighbour;
  /** Only packets with niceness ≤ this go either way. */
  nice: number;
  rxOnly?: boolean;
  txOnly?: boolean;
  /** Overrides the neighbour's `onlinedeadline`. */
  onlineDeadlineSec?: number;
  /** Overrides the neighbour's `maxonlinetime` (0: none). */
  maxOnlineTimeSec?: number;
  /** Overrides the neighbour's `rxrate`: SP payloads per second taken in (0: no limit). */
  rxRate?: number;
  /** Overrides the neighbour's `txrate`: SP payloads per second sent (0: no limit). */
  txRate?: number;
  /** Only these packets are requested from the peer. */
  pkts?: string[];
  signal?: AbortSignal;
  onStatus?: (s: SessionStatus) => void;
  /** Called once the peer is known (after the handshake). */
  onPeer?: (node: Neighbour) => void;
}

/** A session that ends with this error is logged as refused (`sp-refused`), not as a failure. */
export class SpRefusedError extends Error {
  override name = "SpRefusedError";
}

/** Fields of an NNCP log record. */
export type RecFields = [string, string | number][];

/** What the two halves of a running session share. */
export interface SessionLink {
  readonly ctx: NodeContext;
  readonly store: SpoolStore;
  /** The neighbour, known once the handshake is done. */
  readonly peer: Neighbour;
  readonly nice: number;
  /** Queues an SP packet for the peer. */
  reply(p: SpPacket): void;
  /** Appends an NNCP log record (`Err` when `err` is given, then `Msg`). */
  record(who: string, fields: RecFields, msg: string, err?: string): Promise<void>;
}
