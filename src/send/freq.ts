/**
 * `ferry freq`: ask a neighbour to send one of the files it offers.
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import { freqPayload, freqPlain } from "../packet/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { type Queued, queuePacket } from "../node/send.ts";
import { safeRelativeParts } from "../toss/paths.ts";

/** What to request. */
export interface SendFreqRequest {
  to: Neighbour;
  /** Path in the neighbour's `freq.path`. */
  src: string;
  /** Name the file gets in our incoming folder. */
  dst: string;
  nice: number;
  replyNice: number;
  minSize?: number;
  via?: string[];
}

/** Queues one file request. */
export async function sendFreq(ctx: NodeContext, req: SendFreqRequest): Promise<Queued> {
  safeRelativeParts(req.src);
  safeRelativeParts(req.dst);
  const payload = freqPayload(req.dst);
  return await queuePacket(ctx, {
    to: req.to,
    nice: req.nice,
    plain: freqPlain(req.src, req.replyNice),
    payload,
    payloadBytes: payload.length,
    ...(req.minSize ? { minSize: req.minSize } : {}),
    ...(req.via ? { via: req.via } : {}),
  });
}
