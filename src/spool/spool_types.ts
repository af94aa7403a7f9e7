/**
 * The shapes the spool deals in: queue directions, lock kinds, entries and
 * the problems a listing reports.
 * @module
 */

import type { SpoolHeader } from "./header.ts";

/** Inbound or outbound. */
export type Xx = "rx" | "tx";
/** What a lock protects. */
export type LockKind = "rx" | "tx" | "toss";

const ID_RE = /^[A-Z2-7]{52}$/;

/** True for a base32 packet or node id. */
export function isId(name: string): boolean {
  return ID_RE.test(name);
}

/** One packet in a spool queue. */
export interface SpoolEntry extends SpoolHeader {
  id: string;
  path: string;
  size: number;
  mtimeMs: number;
}

/** A file in a queue folder that is not a usable packet. */
export interface SpoolProblem {
  path: string;
  reason: string;
}

/** Options for a {@linkcode Spool}. */
export interface SpoolOptions {
  /** Do not keep `hdr/` files (NNCP's `nohdr`). */
  noHdr?: boolean;
}
