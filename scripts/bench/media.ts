/**
 * `deno task bench media`: what watching the mount table costs. One scan
 * (read, parse, diff) of this machine's table and of a table at the
 * `mountsMax` limit, and the CPU share of a watcher polling every 500 ms.
 * @module
 */

import process from "node:process";
import type { BenchContext, BenchTable } from "./_harness.ts";
import { mediaPollIntervalMs, MediaWatcher } from "../../hw/media/watcher.ts";
import { mountsMax, procMountinfo, textMountinfo } from "../../hw/media/mountinfo_reader.ts";

const noLabels = () => Promise.resolve(undefined);

async function scanCost(watcher: MediaWatcher, scans: number): Promise<number> {
  await watcher.scan(); // first scan judges every mount; steady state is what repeats
  watcher.drain();
  const start = performance.now();
  for (let i = 0; i < scans; i++) await watcher.scan();
  return ((performance.now() - start) / scans) * 1000;
}

function bigTable(): string {
  const lines = ["1 0 254:0 / / rw,relatime - ext4 /dev/vda rw"];
  for (let i = 2; i <= mountsMax; i++) {
    lines.push(
      `${i} 1 0:${i} / /srv/mount\\040${i} rw,nosuid,relatime shared:${i} - tmpfs none rw`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Runs the media section. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const scans = ctx.quick ? 200 : 2000;
  const filter = { mountPoints: ["/media/ferry-*"] };
  const real = new MediaWatcher({ filter, labels: noLabels });
  const realLines = (await Deno.readTextFile("/proc/self/mountinfo")).trimEnd().split("\n").length;
  ctx.say(`media: ${scans} scans of /proc/self/mountinfo (${realLines} mounts)`);
  const realUs = await scanCost(real, scans);
  const text = bigTable();
  const big = new MediaWatcher({ filter, labels: noLabels, source: textMountinfo(text) });
  ctx.say(`media: scans of a ${mountsMax}-mount table`);
  const bigUs = await scanCost(big, Math.max(20, scans / 20));

  // CPU per poll, scans and timers included: watch at a 1 ms interval,
  // count the scans, divide the process CPU time by them.
  const seconds = ctx.quick ? 1 : 3;
  ctx.say(`media: watching for ${seconds} s at a 1 ms interval`);
  let polls = 0;
  const proc = procMountinfo();
  const counted = () => {
    polls++;
    return proc();
  };
  const stop = new AbortController();
  const before = process.cpuUsage();
  const watching = new MediaWatcher({ filter, labels: noLabels, source: counted, intervalMs: 1 })
    .watchEach(() => {}, stop.signal);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stop.abort();
  await watching;
  const perPollUs = cpuUs(process.cpuUsage(before)) / polls;
  const share = ((perPollUs * (1000 / mediaPollIntervalMs)) / 1e6) * 100;

  return [{
    title: "Media watcher: cost of polling the mount table",
    columns: ["what", "value"],
    rows: [
      [`one scan, this machine (${realLines} mounts)`, `${realUs.toFixed(1)} µs`],
      [`one scan, ${mountsMax} mounts (the limit)`, `${(bigUs / 1000).toFixed(2)} ms`],
      [`CPU per poll, timers included (${polls} polls)`, `${perPollUs.toFixed(1)} µs`],
      [
        `CPU share at the ${mediaPollIntervalMs} ms default interval`,
        `${share.toFixed(3)} % of one core`,
      ],
    ],
    notes: [
      "Scans are steady state (nothing changes). Wall time per scan includes waiting for " +
      "the kernel; CPU per poll is the process's user+system time divided by the polls made.",
    ],
  }];
}

function cpuUs(u: { user: number; system: number }): number {
  return u.user + u.system;
}
