/**
 * `ferry file`: queue a file (or standard input) for a neighbour, whole or
 * in chunks (NNCP's `.nncp.meta` + `.nncp.chunkN` files).
 * @module
 */

import { countedSource, createProgress } from "../progress/progress.ts";
import type { Neighbour } from "../config/mod.ts";
import { basename } from "../fsutil/mod.ts";
import {
  type ByteSource,
  encodeChunkedMeta,
  filePlain,
  Mth,
  type PacketPeer,
} from "../packet/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { type Queued, queuePacket } from "../node/send.ts";
import { safeRelativeParts } from "../toss/paths.ts";

/** What to send. */
export interface SendFileRequest {
  /** A file path, or "-" for standard input. */
  src: string;
  to: Neighbour;
  /** Name at the recipient (relative); default: the source's file name. */
  dst?: string;
  nice: number;
  minSize?: number;
  via?: string[];
  /** Split into chunks of this many bytes (0 or absent: whole). */
  chunkBytes?: number;
  /**
   * Without `chunkBytes`: a file bigger than this many bytes is split into
   * chunks of this size (`ferry.send.chunk-over`).
   */
  chunkOverBytes?: number;
  /** Refuse sources larger than this many bytes. */
  fileBytesMax?: number;
  /** Send to this area (its id and `pub`) instead: `to` is then this node itself. */
  area?: PacketPeer;
  /** Standard input to read for "-" (tests inject it). */
  stdin?: ByteSource;
}

/** What was queued, one entry per packet. */
export interface SentFile {
  dst: string;
  /** Chunk size used when the file was split because of `chunkOverBytes`. */
  autoChunkBytes?: number;
  packets: (Queued & { name: string })[];
}

/** A byte source over `[start, start + length)` of an open file that also feeds `mth`. */
function rangeSource(file: Deno.FsFile, length: number, mth: Mth | null): ByteSource {
  let left = length;
  return {
    async read(into) {
      if (left === 0) return null;
      const n = await file.read(into.subarray(0, Math.min(into.length, left)));
      if (n === null) {
        throw new Error(`the file ended ${left} bytes early: was it truncated while sending?`);
      }
      left -= n;
      mth?.update(into.subarray(0, n));
      return n;
    },
  };
}

/** Queues a file; returns the packets made (one, or the chunks and then the meta). */
export async function sendFile(ctx: NodeContext, req: SendFileRequest): Promise<SentFile> {
  const dst = req.dst ?? (req.src === "-" ? undefined : basename(req.src));
  if (dst === undefined) {
    throw new RangeError("a destination name is needed when sending standard input: NODE:NAME");
  }
  safeRelativeParts(dst);
  const base = {
    to: req.to,
    nice: req.nice,
    ...(req.minSize ? { minSize: req.minSize } : {}),
    ...(req.via ? { via: req.via } : {}),
    ...(req.area ? { area: req.area } : {}),
  };
  if (req.src === "-") {
    if (req.chunkBytes) throw new RangeError("--chunked needs a file, not standard input");
    const q = await queuePacket(ctx, {
      ...base,
      plain: filePlain(dst, req.nice),
      payload: req.stdin ?? Deno.stdin,
      ...(req.fileBytesMax ? { payloadBytesMax: req.fileBytesMax } : {}),
    });
    return { dst, packets: [{ ...q, name: dst }] };
  }
  const info = await Deno.stat(req.src);
  if (info.isDirectory) {
    throw new RangeError(
      `${req.src} is a folder: send an archive instead, e.g. tar -c ${req.src} | ferry file - NODE:${dst}.tar`,
    );
  }
  if (!info.isFile) throw new RangeError(`${req.src} is not a regular file`);
  if (req.fileBytesMax && info.size > req.fileBytesMax) {
    throw new RangeError(
      `${req.src} has ${info.size} bytes, more than the limit of ${req.fileBytesMax}`,
    );
  }
  const file = await Deno.open(req.src, { read: true });
  const progress = createProgress(`file ${dst}`, info.size);
  try {
    let chunk = req.chunkBytes ?? 0;
    const auto = chunk === 0 && req.chunkOverBytes !== undefined && info.size > req.chunkOverBytes;
    if (auto) chunk = req.chunkOverBytes!;
    if (chunk === 0 || info.size <= chunk) {
      const q = await queuePacket(ctx, {
        ...base,
        plain: filePlain(dst, req.nice),
        payload: countedSource(rangeSource(file, info.size, null), progress),
        payloadBytes: info.size,
      });
      return { dst, packets: [{ ...q, name: dst }] };
    }
    const packets: SentFile["packets"] = [];
    const checksums: Uint8Array[] = [];
    for (let i = 0, off = 0; off < info.size; i++, off += chunk) {
      const length = Math.min(chunk, info.size - off);
      const mth = await Mth.create();
      const name = `${dst}.nncp.chunk${i}`;
      const q = await queuePacket(ctx, {
        ...base,
        plain: filePlain(name, req.nice),
        payload: countedSource(rangeSource(file, length, mth), progress),
        payloadBytes: length,
      });
      checksums.push(mth.digest());
      packets.push({ ...q, name });
    }
    const meta = encodeChunkedMeta({ fileSize: info.size, chunkSize: chunk, checksums });
    const name = `${dst}.nncp.meta`;
    const q = await queuePacket(ctx, {
      ...base,
      plain: filePlain(name, req.nice),
      payload: meta,
      payloadBytes: meta.length,
    });
    packets.push({ ...q, name });
    return { dst, packets, ...(auto ? { autoChunkBytes: chunk } : {}) };
  } finally {
    progress.done();
    file.close();
  }
}
