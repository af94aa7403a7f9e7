/**
 * A media session: what ferry does when a USB stick (or any ferry medium)
 * is mounted. It imports the packets addressed to this node (each verified
 * while copying), exports the packets queued for the nodes the medium
 * serves (each fsynced and read back before it leaves the spool), flushes
 * the filesystem, writes `FERRY-STATUS.txt`, and only then says the medium
 * is safe to remove (log line, status file, LED), optionally unmounting it.
 *
 * The medium is pinned by its device number for the whole session: a stick
 * pulled out (or unmounted) at any point stops the session with a
 * `medium-gone` line and a slowly blinking LED, and nothing is written to
 * the folder its mount leaves behind. Every step leaves a state the next
 * insertion finishes from: no packet is lost or delivered twice.
 * @module
 */

import { errorText } from "../fsutil/os_errors.ts";
import type { Neighbour } from "../config/mod.ts";
import type { MediaSettings } from "../config/ferry_media.ts";
import { humanBytes } from "../log/humanize.ts";
import type { NodeContext } from "../node/context.ts";
import {
  checkOnDevice,
  deviceOf,
  fat32FileBytesMax,
  majorMinorOf,
  MediumGoneError,
  xfer,
  type XferSummary,
} from "../xfer/mod.ts";
import { writeStatusFile } from "./status_file.ts";
import type { Led } from "../../hw/led/mod.ts";
import { syncFs, unmount } from "../../hw/media/mod.ts";
import { crashPoint } from "../fsutil/crash_point.ts";

export { statusFileName } from "./status_file.ts";
/** Blink period while a medium is in use. */
export const busyBlinkMs = 250;

/** What the session knows about the medium. */
export interface MediumInfo {
  mountPoint: string;
  fsType: string;
  readOnly: boolean;
  device?: string;
  /** `major:minor` from the mount table, when known: checked against the mount point. */
  majorMinor?: string;
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
  const device = await pinMedium(medium).catch((err) => {
    result.problems.push(errorText(err));
    return undefined;
  });
  if (device !== undefined) {
    const gone = await exchange(ctx, medium, settings, device, result, options.signal);
    crashPoint("media.exchanged");
    if (!gone) await flush(ctx, medium, settings, device, result, started);
  }
  if (result.safeToRemove && settings.unmount) {
    try {
      await unmount(medium.mountPoint);
      log.info("medium-unmounted", {});
    } catch (err) {
      result.problems.push(`unmount failed: ${errorText(err)}`);
      log.warn("medium-unmount-failed", { error: errorText(err) });
    }
  }
  if (result.safeToRemove) {
    await options.led?.on().catch(() => {});
    log.info("medium-safe-to-remove", {
      imported: result.imported?.received ?? 0,
      importedBytes: result.imported?.receivedBytes ?? 0,
      exported: result.exported?.sent ?? 0,
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

/**
 * The device number of the medium, checked against the mount table's
 * `major:minor` when known: a stick pulled out before the session started
 * leaves an ordinary folder that must not be written to.
 */
async function pinMedium(medium: MediumInfo): Promise<number> {
  const device = await deviceOf(medium.mountPoint);
  // btrfs reports per-subvolume device numbers that differ from the mount table's.
  if (
    medium.majorMinor !== undefined && medium.fsType !== "btrfs" &&
    majorMinorOf(device) !== medium.majorMinor
  ) {
    throw new MediumGoneError(medium.mountPoint);
  }
  return device;
}

/** Import, then export; stops at once when the medium goes away (and answers true). */
async function exchange(
  ctx: NodeContext,
  medium: MediumInfo,
  settings: MediaSettings,
  device: number,
  result: MediaSessionResult,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const log = ctx.log.child({ medium: medium.mountPoint });
  const common = { mkdir: true, progress: false, device, ...(signal ? { signal } : {}) };
  const failed = (what: string, err: unknown) => {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    const gone = err instanceof MediumGoneError;
    result.problems.push(
      gone ? errorText(err) : `${what} failed: ${errorText(err)}`,
    );
    log.error(gone ? "medium-gone" : `medium-${what}-failed`, { error: errorText(err) });
    return gone;
  };
  try {
    result.imported = await xfer(ctx, medium.mountPoint, {
      ...common,
      rx: true,
      tx: false,
      keep: medium.readOnly,
    });
    if (result.imported.failed > 0) {
      result.problems.push(
        `${result.imported.failed} file(s) on the medium could not be imported (see the log)`,
      );
    }
  } catch (err) {
    if (failed("import", err)) return true;
  }
  if (medium.readOnly) {
    result.problems.push("the medium is read-only: nothing was written to it");
    log.warn("medium-read-only", {
      reason: "packets were imported (and left on it); nothing exported",
    });
    return false;
  }
  const nodes: Neighbour[] = settings.nodes.length > 0
    ? settings.nodes.map((n) => ctx.config.neigh.get(n)).filter((n) => n !== undefined)
    : [...ctx.config.neigh.values()].filter((n) => n.name !== "self");
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
    if (result.exported.failed > 0) {
      result.problems.push(
        `${result.exported.failed} packet(s) or folder(s) could not be exported (see the log)`,
      );
    }
    if (result.exported.noRoom > 0) {
      result.problems.push(
        `${result.exported.noRoom} packet(s) did not fit on the medium and stay queued`,
      );
    }
  } catch (err) {
    return failed("export", err);
  }
  return false;
}

/**
 * Flushes the medium, writes the status file, flushes again, and checks the
 * medium was there all along; only then is it safe to remove.
 */
async function flush(
  ctx: NodeContext,
  medium: MediumInfo,
  settings: MediaSettings,
  device: number,
  result: MediaSessionResult,
  started: number,
): Promise<void> {
  const log = ctx.log.child({ medium: medium.mountPoint });
  try {
    if (!medium.readOnly) {
      await checkOnDevice(medium.mountPoint, device);
      await syncFs(medium.mountPoint);
      crashPoint("media.flushed");
      if (settings.statusFile) {
        await writeStatusFile(medium.mountPoint, device, statusLines(ctx, result, started))
          .catch((err) => {
            if (err instanceof MediumGoneError) throw err;
            result.problems.push(`the status file was not written: ${errorText(err)}`);
            log.warn("medium-status-failed", { error: errorText(err) });
          });
        await syncFs(medium.mountPoint);
      }
    }
    await checkOnDevice(medium.mountPoint, device);
    result.safeToRemove = true;
  } catch (err) {
    const gone = err instanceof MediumGoneError;
    result.problems.push(
      gone ? errorText(err) : `flushing the medium failed: ${errorText(err)}`,
    );
    log.error(gone ? "medium-gone" : "medium-sync-failed", { error: errorText(err) });
  }
}

/** What the status file says about the read-back of the exported copies. */
function readBackLines(exported: XferSummary | null): string[] {
  if (exported === null) return [];
  if (exported.readBackNote !== null) {
    return [
      `read-back: NOT from the medium for ${exported.readBackFromMemory} packet(s), only ` +
      `from memory: ${exported.readBackNote}`,
    ];
  }
  if (exported.sent === 0) return [];
  return ["read-back: every exported packet was read back from the medium itself"];
}

function statusLines(ctx: NodeContext, r: MediaSessionResult, started: number): string[] {
  return [
    `ferry node ${ctx.config.ferry.name} (${ctx.self.idText})`,
    `finished: ${new Date().toISOString()} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    `imported: ${r.imported?.received ?? 0} packet(s), ${
      humanBytes(r.imported?.receivedBytes ?? 0)
    }`,
    `exported: ${r.exported?.sent ?? 0} packet(s), ${humanBytes(r.exported?.sentBytes ?? 0)}`,
    ...readBackLines(r.exported),
    ...r.problems.map((p) => `problem: ${p}`),
    "SAFE TO REMOVE",
    "",
  ];
}
