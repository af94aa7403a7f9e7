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
import { run as agent } from "./agent.ts";
import { run as direwolf } from "./direwolf.ts";

/** A named benchmark section. */
export type Section = (ctx: BenchContext) => Promise<BenchTable[]>;

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
  ["agent", agent],
  ["direwolf", direwolf],
];
