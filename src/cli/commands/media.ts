/**
 * `ferry media`: serve a mounted medium now, or watch for media and sync
 * folders (what the agent does, without the rest of it).
 * @module
 */

import type { Command } from "../args/mod.ts";
import type { MediaSettings } from "../../config/ferry_media.ts";
import { isReadOnly, procMountinfo, readMountinfo } from "../../../hw/media/mod.ts";
import {
  type MediaState,
  openLed,
  runMediaSession,
  serveMedia,
  serveSyncFolders,
  SyncFolder,
} from "../../media/mod.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { loadNodeContext } from "../node.ts";

const DEFAULT_SESSION: MediaSettings = {
  mounts: [],
  labels: [],
  nodes: [],
  keep: false,
  unmount: false,
  statusFile: true,
};

/** Registers `ferry media`. */
export function registerMedia(program: Command, ctx: CliContext): void {
  program.command("media")
    .description(
      "exchange packets with a mounted medium now (import, export, flush, 'safe to remove'), or --watch for media",
    )
    .argument("[mountpoint]", "the mounted medium to serve")
    .option(
      "--watch",
      "watch for media (ferry.media) and sync folders (ferry.sync-folders) until stopped",
    )
    .option("--unmount", "unmount the medium when done")
    .option("--keep", "keep exported packets in the spool until an ack comes back")
    .option("--node <nodes>", "export only for these neighbours (comma separated)")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry media /media/stick\n  ferry media --unmount --node house /media/stick\n  ferry media --watch\n",
    )
    .action(
      async (
        mountpoint: string | undefined,
        opts: { watch?: boolean; unmount?: boolean; keep?: boolean; node?: string },
      ) => {
        if (!!mountpoint === !!opts.watch) throw new UsageError("give a mount point, or --watch");
        const node = await loadNodeContext(ctx);
        const configured = node.config.ferry.media;
        if (mountpoint) {
          const info = await Deno.stat(mountpoint).catch(() => null);
          if (!info?.isDirectory) {
            throw new CliError(`${mountpoint} is not a folder (is the medium mounted?)`);
          }
          const nodes = opts.node
            ? opts.node.split(",").filter((s) => s)
            : (configured?.nodes ?? []);
          for (const n of nodes) {
            if (!node.config.neigh.has(n)) {
              throw new UsageError(
                `unknown node ${JSON.stringify(n)}`,
              );
            }
          }
          const settings: MediaSettings = {
            ...(configured ?? DEFAULT_SESSION),
            nodes,
            unmount: opts.unmount ?? configured?.unmount ?? false,
            keep: opts.keep ?? configured?.keep ?? false,
          };
          const mount = await mountAt(mountpoint);
          if (!mount) {
            throw new CliError(
              `${mountpoint} is not a mount point: is the medium mounted? ` +
                "(to exchange packets with a plain folder, use ferry xfer)",
            );
          }
          const result = await runMediaSession(node, {
            mountPoint: mountpoint,
            fsType: mount.fsType,
            majorMinor: mount.majorMinor,
            readOnly: await isReadOnly(mountpoint),
          }, settings);
          if (!result.safeToRemove) {
            throw new CliError(
              `the medium is NOT safe to remove: ${result.problems.join("; ")}`,
            );
          }
          return;
        }
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        Deno.addSignalListener("SIGINT", onSignal);
        Deno.addSignalListener("SIGTERM", onSignal);
        const state: MediaState = { present: [], syncFolders: [] };
        const led = await openLed(configured?.led).catch((err) => {
          node.log.warn("led-unavailable", { error: err.message });
          return undefined;
        });
        try {
          const work: Promise<void>[] = [];
          if (configured) {
            work.push(
              serveMedia(node, configured, stop.signal, state, led ? { led } : {}),
            );
          }
          const folders = node.config.ferry.syncFolders.map((s) => new SyncFolder(s));
          if (folders.length) work.push(serveSyncFolders(node, folders, stop.signal, state));
          if (work.length === 0) {
            throw new CliError(
              "nothing to watch: configure ferry.media or ferry.sync-folders",
            );
          }
          await Promise.all(work);
        } finally {
          await led?.close();
          Deno.removeSignalListener("SIGINT", onSignal);
          Deno.removeSignalListener("SIGTERM", onSignal);
        }
      },
    );
}

/** The last mount whose mount point is `path` itself, or null when nothing is mounted there. */
async function mountAt(path: string): Promise<{ fsType: string; majorMinor: string } | null> {
  const real = await Deno.realPath(path);
  const { mounts } = await readMountinfo(procMountinfo());
  const here = mounts.filter((m) => m.mountPoint === real).at(-1);
  return here ? { fsType: here.fsType, majorMinor: here.majorMinor } : null;
}
