/**
 * `ferry exec`: queue a command for a neighbour's exec handler, with the
 * body (standard input) zstd-compressed like `nncp-exec`, or plain
 * (exec-fat) with `--nocompress`.
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import { type ByteInput, execPlain, type PacketPeer, zstdCompressSource } from "../packet/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { type Queued, queuePacket } from "../node/send.ts";

/** What to send. */
export interface SendExecRequest {
  to: Neighbour;
  handle: string;
  args: string[];
  body: ByteInput;
  nice: number;
  /** Niceness the remote side uses for replies (NNCP_NICE). */
  replyNice: number;
  compress: boolean;
  minSize?: number;
  via?: string[];
  bodyBytesMax?: number;
  /** Send to this area (its id and `pub`) instead: `to` is then this node itself. */
  area?: PacketPeer;
}

/** Queues one exec packet. */
export async function sendExec(ctx: NodeContext, req: SendExecRequest): Promise<Queued> {
  const plain = execPlain(req.handle, req.args, req.replyNice, { compressed: req.compress });
  return await queuePacket(ctx, {
    to: req.to,
    nice: req.nice,
    plain,
    payload: req.compress ? zstdCompressSource(req.body) : req.body,
    ...(req.minSize ? { minSize: req.minSize } : {}),
    ...(req.via ? { via: req.via } : {}),
    ...(req.bodyBytesMax ? { payloadBytesMax: req.bodyBytesMax } : {}),
    ...(req.area ? { area: req.area } : {}),
  });
}
