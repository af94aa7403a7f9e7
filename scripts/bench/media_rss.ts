/**
 * `deno task bench media_rss`: ferry's peak memory moving one big packet to
 * a medium (`ferry xfer --tx`, with the read-back from the device) and from
 * one (`ferry xfer --rx`), for a 64 MiB and a 1 GiB packet (quick: 16 and
 * 64 MiB), in the temporary folder's filesystem. ferry runs as its
 * installed wrapper runs it (with the V8 flags).
 *
 * Bars: at most 96 MiB for 1 GiB, and within 16 MiB of the 64 MiB packet.
 * @module
 */

import { type BenchContext, type BenchTable, measure, type Measured, mib } from "./_harness.ts";
import { makeNodes, queueRandom } from "./media_xfer.ts";
import { FERRY_V8_FLAGS } from "./packet.ts";

const MiB = 1024 * 1024;
const RSS_BAR_MIB = 96;
const GROWTH_BAR_MIB = 16;

async function fresh(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
}

/** Runs the section. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const root = `${ctx.dir}/media_rss`;
  await Deno.mkdir(root, { recursive: true });
  const sizes = ctx.quick ? [16 * MiB, 64 * MiB] : [64 * MiB, 1024 * MiB];
  const { cfg, nodes, ids } = await makeNodes(ctx, root);
  const tx = nodes.alice!.spool.dir(ids.bob!, "tx");
  const rx = nodes.bob!.spool.dir(ids.alice!, "rx");
  const medium = `${root}/medium`;
  const ferry = (args: string[]) =>
    measure(ctx.deno, ["run", "-A", "--quiet", FERRY_V8_FLAGS, `${ctx.root}/main.ts`, ...args]);
  const peaks: { tx: Measured; rx: Measured }[] = [];
  for (const bytes of sizes) {
    ctx.say(`media_rss: queueing one packet of ${bytes / MiB} MiB`);
    await fresh(tx);
    await fresh(rx);
    await fresh(medium);
    await queueRandom(nodes.alice!, "bob", 1, bytes, `${root}/scratch`);
    const sent = await ferry(["--config", cfg.alice!, "xfer", "--tx", "--mkdir", medium]);
    if (!/sent=1 /.test(sent.stderr)) throw new Error(`xfer --tx did not send:\n${sent.stderr}`);
    const got = await ferry(["--config", cfg.bob!, "xfer", "--rx", medium]);
    if (!/received=1 /.test(got.stderr)) throw new Error(`xfer --rx did not take:\n${got.stderr}`);
    ctx.say(
      `media_rss: ${bytes / MiB} MiB: export ${mib(sent.maxRssKiB)} MiB, import ${
        mib(got.maxRssKiB)
      } MiB`,
    );
    peaks.push({ tx: sent, rx: got });
  }
  await Deno.remove(root, { recursive: true });
  const [small, big] = peaks as [{ tx: Measured; rx: Measured }, { tx: Measured; rx: Measured }];
  const row = (what: string, a: Measured, b: Measured) => {
    const growth = (b.maxRssKiB - a.maxRssKiB) / 1024;
    const ok = b.maxRssKiB / 1024 <= RSS_BAR_MIB && growth <= GROWTH_BAR_MIB;
    return [
      what,
      mib(a.maxRssKiB),
      mib(b.maxRssKiB),
      growth.toFixed(1),
      b.seconds.toFixed(2),
      ok ? "yes" : "NO",
    ];
  };
  const [a, b] = sizes.map((s) => `${s / MiB} MiB`) as [string, string];
  return [{
    title: `Media transfer peak RSS: one packet of ${a} and of ${b} (MiB)`,
    columns: [
      "what",
      `${a} packet`,
      `${b} packet`,
      "difference",
      `${b} time (s)`,
      `≤ ${RSS_BAR_MIB} and +${GROWTH_BAR_MIB}`,
    ],
    rows: [
      row("ferry xfer --tx (export, read back from the device)", small.tx, big.tx),
      row("ferry xfer --rx (import, id checked while copying)", small.rx, big.rx),
    ],
    notes: [
      `Peak RSS from /usr/bin/time -v of the whole ferry process, run with ${FERRY_V8_FLAGS}; ` +
      "the medium is a folder on the temporary folder's filesystem.",
    ],
  }];
}
