/**
 * `ferry xfer --rx`: every file under `DIR/<self>/<sender>/` is checked
 * before it enters the spool: a regular file (never a symlink) named like a
 * packet, in the folder of a known node, for us, signed by a known node,
 * within the size limit, and whose bytes hash to its name. Anything else is
 * skipped with a log line and left where it is.
 * @module
 */

import { errorText } from "../fsutil/os_errors.ts";
import { encodeBase32 } from "../encoding/base32.ts";
import type { Neighbour } from "../config/mod.ts";
import { freeBytes, isNotFound } from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import { PacketError, readPacketHeader } from "../packet/mod.ts";
import { createProgress } from "../progress/progress.ts";
import { encHeaderBytes, isId } from "../spool/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { copyWithId } from "./copy.ts";
import {
  boundedDir,
  skipWarningsMax,
  sparseCheckBytesMin,
  type XferLimits,
  type XferOptions,
  type XferSummary,
} from "./options.ts";
import { checkOnDevice, isFatal } from "./medium.ts";
import { crashPoint } from "../fsutil/crash_point.ts";

/** Takes the packets for us from `dir` into the spool. */
export async function receive(
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
    if (isFatal(err)) throw err;
    ctx.log.error("xfer-rx-read", { dir: selfDir, error: errorText(err) });
    summary.failed++;
  }
  if (summary.skipped > skipWarningsMax) {
    ctx.log.warn("xfer-rx-skipped", {
      dir: selfDir,
      files: summary.skipped,
      reason: `only the first ${skipWarningsMax} were logged (all at debug level)`,
    });
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
      if (isFatal(err)) throw err;
      ctx.log.error("xfer-rx-read", { dir: senderDir, error: errorText(err) });
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
    ctx.log[summary.skipped < skipWarningsMax ? level : "debug"]("xfer-rx-skip", {
      file: path,
      reason,
    });
    summary.skipped++;
  };
  if (!isId(e.name)) {
    return skip("not a packet name; left alone", e.name.startsWith(".") ? "debug" : "info");
  }
  if (!e.isFile || e.isSymlink) return skip("not a regular file");
  const removeSource = async () => {
    if (!options.keep) {
      await checkOnDevice(senderDir, options.device);
      await Deno.remove(path).catch((err) =>
        ctx.log.warn("xfer-rx-remove", { file: path, error: err.message })
      );
    }
  };
  // Judge the file by its size first: cheap, and it keeps bogus files away from the spool lookups.
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (err) {
    ctx.log.error("xfer-rx-read", { file: path, error: errorText(err) });
    summary.failed++;
    return;
  }
  if (info.size < encHeaderBytes) return skip("too short to be a packet");
  if (info.size > limits.packetBytesMax) {
    return skip(
      `${humanBytes(info.size)} is over the ${humanBytes(limits.packetBytesMax)} packet limit`,
    );
  }
  // Packets are encrypted, so never sparse nor compressible: a file with far fewer blocks
  // than bytes is mostly holes, and copying its claimed size would only fill the spool.
  if (
    info.size >= sparseCheckBytesMin && info.blocks !== null && info.blocks > 0 &&
    info.blocks * 512 < info.size / 2
  ) {
    return skip(
      `mostly holes (${humanBytes(info.blocks * 512)} stored of ${humanBytes(info.size)})`,
    );
  }
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
  const size = info.size;
  if (options.accept && !options.accept(path, info)) {
    return skip("still changing; left for the next run", "debug");
  }
  let header;
  try {
    const file = await Deno.open(path, { read: true });
    try {
      header = (await readPacketHeader(file, { selfId: ctx.self.id, senders: ctx.senders })).header;
    } finally {
      file.close();
    }
  } catch (err) {
    if (err instanceof PacketError) return skip(`not a valid packet for us: ${err.message}`);
    ctx.log.error("xfer-rx-read", { file: path, error: errorText(err) });
    summary.failed++;
    return;
  }
  // The folder names the node that wrote the packet to the medium; the header names
  // its originator, which differs for relayed packets (checked against its key above).
  // Such a packet may have reached us the other way before: honour the originator's seen/.
  const originator = encodeBase32(header.sender);
  if (originator !== sender.idText && await ctx.spool.isSeen(originator, e.name)) {
    ctx.log.info("xfer-rx-seen", { file: path, reason: "tossed before (from its originator)" });
    summary.skipped++;
    return await removeSource();
  }
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
      options.rejected?.(path, info);
      ctx.log.error("xfer-rx-bad-id", {
        file: path,
        computed: copied.id,
        reason: "bytes do not match the name (still being written, or damaged)",
      });
      summary.failed++;
      return;
    }
    crashPoint("xfer-rx.copied");
    await ctx.spool.commit(tmp, sender.idText, "rx", e.name, header.raw);
    crashPoint("xfer-rx.committed");
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
    crashPoint("xfer-rx.source-removed");
  } catch (err) {
    progress.done();
    await Deno.remove(tmp).catch(() => {});
    if (isFatal(err)) throw err;
    ctx.log.error("xfer-rx-copy", { file: path, error: errorText(err) });
    summary.failed++;
  }
}
