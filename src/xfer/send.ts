/**
 * The sending half of `ferry xfer`: copy each queued packet to
 * `DIR/<recipient>/<self>/<id>` under a temporary name, fsync, rename, fsync
 * the folder, drop its cached pages, read it back from the medium and compare
 * it byte for byte with the spool copy, and only then remove it from the
 * spool (unless `keep`). Where the read-back cannot reach the medium (tmpfs,
 * FUSE), the run says so once. Comparing instead of hashing the read-back
 * leaves the CPU idle while the medium is read; only a difference hashes the
 * spool copy, to tell a failing medium from a damaged spool.
 *
 * An interrupted run (killed, stick pulled) leaves either a temporary file
 * (removed by the next run) or a complete packet under its final name that
 * is still queued; the next run reads that one back and, when it matches
 * the spool copy, counts it as sent. With `device`, a medium that went away stops the run
 * ({@linkcode MediumGoneError}) before anything more leaves the spool.
 * @module
 */

import { errorText } from "../fsutil/os_errors.ts";
import type { Neighbour } from "../config/mod.ts";
import { commitRename, freeBytes, lstatOrNull, removeStaleTemps, tempName } from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import { createProgress } from "../progress/progress.ts";
import { isId, type SpoolEntry } from "../spool/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { compareFromMedium, copyPlain, idOfFile } from "./copy.ts";
import type { CacheDrop } from "../fsutil/page_cache.ts";
import { checkOnDevice, ensureRealDir, isFatal, MediumGoneError } from "./medium.ts";
import type { XferLimits, XferOptions, XferSummary } from "./options.ts";
import { crashPoint } from "../fsutil/crash_point.ts";

/** Free space kept on the medium by default (room for the status file and folders). */
export const mediumReserveBytesDefault = 1024 * 1024;

/** Sends the queues of `options.nodes` (default: every neighbour) to `dir`. */
export async function send(
  ctx: NodeContext,
  dir: string,
  options: XferOptions,
  limits: XferLimits,
  summary: XferSummary,
): Promise<void> {
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
      if (isFatal(err)) throw err;
      ctx.log.error("xfer-tx-node", { node: node.name, error: errorText(err) });
      summary.failed++;
    } finally {
      lock.unlock();
    }
  }
}

async function sendNode(
  ctx: NodeContext,
  dir: string,
  node: Neighbour,
  options: XferOptions,
  limits: XferLimits,
  summary: XferSummary,
): Promise<void> {
  const device = options.device;
  const nodeDir = `${dir}/${node.idText}`;
  if (!(await ensureRealDir(nodeDir, options.mkdir, device))) return;
  const dstDir = `${nodeDir}/${ctx.self.idText}`;
  await ensureRealDir(dstDir, true, device);
  // We hold this node's tx lock: a temporary file here is from a run that was cut short.
  const stale = (await removeStaleTemps(dstDir, {
    prefixOk: isId,
    anyPid: true,
    entriesMax: limits.entriesMax,
  })).length;
  if (stale > 0) ctx.log.info("xfer-tx-cleanup", { node: node.name, removed: stale });
  const entries: SpoolEntry[] = [];
  for await (const e of ctx.spool.list(node.idText, "tx")) {
    if (options.niceMax === undefined || e.nice <= options.niceMax) entries.push(e);
  }
  entries.sort((a, b) => a.nice - b.nice || a.mtimeMs - b.mtimeMs);
  const reserve = options.mediumReserveBytes ?? mediumReserveBytesDefault;
  for (const e of entries) {
    options.signal?.throwIfAborted();
    await checkOnDevice(dstDir, device);
    const final = `${dstDir}/${e.id}`;
    const existing = await lstatOrNull(final);
    if (existing) {
      if (options.keep) {
        ctx.log.debug("xfer-tx-exists", { node: node.name, pkt: e.id });
        continue;
      }
      if (await finishEarlierCopy(ctx, node, e, final, existing, options, summary)) continue;
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
    await sendOne(ctx, node, e, dstDir, options, summary);
  }
}

/**
 * A file is already under the packet's final name. When it is our packet
 * (same size, reads back to the id, on the medium) an earlier run copied it
 * but was cut short before the spool was told: count it as sent. Anything
 * else in the way is removed (a regular file) or reported. True when the
 * packet needs nothing more.
 */
async function finishEarlierCopy(
  ctx: NodeContext,
  node: Neighbour,
  e: SpoolEntry,
  final: string,
  existing: Deno.FileInfo,
  options: XferOptions,
  summary: XferSummary,
): Promise<boolean> {
  if (!existing.isFile || existing.isSymlink) {
    ctx.log.error("xfer-tx-blocked", {
      node: node.name,
      pkt: e.id,
      reason: "something that is not a file has the packet's name on the medium; remove it",
    });
    summary.failed++;
    return true;
  }
  if (existing.size === e.size) {
    const back = await compareFromMedium(final, e.path, options.signal);
    noteReadBack(ctx, final, back, options, summary);
    if (back.same && (options.device === undefined || back.dev === options.device)) {
      ctx.log.info("xfer-tx-found", {
        node: node.name,
        pkt: e.id,
        reason:
          "copied by an earlier run that was cut short; it reads back the same as the spool copy",
      });
      await sent(ctx, node, e, back.bytes, options, summary);
      return true;
    }
  }
  ctx.log.warn("xfer-tx-replace", {
    node: node.name,
    pkt: e.id,
    reason: "a damaged copy has the packet's name on the medium; writing it again",
  });
  await Deno.remove(final);
  return false;
}

async function sent(
  ctx: NodeContext,
  node: Neighbour,
  e: SpoolEntry,
  bytes: number,
  options: XferOptions,
  summary: XferSummary,
): Promise<void> {
  summary.sent++;
  summary.sentBytes += bytes;
  ctx.log.info("xfer-tx", { to: node.name, pkt: e.id, size: bytes });
  await ctx.record("xfer-tx", [
    ["XX", "tx"],
    ["Node", node.idText],
    ["Pkt", e.id],
    ["Size", bytes],
    ["Msg", `Packet transfer, sent to ${node.name}: ${e.id} (${humanBytes(bytes)})`],
  ]);
  if (!options.keep) {
    await ctx.spool.remove(node.idText, "tx", e.id);
    crashPoint("xfer-tx.spool-removed");
  }
}

/** Counts a read-back that could not reach the medium, and says why once per run. */
function noteReadBack(
  ctx: NodeContext,
  path: string,
  back: { drop: CacheDrop },
  options: XferOptions,
  summary: XferSummary,
): void {
  if (back.drop.dropped) return;
  summary.readBackFromMemory++;
  if (summary.readBackNote !== null) return;
  summary.readBackNote = back.drop.reason;
  if (options.logReadBackNote === false) return;
  ctx.log.warn("xfer-tx-readback-memory", {
    dir: path.slice(0, path.lastIndexOf("/")),
    reason: `copies are read back from memory, not from the medium: ${back.drop.reason}`,
  });
}

async function sendOne(
  ctx: NodeContext,
  node: Neighbour,
  e: SpoolEntry,
  dstDir: string,
  options: XferOptions,
  summary: XferSummary,
): Promise<void> {
  const final = `${dstDir}/${e.id}`;
  const tmp = tempName(dstDir, e.id);
  const progress = createProgress(
    `tx ${e.id.slice(0, 16)}`,
    e.size,
    options.progress === undefined ? {} : { enabled: options.progress },
  );
  let renamed = false;
  try {
    await copyPlain(e.path, tmp, {
      expectBytes: e.size,
      progress,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    progress.done();
    crashPoint("xfer-tx.copied");
    await commitRename(tmp, final);
    renamed = true;
    crashPoint("xfer-tx.renamed");
    await options.beforeReadBack?.(final);
    const back = await compareFromMedium(final, e.path, options.signal);
    noteReadBack(ctx, final, back, options, summary);
    if (options.device !== undefined && back.dev !== options.device) {
      // Written to the folder left behind by a pulled stick: take it back.
      await Deno.remove(final).catch(() => {});
      throw new MediumGoneError(dstDir);
    }
    if (!back.same) {
      await Deno.remove(final).catch(() => {});
      // Rare: find out which side is wrong. The spool copy still hashing to
      // its name means the medium changed the bytes.
      const spoolId = await idOfFile(e.path, options.signal).catch(() => null);
      ctx.log.error("xfer-tx-readback", {
        node: node.name,
        pkt: e.id,
        reason: spoolId === e.id
          ? `the copy on the medium reads back different from the spool copy after ${back.bytes} ` +
            "matching bytes: the medium is failing or fake; the packet stays in the spool (try another medium)"
          : "the spool copy is damaged: its bytes no longer hash to its name (run ferry check)",
      });
      summary.failed++;
      return;
    }
    crashPoint("xfer-tx.verified");
    await sent(ctx, node, e, back.bytes, options, summary);
  } catch (err) {
    progress.done();
    if (!renamed) await Deno.remove(tmp).catch(() => {});
    if (isFatal(err)) throw err;
    const noSpace = (err as { code?: string }).code === "ENOSPC" ||
      /No space left/.test((err as Error).message);
    ctx.log.error(noSpace ? "xfer-tx-no-room" : "xfer-tx-copy", {
      node: node.name,
      pkt: e.id,
      error: errorText(err),
    });
    if (noSpace) summary.noRoom++;
    else summary.failed++;
  }
}
