/**
 * `ferry ack`: acknowledge packets received from a neighbour, so it can drop
 * the copies it kept (NNCP's `nncp-ack`).
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import { decodeBase32 } from "../encoding/base32.ts";
import { ackPlain } from "../packet/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { type Queued, queuePacket } from "../node/send.ts";

/** Queues an acknowledgement of packet `packetId` (base32) for `to`. */
export async function sendAck(
  ctx: NodeContext,
  to: Neighbour,
  packetId: string,
  nice: number,
  minSize?: number,
): Promise<Queued> {
  return await queuePacket(ctx, {
    to,
    nice,
    plain: ackPlain(decodeBase32(packetId), nice),
    payload: new Uint8Array(0),
    payloadBytes: 0,
    ...(minSize ? { minSize } : {}),
  });
}

/** The ids of the packets from `from` waiting in our rx queue (what `nncp-ack -node` acknowledges). */
export async function receivedIds(ctx: NodeContext, from: Neighbour): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of ctx.spool.list(from.idText, "rx")) ids.push(e.id);
  return ids.sort();
}
