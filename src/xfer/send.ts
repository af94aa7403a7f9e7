/**
 * `ferry xfer --tx`: each queued packet is written to
 * `DIR/<recipient>/<self>/` under a temporary name while its id is checked,
 * fsynced, renamed, its folder fsynced, and read back against the spool copy
 * before that is removed (unless `keep`).
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import { commitRename, freeBytes, fsyncDir, isNotFound, tempName } from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import { createProgress } from "../progress/progress.ts";
import { type SpoolEntry, sweepStaleTemps } from "../spool/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { copyWithId, filesEqual, idOfFile } from "./copy.ts";
import type { XferLimits, XferOptions, XferSummary } from "./options.ts";

/** Copies the queued packets of the chosen nodes to `dir`. */
export async function send(
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
