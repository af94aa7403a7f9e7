/**
 * The media service the agent runs (and `ferry media --watch` runs alone):
 * watch the mount table for ferry media, run one session per insertion, one
 * at a time, and scan the sync folders on their intervals. Bounded: at most
 * one session runs, and insertions that arrive meanwhile wait in the
 * watcher's bounded queue.
 * @module
 */

import { errorText } from "../fsutil/os_errors.ts";
import type { LedSettings, MediaSettings } from "../config/ferry_media.ts";
import type { NodeContext } from "../node/context.ts";
import { type Led, SysfsGpioLed, SysfsLed } from "../../hw/led/mod.ts";
import { MediaWatcher } from "../../hw/media/mod.ts";
import { runMediaSession } from "./session.ts";
import { SyncFolder } from "./sync_folder.ts";

/** What the service reports for `ferry status`. */
export interface MediaState {
  lastMedium?: {
    mountPoint: string;
    at: string;
    imported: number;
    exported: number;
    safe: boolean;
    problems: string[];
  };
  present: string[];
  syncFolders: {
    path: string;
    lastScan?: string;
    imported: number;
    exported: number;
    error?: string;
  }[];
}

/** Opens the configured LED (or none). */
export async function openLed(settings: LedSettings | undefined): Promise<Led | undefined> {
  if (!settings) return undefined;
  return settings.kind === "led"
    ? await SysfsLed.open({ name: settings.name })
    : await SysfsGpioLed.open({ pin: settings.pin, activeLow: settings.activeLow });
}

/** Runs the media watcher loop until `signal` aborts. */
export async function serveMedia(
  ctx: NodeContext,
  settings: MediaSettings,
  signal: AbortSignal,
  state: MediaState,
  options: {
    led?: Led;
    intervalMs?: number;
    onSession?: (imported: number) => void;
    /** Called whenever `state` changed (a medium came or went, a session ended). */
    onChange?: () => void;
  } = {},
): Promise<void> {
  const watcher = new MediaWatcher({
    filter: {
      ...(settings.mounts.length ? { mountPoints: settings.mounts } : {}),
      ...(settings.labels.length ? { labels: settings.labels } : {}),
      ...(settings.marker ? { marker: settings.marker } : {}),
    },
    log: ctx.log.child({ part: "media" }),
    ...(options.intervalMs ? { intervalMs: options.intervalMs } : {}),
  });
  ctx.log.info("media-watch", {
    mounts: settings.mounts.join(",") || undefined,
    labels: settings.labels.join(",") || undefined,
    marker: settings.marker,
  });
  for await (const event of watcher.watch(signal)) {
    state.present = watcher.current().map((m) => m.mountPoint);
    options.onChange?.();
    if (event.kind === "removed") {
      ctx.log.info("medium-removed", { medium: event.medium.mountPoint });
      await options.led?.off().catch(() => {});
      continue;
    }
    const m = event.medium;
    let result;
    try {
      result = await runMediaSession(
        ctx,
        {
          mountPoint: m.mountPoint,
          fsType: m.fsType,
          readOnly: m.readOnly,
          device: m.device,
          majorMinor: m.majorMinor,
          ...(m.label ? { label: m.label } : {}),
        },
        settings,
        { ...(options.led ? { led: options.led } : {}), signal },
      );
    } catch (err) {
      if (!signal.aborted) throw err;
      // Stopping mid-session: every step left a consistent state; the next insertion finishes.
      ctx.log.warn("medium-interrupted", {
        medium: m.mountPoint,
        reason: "ferry is stopping: the medium is NOT safe to remove until it was served again",
      });
      await options.led?.blink(1000).catch(() => {});
      return;
    }
    state.lastMedium = {
      mountPoint: m.mountPoint,
      at: new Date().toISOString(),
      imported: result.imported?.received ?? 0,
      exported: result.exported?.sent ?? 0,
      safe: result.safeToRemove,
      problems: result.problems,
    };
    options.onChange?.();
    options.onSession?.(state.lastMedium.imported);
  }
}

/** Scans each sync folder on its interval until `signal` aborts. */
export async function serveSyncFolders(
  ctx: NodeContext,
  folders: SyncFolder[],
  signal: AbortSignal,
  state: MediaState,
  onChange?: () => void,
): Promise<void> {
  const next = folders.map(() => 0);
  state.syncFolders = folders.map((f) => ({ path: f.settings.path, imported: 0, exported: 0 }));
  while (!signal.aborted) {
    const now = Date.now();
    for (let i = 0; i < folders.length; i++) {
      if (signal.aborted || now < next[i]!) continue;
      const folder = folders[i]!;
      const s = state.syncFolders[i]!;
      try {
        const { rx, tx } = await folder.scan(ctx, signal);
        s.imported += rx.received;
        s.exported += tx.sent;
        const hadError = s.error !== undefined;
        delete s.error;
        if (hadError) onChange?.();
        if (rx.received + tx.sent > 0) {
          onChange?.();
          ctx.log.info("sync-folder", {
            path: folder.settings.path,
            imported: rx.received,
            exported: tx.sent,
          });
        }
      } catch (err) {
        if (signal.aborted) break;
        s.error = errorText(err);
        ctx.log.error("sync-folder-failed", { path: folder.settings.path, error: s.error });
        onChange?.();
      }
      s.lastScan = new Date().toISOString();
      next[i] = Date.now() + folder.settings.intervalSec * 1000;
    }
    const wait = Math.max(100, Math.min(...next) - Date.now());
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, wait);
      signal.addEventListener("abort", () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
  }
}
