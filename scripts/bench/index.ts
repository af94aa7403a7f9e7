/**
 * The benchmark sections `deno task bench` runs, in order.
 * @module
 */

import type { BenchContext, BenchTable } from "./_harness.ts";
import { run as packet } from "./packet.ts";
import { run as leaves } from "./leaves.ts";
import { run as serial } from "./serial.ts";
import { run as media } from "./media.ts";
import { run as queue } from "./queue.ts";
import { run as link } from "./link.ts";
import { run as node } from "./node.ts";
import { run as mediaXfer } from "./media_xfer.ts";
import { mediaSafeWait } from "./_media_safe.ts";
import { run as mediaRss } from "./media_rss.ts";
import { run as agent } from "./agent.ts";
import { run as reass } from "./reass.ts";
import { run as online } from "./online.ts";
import { run as footprint } from "./footprint.ts";
import { run as mqtt } from "./mqtt.ts";
import { run as direwolf } from "./direwolf.ts";

/** A named benchmark section. */
export type Section = (ctx: BenchContext) => Promise<BenchTable[]>;

/** The wait from mounting a stick to "safe to remove" (root only: it mounts a loop image). */
async function mediaSafe(ctx: BenchContext): Promise<BenchTable[]> {
  if (Deno.uid() !== 0) {
    return [{
      title: "Mount to safe to remove",
      columns: ["what", "value"],
      rows: [["not measured", "needs root to mount a loop image"]],
    }];
  }
  return [await mediaSafeWait(ctx, `${ctx.dir}/media_safe`)];
}

/** Every section, by name (`deno task bench NAME` runs just that one). */
export const SECTIONS: [string, Section][] = [
  ["packet", packet],
  ["leaves", leaves],
  ["serial", serial],
  ["media", media],
  ["queue", queue],
  ["link", link],
  ["node", node],
  ["media_xfer", mediaXfer],
  ["media_safe", mediaSafe],
  ["media_rss", mediaRss],
  ["agent", agent],
  ["reass", reass],
  ["online", online],
  ["footprint", footprint],
  ["mqtt", mqtt],
  ["direwolf", direwolf],
];
