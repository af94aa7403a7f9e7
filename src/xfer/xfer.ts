/**
 * `ferry xfer`: exchange packets with a folder in NNCP's media layout,
 * `DIR/<recipient id>/<sender id>/<packet id>`, like `nncp-xfer`.
 *
 * Receiving checks every file before it enters the spool: a regular file
 * (never a symlink) named like a packet, from a known neighbour, for us,
 * with a valid signature, within the size limit, and whose bytes hash to its
 * name. Anything else is skipped with a log line and left where it is.
 * Sending writes each packet under a temporary name, fsyncs it, renames it,
 * fsyncs the folder, reads it back against the spool copy, and only then removes
 * it from the spool (unless `keep`).
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
import { receive } from "./receive.ts";
import { send } from "./send.ts";

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
  await sweepSpoolTemps(ctx);
  if (options.rx) await receive(ctx, dir, options, limits, summary);
  if (options.tx) await send(ctx, dir, options, limits, summary);
  return summary;
}
