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
 * it from the spool (unless `keep`). A packet found complete under its final
 * name (an earlier run was cut short before the spool was told) is read back
 * and, when it checks, leaves the spool; temporary files of interrupted runs
 * are removed. With `device`, every write checks the folder is still on that
 * medium, and the run stops with `MediumGoneError` once it is not (a stick
 * pulled out mid-run).
 * @module
 */

import type { NodeContext } from "../node/context.ts";
import { sweepSpoolTemps } from "../node/sweep.ts";
import {
  emptySummary,
  XFER_DEFAULTS,
  type XferLimits,
  type XferOptions,
  type XferSummary,
} from "./options.ts";
import { send } from "./send.ts";
import { withSharedHashWorker } from "../packet/hash_pipe.ts";
import { checkOnDevice } from "./medium.ts";

export * from "./options.ts";

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
  await sweepSpoolTemps(ctx);
  // Without a device from the caller, the folder's filesystem now is the one the run stays on.
  const pinned = { ...options, device: options.device ?? info.dev ?? undefined };
  // One hashing worker serves every packet of the run (see HashPipe).
  await withSharedHashWorker(async () => {
    if (options.rx) {
      // Loaded only to receive: it brings the packet checks and their curves.
      const { receive } = await import("./receive.ts");
      await receive(ctx, dir, pinned, limits, summary);
    }
    if (options.tx) await send(ctx, dir, pinned, limits, summary);
  });
  return summary;
}
