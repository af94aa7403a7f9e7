/**
 * Keeping a sync folder (Syncthing, Dropbox, rclone mount) in step: the same
 * exchange as a medium, run on a folder that never goes away. A file is only
 * imported once it has stopped changing: its size and modification time
 * must be the same as at the previous scan and older than `settleSec`
 * (sync tools write under temporary names, but not all of them, and not
 * always). A file whose bytes do not match its name is left where it is and
 * not read again until it changes; nothing partial is ever tossed. Sent
 * copies are read back from the folder's device; where that cannot be done
 * (a FUSE mount, tmpfs) the log says so once per folder, not per scan. Each
 * scan pins the folder's filesystem: if it is unmounted mid-scan, the scan
 * stops instead of writing to the folder left behind.
 * @module
 */

import type { SyncFolderSettings } from "../config/ferry_media.ts";
import type { Neighbour } from "../config/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { deviceOf, xfer, type XferSummary } from "../xfer/mod.ts";

/** Files remembered between scans (beyond this the oldest are forgotten). */
export const syncFolderTrackedMax = 100_000;

/** A sync folder's state between scans. */
export class SyncFolder {
  readonly settings: SyncFolderSettings;
  #seen = new Map<string, string>();
  /** Files whose bytes did not match their name, with their signature then. */
  #bad = new Map<string, string>();
  /** The folder's read-back was already said to come from memory (said once per folder). */
  #readBackNoted = false;

  constructor(settings: SyncFolderSettings) {
    this.settings = settings;
  }

  /** One scan: import what settled, export what is queued. */
  async scan(
    ctx: NodeContext,
    signal?: AbortSignal,
  ): Promise<{ rx: XferSummary; tx: XferSummary }> {
    const now = Date.now();
    const next = new Map<string, string>();
    const bad = new Map<string, string>();
    const signature = (info: Deno.FileInfo) => `${info.size}:${info.mtime?.getTime() ?? 0}`;
    const accept = (path: string, info: Deno.FileInfo) => {
      const sig = signature(info);
      if (next.size < syncFolderTrackedMax) next.set(path, sig);
      if (this.#bad.get(path) === sig) {
        if (bad.size < syncFolderTrackedMax) bad.set(path, sig);
        return false;
      }
      const settled = (info.mtime?.getTime() ?? 0) <= now - this.settings.settleSec * 1000;
      return settled && this.#seen.get(path) === sig;
    };
    const rejected = (path: string, info: Deno.FileInfo) => {
      if (bad.size < syncFolderTrackedMax) bad.set(path, signature(info));
    };
    await Deno.mkdir(this.settings.path, { recursive: true });
    const common = {
      mkdir: true,
      progress: false,
      device: await deviceOf(this.settings.path),
      ...(signal ? { signal } : {}),
    };
    const rx = await xfer(ctx, this.settings.path, {
      ...common,
      rx: true,
      tx: false,
      keep: false,
      accept,
      rejected,
    });
    this.#seen = next;
    this.#bad = bad;
    const nodes: Neighbour[] = this.settings.nodes.length > 0
      ? this.settings.nodes.map((n) => ctx.config.neigh.get(n)!).filter((n) => n !== undefined)
      : [...ctx.config.neigh.values()].filter((n) => n.name !== "self");
    const tx = await xfer(ctx, this.settings.path, {
      ...common,
      rx: false,
      tx: true,
      keep: this.settings.keep,
      nodes,
      logReadBackNote: !this.#readBackNoted,
    });
    if (tx.readBackNote !== null) this.#readBackNoted = true;
    return { rx, tx };
  }
}
