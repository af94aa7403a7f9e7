/**
 * Crash safety of `ferry xfer --rx` and `ferry xfer --tx`: killed with SIGKILL at random points (seeded:
 * FERRY_CRASH_SEED repeats a run), then run again to completion. Right after
 * each kill no packet is lost and nothing incomplete is visible under a final
 * name; after the rerun every packet is in exactly one place and no
 * temporary file is left behind.
 */

import { assert, assertEquals } from "../assert.ts";
import { idOfFile, xfer } from "../../src/xfer/mod.ts";
import {
  crashSeed,
  type KillStats,
  linkAll,
  makeTemplate,
  runAndKill,
  runTrials,
  seededRandom,
  trialContext,
  trialNode,
} from "./_crash.ts";
import { IDS, namesIn, packetsIn, withWorld } from "./_world.ts";

const XFER_RX_TRIALS = 30;
const XFER_TX_TRIALS = 30;
const PARALLEL = 2;

Deno.test("ferry xfer --rx killed at random points leaves every packet once, on the medium or in the spool", async () => {
  await withWorld(async (w) => {
    const t = await makeTemplate(w);
    const random = seededRandom(crashSeed + 1);
    const stats: KillStats = { trials: 0, midWork: 0, finished: 0 };
    const trial = async (i: number, delayMs: number | null) => {
      const what = `xfer --rx trial ${i} (seed ${crashSeed + 1}, kill at ${
        delayMs?.toFixed(0)
      } ms)`;
      const node = await trialNode(w.bob, `${w.root}/rx-${i}`);
      const media = `${node.dir}/media`;
      const onMedium = `${media}/${IDS.bob}/${IDS.alice}`;
      const rx = `${node.spool}/${IDS.alice}/rx`;
      await linkAll(t.dir, onMedium);
      const started = performance.now();
      const run = await runAndKill(node.cfg, ["xfer", "--rx", media], delayMs);
      const elapsed = performance.now() - started;

      const inRx = await packetsIn(rx);
      const still = await packetsIn(onMedium);
      for (const id of t.ids) {
        assert(inRx.includes(id) || still.includes(id), `${what}: packet ${id} was lost`);
      }
      for (const id of inRx) {
        assertEquals(
          (await Deno.stat(`${rx}/${id}`)).size,
          t.sizes.get(id),
          `${what}: ${id} complete`,
        );
      }
      stats.trials++;
      if (!run.killed) stats.finished++;
      else if (
        (inRx.length > 0 && still.length > 0) || (await namesIn(`${node.spool}/tmp`)).length > 0
      ) stats.midWork++;

      const { ctx, lines } = await trialContext(node);
      const summary = await xfer(ctx, media, {
        rx: true,
        tx: false,
        mkdir: false,
        keep: false,
        progress: false,
      });
      assertEquals(summary.failed, 0, `${what}: ${lines.join("\n")}`);
      assertEquals(await packetsIn(rx), t.ids, `${what}: every packet is in rx`);
      for (const id of t.ids) assertEquals(await idOfFile(`${rx}/${id}`), id, what);
      assertEquals(await namesIn(onMedium), [], `${what}: the medium is emptied`);
      assertEquals(await namesIn(`${node.spool}/tmp`), [], `${what}: SPOOL/tmp is clean`);
      await Deno.remove(node.dir, { recursive: true });
      return elapsed;
    };
    const typicalMs = await trial(-1, null);
    await runTrials(
      XFER_RX_TRIALS,
      PARALLEL,
      async (i) => void await trial(i, random() * typicalMs),
    );
  });
});

Deno.test("ferry xfer --tx killed at random points leaves every packet once, in the spool or on the medium", async () => {
  await withWorld(async (w) => {
    const t = await makeTemplate(w);
    const random = seededRandom(crashSeed + 2);
    const stats: KillStats = { trials: 0, midWork: 0, finished: 0 };
    const trial = async (i: number, delayMs: number | null) => {
      const what = `xfer --tx trial ${i} (seed ${crashSeed + 2}, kill at ${
        delayMs?.toFixed(0)
      } ms)`;
      const node = await trialNode(w.alice, `${w.root}/tx-${i}`);
      const media = `${node.dir}/media`;
      await Deno.mkdir(media);
      const onMedium = `${media}/${IDS.bob}/${IDS.alice}`;
      const tx = `${node.spool}/${IDS.bob}/tx`;
      await linkAll(t.dir, tx);
      await linkAll(`${t.dir}/hdr`, `${tx}/hdr`);
      const started = performance.now();
      const run = await runAndKill(node.cfg, ["xfer", "--tx", "--mkdir", media], delayMs);
      const elapsed = performance.now() - started;

      const inTx = await packetsIn(tx);
      const sent = await packetsIn(onMedium);
      for (const id of t.ids) {
        assert(inTx.includes(id) || sent.includes(id), `${what}: packet ${id} was lost`);
      }
      for (const id of sent) {
        assertEquals(
          (await Deno.stat(`${onMedium}/${id}`)).size,
          t.sizes.get(id),
          `${what}: ${id} complete`,
        );
      }
      stats.trials++;
      if (!run.killed) stats.finished++;
      else if (
        (inTx.length > 0 && sent.length > 0) ||
        (await namesIn(onMedium)).some((n) => n.startsWith("."))
      ) stats.midWork++;

      const { ctx, lines } = await trialContext(node);
      const summary = await xfer(ctx, media, {
        rx: false,
        tx: true,
        mkdir: true,
        keep: false,
        progress: false,
      });
      assertEquals(summary.failed, 0, `${what}: ${lines.join("\n")}`);
      assertEquals(
        await namesIn(onMedium),
        t.ids,
        `${what}: the medium holds each packet, no temp`,
      );
      for (const id of t.ids) assertEquals(await idOfFile(`${onMedium}/${id}`), id, what);
      assertEquals(await packetsIn(tx), [], `${what}: tx is empty`);
      assertEquals(await namesIn(`${tx}/hdr`), [], `${what}: no hdr/ leftovers`);
      await Deno.remove(node.dir, { recursive: true });
      return elapsed;
    };
    const typicalMs = await trial(-1, null);
    await runTrials(
      XFER_TX_TRIALS,
      PARALLEL,
      async (i) => void await trial(i, random() * typicalMs),
    );
  });
});
