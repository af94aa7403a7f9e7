/**
 * `ferry xfer`: exchange packets with a folder in NNCP's media layout,
 * `DIR/<recipient id>/<sender id>/<packet id>`, like `nncp-xfer`.
 *
 * Receiving checks every file before it enters the spool: a regular file
 * (never a symlink) named like a packet, from a known neighbour, for us,
 * with a valid signature, within the size limit, and whose bytes hash to its
 * name. Anything else is skipped with a log line and left where it is.
 * Sending writes each packet under a temporary name, fsyncs it, renames it,
 * fsyncs the folder, reads it back and checks its id, and only then removes
 * it from the spool (unless `keep`).
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import { commitRename, freeBytes, fsyncDir, isNotFound, tempName } from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import { PacketError, readPacketHeader } from "../packet/mod.ts";
import { createProgress } from "../progress/progress.ts";
import { isId, type SpoolEntry, sweepStaleTemps } from "../spool/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { sweepSpoolTemps } from "../node/sweep.ts";
import { copyWithId, filesEqual, idOfFile } from "./copy.ts";

/** Limits on what a medium may hold; everything on it is hostile input. */
export interface XferLimits {
  /** Packets larger than this are skipped. */
  packetBytesMax: number;
  /** Folder entries looked at per folder before giving up on the rest. */
  entriesMax: number;
  /** Largest file the medium can hold (FAT32: 4 GiB - 1). */
  mediumFileBytesMax: number;
}

/** Defaults: 64 GiB packets, 100,000 entries per folder, no file size limit. */
export const XFER_DEFAULTS: XferLimits = {
  packetBytesMax: 64 * 2 ** 30,
  entriesMax: 100_000,
  mediumFileBytesMax: Number.MAX_SAFE_INTEGER,
};

/** FAT32's largest file. */
export const fat32FileBytesMax = 2 ** 32 - 1;

/** Options of an xfer run. */
export interface XferOptions {
  rx: boolean;
  tx: boolean;
  /** Create `DIR/<node>` folders for neighbours that have none. */
  mkdir: boolean;
  /** Keep copied packets at their source (medium on rx, spool on tx). */
  keep: boolean;
  /** Only these neighbours. */
  nodes?: Neighbour[];
  /** Only packets at most this nice. */
  niceMax?: number;
  /** Free space to leave on the medium. */
  mediumReserveBytes?: number;
  limits?: Partial<XferLimits>;
  signal?: AbortSignal;
  /** Draw progress bars (default: when standard error is a terminal). */
  progress?: boolean;
}

/** What an xfer run did. */
export interface XferSummary {
  received: number;
  receivedBytes: number;
  sent: number;
  sentBytes: number;
  /** Files left alone (not packets, for others, seen, too big, no room...). */
  skipped: number;
  /** Copies that failed (bad id, read error); the source is untouched. */
  failed: number;
  /** Packets not sent for lack of room on the medium. */
  noRoom: number;
}

function emptySummary(): XferSummary {
  return { received: 0, receivedBytes: 0, sent: 0, sentBytes: 0, skipped: 0, failed: 0, noRoom: 0 };
}

async function* boundedDir(
  dir: string,
  max: number,
  onOverflow: () => void,
): AsyncGenerator<Deno.DirEntry> {
  let n = 0;
  for await (const e of Deno.readDir(dir)) {
    if (++n > max) {
      onOverflow();
      return;
    }
    yield e;
  }
}

/** Runs one exchange with the folder `dir`. */
export async function xfer(
  ctx: NodeContext,
  dir: string,
  options: XferOptions,
): Promise<XferSummary> {
  const limits: XferLimits = { ...XFER_DEFAULTS, ...options.limits };
  const summary = emptySummary();
  const info = await Deno.stat(dir);
  if (!info.isDirectory) throw new RangeError(`${dir} is not a folder`);
  await sweepSpoolTemps(ctx);
  if (options.rx) await receive(ctx, dir, options, limits, summary);
  if (options.tx) await send(ctx, dir, options, limits, summary);
  return summary;
}

async function receive(
  ctx: NodeContext,
  dir: string,
  options: XferOptions,
  limits: XferLimits,
  summary: XferSummary,
) {
  const selfDir = `${dir}/${ctx.self.idText}`;
  const st = await Deno.lstat(selfDir).catch((err) => {
    if (isNotFound(err)) return null;
    throw err;
  });
  if (!st) return;
  if (!st.isDirectory) {
    ctx.log.warn("xfer-rx-skip", {
      path: selfDir,
      reason: "not a real folder (a symlink or file)",
    });
    summary.skipped++;
    return;
  }
  const only = options.nodes ? new Set(options.nodes.map((n) => n.idText)) : null;
  try {
    await receiveSenders(ctx, selfDir, only, options, limits, summary);
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    ctx.log.error("xfer-rx-read", { dir: selfDir, error: (err as Error).message });
    summary.failed++;
  }
}

async function receiveSenders(
  ctx: NodeContext,
  selfDir: string,
  only: Set<string> | null,
  options: XferOptions,
  limits: XferLimits,
  summary: XferSummary,
) {
  for await (
    const senderEntry of boundedDir(
      selfDir,
      limits.entriesMax,
      () => ctx.log.warn("xfer-rx-too-many", { dir: selfDir, max: limits.entriesMax }),
    )
  ) {
    options.signal?.throwIfAborted();
    const senderDir = `${selfDir}/${senderEntry.name}`;
    const sender = ctx.config.neighById.get(senderEntry.name);
    if (!senderEntry.isDirectory || senderEntry.isSymlink || !sender) {
      // Hidden entries are other tools' business (sync clients' temp files); packets for us
      // from a node we do not know, or a folder replaced by something else, are worth a warning.
      const idLike = isId(senderEntry.name);
      const level = senderEntry.name.startsWith(".") ? "debug" : idLike ? "warn" : "info";
      ctx.log[level]("xfer-rx-skip", {
        path: senderDir,
        reason: sender
          ? "not a real folder (a symlink or file)"
          : idLike
          ? "from a node that is not in the configuration (add it to neigh to accept its packets)"
          : "not a node id; left alone",
      });
      summary.skipped++;
      continue;
    }
    if (only && !only.has(sender.idText)) continue;
    try {
      for await (
        const e of boundedDir(
          senderDir,
          limits.entriesMax,
          () => ctx.log.warn("xfer-rx-too-many", { dir: senderDir, max: limits.entriesMax }),
        )
      ) {
        options.signal?.throwIfAborted();
        await receiveOne(ctx, sender, senderDir, e, options, limits, summary);
      }
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      ctx.log.error("xfer-rx-read", { dir: senderDir, error: (err as Error).message });
      summary.failed++;
    }
  }
}

async function receiveOne(
  ctx: NodeContext,
  sender: Neighbour,
  senderDir: string,
  e: Deno.DirEntry,
  options: XferOptions,
  limits: XferLimits,
  summary: XferSummary,
) {
  const path = `${senderDir}/${e.name}`;
  const skip = (reason: string, level: "debug" | "info" | "warn" = "warn") => {
    ctx.log[level]("xfer-rx-skip", { file: path, reason });
    summary.skipped++;
  };
  if (!isId(e.name)) {
    return skip("not a packet name; left alone", e.name.startsWith(".") ? "debug" : "info");
  }
  if (!e.isFile || e.isSymlink) return skip("not a regular file");
  const removeSource = async () => {
    if (!options.keep) {
      await Deno.remove(path).catch((err) =>
        ctx.log.warn("xfer-rx-remove", { file: path, error: err.message })
      );
    }
  };
  if (await ctx.spool.isSeen(sender.idText, e.name)) {
    ctx.log.info("xfer-rx-seen", { file: path, reason: "tossed before" });
    summary.skipped++;
    return await removeSource();
  }
  if (await ctx.spool.has(sender.idText, "rx", e.name)) {
    ctx.log.info("xfer-rx-have", { file: path, reason: "already in the spool" });
    summary.skipped++;
    return await removeSource();
  }
  let size: number;
  let header;
  try {
    const info = await Deno.lstat(path);
    size = info.size;
    if (size > limits.packetBytesMax) {
      return skip(
        `${humanBytes(size)} is over the ${humanBytes(limits.packetBytesMax)} packet limit`,
      );
    }
    const file = await Deno.open(path, { read: true });
    try {
      header = (await readPacketHeader(file, { selfId: ctx.self.id, senders: ctx.senders })).header;
    } finally {
      file.close();
    }
  } catch (err) {
    if (err instanceof PacketError) return skip(`not a valid packet for us: ${err.message}`);
    ctx.log.error("xfer-rx-read", { file: path, error: (err as Error).message });
    summary.failed++;
    return;
  }
  // The folder names the node that wrote the packet to the medium; the header names
  // its originator, which differs for relayed packets (checked against its key above).
  if (options.niceMax !== undefined && header.nice > options.niceMax) {
    return skip("too nice", "debug");
  }
  const free = await freeBytes(ctx.spool.root);
  if (free < size + 16 * 1024 * 1024) {
    ctx.log.error("xfer-rx-no-space", { file: path, size, free });
    summary.failed++;
    return;
  }
  await ctx.spool.ensure(sender.idText, "rx");
  const tmp = await ctx.spool.tempPath("xfer");
  const progress = createProgress(
    `rx ${e.name.slice(0, 16)}`,
    size,
    options.progress === undefined ? {} : { enabled: options.progress },
  );
  try {
    const copied = await copyWithId(path, tmp, {
      expectBytes: size,
      progress,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    progress.done();
    if (copied.id !== e.name) {
      await Deno.remove(tmp).catch(() => {});
      ctx.log.error("xfer-rx-bad-id", {
        file: path,
        computed: copied.id,
        reason: "bytes do not match the name (still being written, or damaged)",
      });
      summary.failed++;
      return;
    }
    await ctx.spool.commit(tmp, sender.idText, "rx", e.name, header.raw);
    summary.received++;
    summary.receivedBytes += copied.bytes;
    ctx.log.info("xfer-rx", { from: sender.name, pkt: e.name, size: copied.bytes });
    await ctx.record("xfer-rx", [["XX", "rx"], ["Node", sender.idText], ["Pkt", e.name], [
      "Size",
      copied.bytes,
    ], [
      "Msg",
      `Packet transfer, received from ${sender.name}: ${path} (${humanBytes(copied.bytes)})`,
    ]]);
    await removeSource();
  } catch (err) {
    progress.done();
    await Deno.remove(tmp).catch(() => {});
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    ctx.log.error("xfer-rx-copy", { file: path, error: (err as Error).message });
    summary.failed++;
  }
}

async function send(
  ctx: NodeContext,
  dir: string,
  options: XferOptions,
  limits: XferLimits,
  summary: XferSummary,
) {
  const nodes = options.nodes ?? [...ctx.config.neigh.values()].filter((n) => n.name !== "self");
  for (const node of nodes) {
    options.signal?.throwIfAborted();
    const lock = await ctx.spool.lock(node.idText, "tx");
    if (!lock) {
      ctx.log.warn("xfer-tx-busy", {
        node: node.name,
        reason: "another process is sending to this node",
      });
      continue;
    }
    try {
      await sendNode(ctx, dir, node, options, limits, summary);
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      ctx.log.error("xfer-tx-node", {
        node: node.name,
        error: (err as Error).message,
        reason: "nothing more is sent to this node in this run; the packets stay in the spool",
      });
      summary.failed++;
    } finally {
      lock.unlock();
    }
  }
}

async function ensureRealDir(path: string, create: boolean): Promise<boolean> {
  const st = await Deno.lstat(path).catch((err) => {
    if (isNotFound(err)) return null;
    throw err;
  });
  if (st) {
    if (!st.isDirectory) throw new RangeError(`${path} is not a real folder (a symlink or file)`);
    return true;
  }
  if (!create) return false;
  await Deno.mkdir(path);
  await fsyncDir(path.slice(0, path.lastIndexOf("/")));
  return true;
}

async function sendNode(
  ctx: NodeContext,
  dir: string,
  node: Neighbour,
  options: XferOptions,
  limits: XferLimits,
  summary: XferSummary,
) {
  const nodeDir = `${dir}/${node.idText}`;
  if (!(await ensureRealDir(nodeDir, options.mkdir))) return;
  const dstDir = `${nodeDir}/${ctx.self.idText}`;
  await ensureRealDir(dstDir, true);
  const stale = await sweepStaleTemps(dstDir);
  if (stale.length > 0) {
    ctx.log.info("xfer-tx-temp-removed", {
      node: node.name,
      files: stale.length,
      reason: "half-written copies left on the medium by an interrupted run",
    });
  }
  const entries: SpoolEntry[] = [];
  for await (const e of ctx.spool.list(node.idText, "tx")) {
    if (options.niceMax === undefined || e.nice <= options.niceMax) entries.push(e);
  }
  entries.sort((a, b) => a.nice - b.nice || a.mtimeMs - b.mtimeMs);
  const reserve = options.mediumReserveBytes ?? 1024 * 1024;
  for (const e of entries) {
    options.signal?.throwIfAborted();
    const final = `${dstDir}/${e.id}`;
    if (await Deno.lstat(final).then(() => true, () => false)) {
      if (await alreadyOnMedium(ctx, node, e, final, options, summary)) continue;
    }
    if (e.size > limits.mediumFileBytesMax) {
      ctx.log.warn("xfer-tx-too-big-for-medium", {
        node: node.name,
        pkt: e.id,
        size: e.size,
        reason: `the medium holds files of at most ${
          humanBytes(limits.mediumFileBytesMax)
        } (FAT32); send big files with --chunked or use an ext4/exFAT stick`,
      });
      summary.noRoom++;
      continue;
    }
    if ((await freeBytes(dstDir)) < e.size + reserve) {
      ctx.log.warn("xfer-tx-no-room", {
        node: node.name,
        pkt: e.id,
        size: e.size,
        reason: "the medium is full",
      });
      summary.noRoom++;
      continue;
    }
    const tmp = tempName(dstDir, e.id);
    const progress = createProgress(
      `tx ${e.id.slice(0, 16)}`,
      e.size,
      options.progress === undefined ? {} : { enabled: options.progress },
    );
    try {
      const copied = await copyWithId(e.path, tmp, {
        expectBytes: e.size,
        progress,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      progress.done();
      if (copied.id !== e.id) {
        await Deno.remove(tmp).catch(() => {});
        ctx.log.error("xfer-tx-bad-id", {
          node: node.name,
          pkt: e.id,
          reason: "the spool copy is damaged; run ferry check",
        });
        summary.failed++;
        continue;
      }
      await commitRename(tmp, final);
      // Read back against the spool copy, whose bytes just hashed to its id.
      if (!(await filesEqual(final, e.path, options.signal))) {
        await Deno.remove(final).catch(() => {});
        ctx.log.error("xfer-tx-readback", {
          node: node.name,
          pkt: e.id,
          reason: "the copy on the medium reads back wrong; the medium may be failing",
        });
        summary.failed++;
        continue;
      }
      summary.sent++;
      summary.sentBytes += copied.bytes;
      ctx.log.info("xfer-tx", { to: node.name, pkt: e.id, size: copied.bytes });
      await ctx.record("xfer-tx", [["XX", "tx"], ["Node", node.idText], ["Pkt", e.id], [
        "Size",
        copied.bytes,
      ], [
        "Msg",
        `Packet transfer, sent to ${node.name}: ${e.id} (${humanBytes(copied.bytes)})`,
      ]]);
      if (!options.keep) await ctx.spool.remove(node.idText, "tx", e.id);
    } catch (err) {
      progress.done();
      await Deno.remove(tmp).catch(() => {});
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      const noSpace = (err as { code?: string }).code === "ENOSPC" ||
        /No space left/.test((err as Error).message);
      ctx.log.error(noSpace ? "xfer-tx-no-room" : "xfer-tx-copy", {
        node: node.name,
        pkt: e.id,
        error: (err as Error).message,
      });
      if (noSpace) summary.noRoom++;
      else summary.failed++;
    }
  }
}

/**
 * A packet whose file is already on the medium: with `keep` it is left as
 * is; otherwise an earlier run was interrupted between writing it and
 * removing it from the spool, so the copy is read back and, when it is
 * intact, the spool copy is removed now (a damaged copy is replaced).
 * Returns true when nothing more is to be done for the packet.
 */
async function alreadyOnMedium(
  ctx: NodeContext,
  node: Neighbour,
  e: SpoolEntry,
  final: string,
  options: XferOptions,
  summary: XferSummary,
): Promise<boolean> {
  if (options.keep) {
    ctx.log.debug("xfer-tx-exists", { node: node.name, pkt: e.id });
    return true;
  }
  const back = await idOfFile(final, options.signal).catch((err) => {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    return null;
  });
  if (back !== e.id) {
    ctx.log.warn("xfer-tx-replace", {
      node: node.name,
      pkt: e.id,
      reason: "the copy on the medium does not match its name; writing it again",
    });
    await Deno.remove(final);
    return false;
  }
  summary.sent++;
  summary.sentBytes += e.size;
  ctx.log.info("xfer-tx", { to: node.name, pkt: e.id, size: e.size, note: "copied before" });
  await ctx.record("xfer-tx", [["XX", "tx"], ["Node", node.idText], ["Pkt", e.id], [
    "Size",
    e.size,
  ], [
    "Msg",
    `Packet transfer, sent to ${node.name}: ${e.id} (${humanBytes(e.size)}), ` +
    "found on the medium after an interruption",
  ]]);
  await ctx.spool.remove(node.idText, "tx", e.id);
  return true;
}
