/**
 * Queuing outbound packets: encrypt into the spool's `tmp/` (streaming, the
 * id computed on the way), fsync, and rename into `SPOOL/<first hop>/tx/<id>`
 * with its `hdr/` file. Nothing appears in `tx/` unless it is complete.
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import { freeBytes } from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import {
  type ByteInput,
  encryptPacket,
  type PacketPeer,
  padBytesFor,
  type PlainHeader,
} from "../packet/mod.ts";
import { encodeBase32 } from "../encoding/base32.ts";
import { areaSeenPath, markAreaSeen } from "./area_seen.ts";
import { type NodeContext, peerOf, routeTo } from "./context.ts";

/** Bytes every packet layer adds: header, plain header, size block, tag. */
export const packetOverheadBytes = 172 + 276 + 16 + 16;
/** Free space to leave on the spool's filesystem after queuing a packet. */
export const spoolReserveBytes = 16 * 1024 * 1024;

/** Raised when the spool's filesystem lacks room for a packet. */
export class NoSpaceError extends Error {
  override name = "NoSpaceError";
}

/** What to queue. */
export interface QueueRequest {
  to: Neighbour;
  plain: PlainHeader;
  payload: ByteInput;
  nice: number;
  /** Payload bytes when known (for the free-space check). */
  payloadBytes?: number;
  minSize?: number;
  /** Relay names overriding `neigh.NODE.via`. */
  via?: string[];
  /** Send inside an area packet to this area. */
  area?: PacketPeer;
  payloadBytesMax?: number;
}

/** What was queued. */
export interface Queued {
  id: string;
  size: number;
  payloadBytes: number;
  /** The neighbour whose `tx/` holds the packet. */
  hop: Neighbour;
  /** For area messages: the message hash (its identity in the area). */
  areaMsgHash?: string;
}

/** Estimated size of the packet that leaves this node. */
export function estimatePacketBytes(payloadBytes: number, minSize: number, hops: number): number {
  const plain = payloadBytes + 276;
  const sealed = (bytes: number) => 172 + bytes + 16 + Math.ceil((bytes + 16) / (128 * 1024)) * 16;
  let size = sealed(plain + padBytesFor(plain, minSize, hops));
  for (let i = 1; i < hops; i++) size = sealed(size + 276);
  return size;
}

/** Encrypts and queues one packet for `request.to`. */
export async function queuePacket(ctx: NodeContext, request: QueueRequest): Promise<Queued> {
  const { firstHop, via } = routeTo(ctx, request.to, request.via);
  await ctx.spool.ensure(firstHop.idText, "tx");
  if (request.payloadBytes !== undefined) {
    const need = estimatePacketBytes(request.payloadBytes, request.minSize ?? 0, via.length + 1);
    const free = await freeBytes(ctx.spool.root);
    if (free < need + spoolReserveBytes) {
      throw new NoSpaceError(
        `not enough space in the spool ${ctx.spool.root}: the packet needs ${humanBytes(need)}, ` +
          `${humanBytes(free)} is free (${humanBytes(spoolReserveBytes)} is kept in reserve)`,
      );
    }
  }
  const tmp = await ctx.spool.tempPath("tx");
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o644 });
  let result;
  try {
    result = await encryptPacket({
      sender: { id: ctx.self.id, signPrv: ctx.self.signPrv },
      recipient: peerOf(request.to),
      via: via.map(peerOf),
      ...(request.area ? { area: request.area } : {}),
      nice: request.nice,
      plain: request.plain,
      payload: request.payload,
      ...(request.minSize ? { minSize: request.minSize } : {}),
      ...(request.payloadBytesMax ? { payloadBytesMax: request.payloadBytesMax } : {}),
    }, file);
    await file.sync();
  } catch (err) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  file.close();
  try {
    if (request.area && result.areaMsgHash) {
      // The sender has its own message (marked before it can be tossed):
      // toss fans it out to the subscribers and never delivers it here.
      const area = encodeBase32(request.area.id);
      await markAreaSeen(areaSeenPath(ctx.spool.root, ctx.self.idText, area, result.areaMsgHash));
    }
    await ctx.spool.commit(tmp, firstHop.idText, "tx", result.id, result.header.raw);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  await ctx.spool.linkName(firstHop.idText, firstHop.name);
  const queued: Queued = {
    id: result.id,
    size: result.size,
    payloadBytes: result.payloadBytes,
    hop: firstHop,
  };
  if (result.areaMsgHash) queued.areaMsgHash = result.areaMsgHash;
  return queued;
}
