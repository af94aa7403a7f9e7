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
 * it from the spool (unless `keep`). A packet found complete under its
 * final name (an earlier run was cut short before the spool was told) is
 * read back and, when it checks, leaves the spool; temporary files of
 * interrupted runs are removed. With `device`, every write checks the
 * folder is still on that medium, and the run stops with
 * {@linkcode MediumGoneError} once it is not (a stick pulled out mid-run).
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import { encodeBase32 } from "../encoding/base32.ts";
import { freeBytes, isNotFound } from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import { PacketError, readPacketHeader } from "../packet/mod.ts";
import { createProgress } from "../progress/progress.ts";
import { encHeaderBytes, isId } from "../spool/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { copyWithId } from "./copy.ts";
import { checkOnDevice, isFatal, removeStaleTemps } from "./medium.ts";
import { send } from "./send.ts";

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

/** Skipped files logged as warnings per run; the rest are counted in one line (and logged at debug). */
export const skipWarningsMax = 20;

/** Files at least this big are checked for holes (a sparse file is not a packet). */
export const sparseCheckBytesMin = 1024 * 1024;

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
  /**
   * Called for each candidate file on receive; returning false leaves it for
   * a later run (sync folders use this to skip files still being written).
   */
  accept?: (path: string, info: Deno.FileInfo) => boolean;
  /** Called for each received file whose bytes do not hash to its name. */
  rejected?: (path: string, info: Deno.FileInfo) => void;
  /**
   * The device number (`st_dev`) of the medium `dir` is on (default: the
   * one it is on when the run starts): every write and removal first checks
   * the folder is still there, and the run stops with
   * {@linkcode MediumGoneError} when it is not.
   */
  device?: number;
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
  await checkOnDevice(dir, options.device);
  // Without a device from the caller, the folder's filesystem now is the one the run stays on.
  const pinned = { ...options, device: options.device ?? info.dev ?? undefined };
  if (options.rx) await receive(ctx, dir, pinned, limits, summary);
  if (options.tx) await send(ctx, dir, pinned, limits, summary);
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
  const stale = await removeStaleTemps(ctx.spool.tmpDir, {
    prefixOk: (p) => p === "xfer",
    anyPid: false,
    entriesMax: limits.entriesMax,
  });
  if (stale > 0) {
    ctx.log.info("xfer-rx-cleanup", { removed: stale, reason: "left by a killed run" });
  }
  if (!st.isDirectory) {
    ctx.log.warn("xfer-rx-skip", {
      path: selfDir,
      reason: "not a real folder (a symlink or file)",
    });
    summary.skipped++;
    return;
  }
  const only = options.nodes ? new Set(options.nodes.map((n) => n.idText)) : null;
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
      ctx.log.debug("xfer-rx-skip", {
        path: senderDir,
        reason: sender ? "not a real folder" : "not a known node",
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
      ctx.log.error("xfer-rx-read", { dir: senderDir, error: (err as Error).message });
      summary.failed++;
    }
  }
  if (summary.skipped > skipWarningsMax) {
    ctx.log.warn("xfer-rx-skipped", {
      dir: selfDir,
      files: summary.skipped,
      reason: `only the first ${skipWarningsMax} were logged (all at debug level)`,
    });
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
  const skip = (reason: string, level: "debug" | "warn" = "warn") => {
    ctx.log[summary.skipped < skipWarningsMax ? level : "debug"]("xfer-rx-skip", {
      file: path,
      reason,
    });
    summary.skipped++;
  };
  if (!isId(e.name)) return skip("not a packet name", "debug");
  if (!e.isFile || e.isSymlink) return skip("not a regular file");
  const removeSource = async () => {
    if (!options.keep) {
      await checkOnDevice(senderDir, options.device);
      await Deno.remove(path).catch((err) =>
        ctx.log.warn("xfer-rx-remove", { file: path, error: err.message })
      );
    }
  };
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (err) {
    ctx.log.error("xfer-rx-read", { file: path, error: (err as Error).message });
    summary.failed++;
    return;
  }
  const size = info.size;
  if (size < encHeaderBytes) return skip("too short to be a packet");
  if (size > limits.packetBytesMax) {
    return skip(
      `${humanBytes(size)} is over the ${humanBytes(limits.packetBytesMax)} packet limit`,
    );
  }
  // Packets are encrypted, so never sparse nor compressible: a file with far fewer blocks
  // than bytes is mostly holes, and copying its claimed size would only fill the spool.
  if (
    size >= sparseCheckBytesMin && info.blocks !== null && info.blocks > 0 &&
    info.blocks * 512 < size / 2
  ) {
    return skip(`mostly holes (${humanBytes(info.blocks * 512)} stored of ${humanBytes(size)})`);
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
    ctx.log.error("xfer-rx-read", { file: path, error: (err as Error).message });
    summary.failed++;
    return;
  }
  if (encodeBase32(header.sender) !== sender.idText) {
    return skip("sent by another node than its folder says");
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
    if (isFatal(err)) throw err;
    ctx.log.error("xfer-rx-copy", { file: path, error: (err as Error).message });
    summary.failed++;
  }
}
