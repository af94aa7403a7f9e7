/**
 * USB media and other mounted filesystems: the watcher that reports ferry
 * media as they are mounted and unmounted, the mount table parser under it,
 * and the helpers a media session needs (sync, free space, unmount).
 *
 * @example
 * ```ts ignore
 * import { MediaWatcher, syncFs, unmount } from "./mod.ts";
 * const watcher = new MediaWatcher({ filter: { mountPoints: ["/media/ferry-*"] } });
 * await watcher.watchEach(async (event) => {
 *   if (event.kind !== "added") return;
 *   // ... exchange packets with event.medium.mountPoint ...
 *   await syncFs(event.medium.mountPoint);
 *   await unmount(event.medium.mountPoint);
 * }, AbortSignal.timeout(60_000));
 * ```
 * @module
 */

export * from "./filter.ts";
export * from "./label.ts";
export * from "./mount.ts";
export * from "./mountinfo.ts";
export * from "./mountinfo_reader.ts";
export * from "./event_queue.ts";
export * from "./tracker.ts";
export * from "./watcher.ts";
