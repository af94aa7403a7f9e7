/**
 * A media session: what ferry does when a USB stick (or any ferry medium)
 * is mounted. It imports the packets addressed to this node (each verified
 * while copying), exports the packets queued for the nodes the medium
 * serves (each fsynced and read back before it leaves the spool), flushes
 * the filesystem, writes `FERRY-STATUS.txt`, and only then says the medium
 * is safe to remove (log line, status file, LED), optionally unmounting it.
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import type { MediaSettings } from "../config/ferry_media.ts";
import { fsyncDir, isNotFound } from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import type { NodeContext } from "../node/context.ts";
import { fat32FileBytesMax, xfer, type XferSummary } from "../xfer/mod.ts";
import type { Led } from "../../hw/led/mod.ts";
import { syncFs, unmount } from "../../hw/media/mod.ts";

/** Name of the status file written on each medium. */
export const statusFileName = "FERRY-STATUS.txt";
/** Blink period while a medium is in use. */
export const busyBlinkMs = 250;

/** What the session knows about the medium. */
export interface MediumInfo {
  mountPoint: string;
  fsType: string;
  readOnly: boolean;
  device?: string;
  label?: string;
}

/** How a session ended. */
export interface MediaSessionResult {
  imported: XferSummary | null;
  exported: XferSummary | null;
  safeToRemove: boolean;
  /** Why it is not safe, or what went wrong. */
  problems: string[];
}

/** File systems with FAT32's 4 GiB file limit. */
const FAT_TYPES = new Set(["vfat", "msdos", "fat", "umsdos"]);

/** Runs one session on a mounted medium. Never throws for medium trouble: it reports it. */
export async function runMediaSession(
  ctx: NodeContext,
  medium: MediumInfo,
  settings: MediaSettings,
  options: { led?: Led; signal?: AbortSignal } = {},
): Promise<MediaSessionResult> {
  const log = ctx.log.child({ medium: medium.mountPoint });
  const result: MediaSessionResult = {
    imported: null,
    exported: null,
    safeToRemove: false,
    problems: [],
  };
  const started = Date.now();
  await options.led?.blink(busyBlinkMs).catch(() => {});
  log.info("medium-start", {
    device: medium.device,
    fs: medium.fsType,
    label: medium.label,
    readOnly: medium.readOnly,
  });
  const nodes: Neighbour[] = settings.nodes.length > 0
    ? settings.nodes.map((n) => ctx.config.neigh.get(n)!).filter((n) => n !== undefined)
    : [...ctx.config.neigh.values()].filter((n) => n.name !== "self");
  const common = {
    mkdir: true,
    progress: false,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  try {
    result.imported = await xfer(ctx, medium.mountPoint, {
      ...common,
      rx: true,
      tx: false,
      keep: medium.readOnly,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    result.problems.push(`import failed: ${(err as Error).message}`);
    log.error("medium-import-failed", { error: (err as Error).message });
  }
  if (medium.readOnly) {
    result.problems.push("the medium is read-only: nothing was written to it");
    log.warn("medium-read-only", {
      reason: "packets were imported (and left on it); nothing exported",
    });
  } else {
    try {
      result.exported = await xfer(ctx, medium.mountPoint, {
        ...common,
        rx: false,
        tx: true,
        keep: settings.keep,
        nodes,
        ...(FAT_TYPES.has(medium.fsType)
          ? { limits: { mediumFileBytesMax: fat32FileBytesMax } }
          : {}),
      });
      if (result.exported.noRoom > 0) {
        result.problems.push(
          `${result.exported.noRoom} packet(s) did not fit on the medium and stay queued`,
        );
      }
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      result.problems.push(`export failed: ${(err as Error).message}`);
      log.error("medium-export-failed", { error: (err as Error).message });
    }
  }
  const imported = result.imported?.received ?? 0;
  const exported = result.exported?.sent ?? 0;
  try {
    if (!medium.readOnly) {
      await syncFs(medium.mountPoint);
      if (settings.statusFile) await writeStatus(medium.mountPoint, ctx, result, started);
      await syncFs(medium.mountPoint);
    }
    result.safeToRemove = true;
  } catch (err) {
    result.problems.push(`flushing the medium failed: ${(err as Error).message}`);
    log.error("medium-sync-failed", { error: (err as Error).message });
  }
  if (result.safeToRemove && settings.unmount) {
    try {
      await unmount(medium.mountPoint);
      log.info("medium-unmounted", {});
    } catch (err) {
      result.problems.push(`unmount failed: ${(err as Error).message}`);
      log.warn("medium-unmount-failed", { error: (err as Error).message });
    }
  }
  if (result.safeToRemove) {
    await options.led?.on().catch(() => {});
    log.info("medium-safe-to-remove", {
      imported,
      importedBytes: result.imported?.receivedBytes ?? 0,
      exported,
      exportedBytes: result.exported?.sentBytes ?? 0,
      problems: result.problems.length > 0 ? result.problems.join("; ") : undefined,
      seconds: ((Date.now() - started) / 1000).toFixed(1),
    });
  } else {
    await options.led?.blink(1000).catch(() => {});
    log.error("medium-not-safe", { problems: result.problems.join("; ") });
  }
  return result;
}

async function writeStatus(
  mountPoint: string,
  ctx: NodeContext,
  r: MediaSessionResult,
  started: number,
): Promise<void> {
  const lines = [
    `ferry node ${ctx.config.ferry.name} (${ctx.self.idText})`,
    `finished: ${new Date().toISOString()} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    `imported: ${r.imported?.received ?? 0} packet(s), ${
      humanBytes(r.imported?.receivedBytes ?? 0)
    }`,
    `exported: ${r.exported?.sent ?? 0} packet(s), ${humanBytes(r.exported?.sentBytes ?? 0)}`,
    ...r.problems.map((p) => `problem: ${p}`),
    "SAFE TO REMOVE",
    "",
  ];
  const path = `${mountPoint}/${statusFileName}`;
  const tmp = `${mountPoint}/.${statusFileName}.tmp`;
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      await file.write(new TextEncoder().encode(lines.join("\n")));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
    await fsyncDir(mountPoint);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
