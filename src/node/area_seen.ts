/**
 * NNCP's area seen markers: `SPOOL/<node>/area/<area id>/<message hash>`,
 * an empty file saying "this area message went to (or came from) that
 * node". The sender marks its own node when it sends, every relay marks
 * each subscriber it forwarded to and itself once it read the message, so
 * a message reaches each node once however many routes it takes.
 *
 * @example
 * ```ts
 * import { areaSeenPath } from "./area_seen.ts";
 * console.assert(areaSeenPath("/spool", "NODE", "AREA", "MSG") === "/spool/NODE/area/AREA/MSG");
 * ```
 * @module
 */

import { dirname, touchDurable } from "../fsutil/mod.ts";

/** Where the marker of message `msgHash` of area `areaId` for node `nodeId` lives. */
export function areaSeenPath(
  spoolRoot: string,
  nodeId: string,
  areaId: string,
  msgHash: string,
): string {
  return `${spoolRoot}/${nodeId}/area/${areaId}/${msgHash}`;
}

/** True when the marker at `path` exists. */
export async function isAreaSeen(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes the marker at `path` durably (folder created and fsynced). */
export async function markAreaSeen(path: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await touchDurable(path);
}
