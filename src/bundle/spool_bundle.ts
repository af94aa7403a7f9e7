/**
 * Bundles to and from the spool (`ferry bundle`, like `nncp-bundle`):
 * writing a node's outbound packets as a tar stream, and taking the packets
 * addressed to us out of one, each verified against its id before it enters
 * `rx/`.
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import { encodeBase32 } from "../encoding/base32.ts";
import { freeBytes } from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import { Mth, PacketError, readPacketHeader } from "../packet/mod.ts";
import { encHeaderBytes } from "../spool/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { type BundleEntry, entryHeaders, entryPadding, readBundle } from "./codec.ts";
import { crashPoint } from "../fsutil/crash_point.ts";

/** Options of {@linkcode writeSpoolBundle}. */
export interface BundleTxOptions {
  nodes: Neighbour[];
  /** Remove each packet from the spool once it is written out. */
  delete: boolean;
  niceMax?: number;
}

/** Writes the outbound packets of `nodes` to `out`; returns how many. */
export async function writeSpoolBundle(
  ctx: NodeContext,
  out: WritableStreamDefaultWriter<Uint8Array>,
  options: BundleTxOptions,
): Promise<{ packets: number; bytes: number }> {
  let packets = 0;
  let bytes = 0;
  for (const node of options.nodes) {
    const lock = await ctx.spool.lock(node.idText, "tx");
    if (!lock) {
      ctx.log.warn("bundle-tx-busy", { node: node.name });
      continue;
    }
    try {
      for await (const e of ctx.spool.list(node.idText, "tx")) {
        if (options.niceMax !== undefined && e.nice > options.niceMax) continue;
        await out.write(entryHeaders(node.idText, ctx.self.idText, e.id, e.size));
        const file = await Deno.open(e.path, { read: true });
        let copied = 0;
        try {
          for await (const chunk of file.readable) {
            await out.write(chunk);
            copied += chunk.length;
          }
        } catch (err) {
          throw new Error(`cannot read ${e.path} while bundling: ${(err as Error).message}`);
        }
        if (copied !== e.size) throw new Error(`${e.path} changed size while bundling`);
        await out.write(entryPadding(e.size));
        packets++;
        bytes += e.size;
        if (options.delete) await ctx.spool.remove(node.idText, "tx", e.id);
        await ctx.record("bundle-tx", [["XX", "tx"], ["Node", node.idText], ["Pkt", e.id], [
          "Size",
          e.size,
        ], [
          "Msg",
          `Bundle transfer, sent to node ${node.name} ${e.id} (${humanBytes(e.size)})`,
        ]]);
      }
    } finally {
      lock.unlock();
    }
  }
  return { packets, bytes };
}

/** Options of {@linkcode readSpoolBundle}. */
export interface BundleRxOptions {
  /** Only packets from these senders (default: every known neighbour). */
  nodes?: Neighbour[];
  /** For packets we sent ourselves: check them against our tx copies and delete those (NNCP's self-check). */
  deleteOwn: boolean;
  /** Only check; write nothing to the spool. */
  dryRun: boolean;
  packetBytesMax: number;
}

/** What reading a bundle did. */
export interface BundleRxSummary {
  received: number;
  skipped: number;
  failed: number;
  ownDeleted: number;
  /** Well-formed packet entries in the stream (whatever became of them). */
  entries: number;
  /** Bytes read from the stream. */
  bytes: number;
}

/** Takes the packets for us out of a bundle stream. */
export async function readSpoolBundle(
  ctx: NodeContext,
  stream: ReadableStream<Uint8Array>,
  options: BundleRxOptions,
): Promise<BundleRxSummary> {
  const summary: BundleRxSummary = {
    received: 0,
    skipped: 0,
    failed: 0,
    ownDeleted: 0,
    entries: 0,
    bytes: 0,
  };
  const only = options.nodes ? new Set(options.nodes.map((n) => n.idText)) : null;
  const stats = await readBundle(stream, {
    packetBytesMax: options.packetBytesMax,
    onSkip: (s) => {
      summary.skipped++;
      ctx.log.warn("bundle-rx-skip", { offset: s.offset, reason: s.reason });
    },
  }, async (entry) => {
    const skip = (reason: string, level: "debug" | "info" | "warn" = "info") => {
      summary.skipped++;
      ctx.log[level]("bundle-rx-skip", { pkt: entry.id, reason });
    };
    if (entry.sender === ctx.self.idText && options.deleteOwn) {
      const hash = await hashStream(entry.body);
      if (hash !== entry.id) return skip("our own packet does not match its id", "warn");
      if (!options.dryRun && await ctx.spool.remove(entry.recipient, "tx", entry.id)) {
        summary.ownDeleted++;
      }
      return;
    }
    if (entry.recipient !== ctx.self.idText) return skip("addressed to another node", "debug");
    // The entry names the node that bundled the packet; a relayed packet's header names
    // its originator, whose key signs it and whose rx folder it goes to (as nncp-bundle does).
    const reader = entry.body.getReader();
    try {
      await receiveEntry(ctx, entry, reader, options, summary, only, skip);
    } finally {
      reader.releaseLock();
    }
  });
  summary.entries = stats.entries;
  summary.bytes = stats.bytes;
  return summary;
}

async function receiveEntry(
  ctx: NodeContext,
  entry: BundleEntry,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  options: BundleRxOptions,
  summary: BundleRxSummary,
  only: Set<string> | null,
  skip: (reason: string, level?: "debug" | "info" | "warn") => void,
): Promise<void> {
  const fail = (reason: string, event = "bundle-rx-bad") => {
    summary.failed++;
    ctx.log.error(event, { pkt: entry.id, reason });
  };
  let first: { head: Uint8Array; chunks: Uint8Array[] };
  let sender;
  try {
    first = await readHead(reader);
    const { header } = await readPacketHeader(first.head, {
      selfId: ctx.self.id,
      senders: ctx.senders,
    });
    sender = ctx.config.neighById.get(encodeBase32(header.sender))!;
  } catch (err) {
    if (err instanceof PacketError) {
      return skip(`not a valid packet for us: ${err.message}`, "warn");
    }
    return fail((err as Error).message);
  }
  if (only && !only.has(sender.idText)) return skip("sender not requested", "debug");
  if (await ctx.spool.isSeen(sender.idText, entry.id)) return skip("tossed before");
  if (await ctx.spool.has(sender.idText, "rx", entry.id)) return skip("already in the spool");
  if ((await freeBytes(ctx.spool.root)) < entry.size + 16 * 1024 * 1024) {
    return fail(
      `not enough space in the spool for ${humanBytes(entry.size)}`,
      "bundle-rx-no-space",
    );
  }
  await ctx.spool.ensure(sender.idText, "rx");
  const tmp = await ctx.spool.tempPath("bundle");
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o644 });
  const mth = await Mth.create();
  const put = async (chunk: Uint8Array) => {
    mth.update(chunk);
    let off = 0;
    while (off < chunk.length) off += await file.write(chunk.subarray(off));
  };
  try {
    for (const chunk of first.chunks) await put(chunk);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      await put(value);
    }
    await file.sync();
    file.close();
    const id = encodeBase32(mth.digest());
    if (id !== entry.id) throw new RangeError(`its bytes hash to ${id}, not to its name`);
    if (options.dryRun) {
      await Deno.remove(tmp);
    } else {
      await ctx.spool.commit(tmp, sender.idText, "rx", entry.id, first.head);
      crashPoint("bundle-rx.committed");
      await ctx.record("bundle-rx", [["XX", "rx"], ["Node", sender.idText], ["Pkt", entry.id], [
        "Size",
        entry.size,
      ], [
        "Msg",
        `Bundle transfer, received from ${sender.name} ${entry.id} (${humanBytes(entry.size)})`,
      ]]);
    }
    summary.received++;
  } catch (err) {
    try {
      file.close();
    } catch { /* closed */ }
    await Deno.remove(tmp).catch(() => {});
    fail(err instanceof PacketError ? `${err.code}: ${err.message}` : (err as Error).message);
  }
}

/** Reads at least the 172 header bytes of a packet body; returns them and the chunks read. */
async function readHead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<{ head: Uint8Array; chunks: Uint8Array[] }> {
  const head = new Uint8Array(encHeaderBytes);
  const chunks: Uint8Array[] = [];
  let got = 0;
  while (got < head.length) {
    const { value, done } = await reader.read();
    if (done) break;
    head.set(value.subarray(0, head.length - got), got);
    got += value.length;
    chunks.push(value);
  }
  return { head: head.subarray(0, Math.min(got, head.length)), chunks };
}

async function hashStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const mth = await Mth.create();
  for await (const chunk of stream) mth.update(chunk);
  return encodeBase32(mth.digest());
}
