/**
 * The airtime budget outlives the process: `ferry link` saves each side's
 * transmissions (`SPOOL/<peer>/link-airtime.json`) and a restarted link
 * starts from them, so restarting ferry never buys extra airtime within the
 * sliding hour. Two real `ferry link` processes over a socat pty pair.
 */

import { assert, assertEquals } from "../assert.ts";
import { ferry, REPO_ROOT, withTempDir } from "../helpers.ts";
import { IDS, setupNodes, type TestNode } from "../nodes.ts";
import { startSocatPtyPair } from "../../hw/mock/mod.ts";

/** 10 % of an hour, in seconds: the budget of each side. */
const budgetSec = 360;

async function linkOnce(alice: TestNode, bob: TestNode): Promise<{ aliceErr: string }> {
  const pty = await startSocatPtyPair();
  try {
    const common = ["--modem", "cable", "--baud", "115200", "--bit-rate", "9600"];
    const run = (node: TestNode, peer: string, port: string) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--quiet",
          `${REPO_ROOT}/main.ts`,
          "--config",
          node.cfg,
          "link",
          ...common,
          "--duty-cycle",
          "10",
          "--max-sec",
          "120",
          "--node",
          peer,
          "--port",
          port,
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
    const [a, b] = await Promise.all([
      run(alice, "bob", pty.paths[0]),
      run(bob, "alice", pty.paths[1]),
    ]);
    const aliceErr = new TextDecoder().decode(a.stderr);
    assertEquals(a.code, 0, aliceErr);
    assertEquals(b.code, 0, new TextDecoder().decode(b.stderr));
    return { aliceErr };
  } finally {
    await pty.stop();
  }
}

function budgetLeft(err: string): number {
  const m = /link-done .*budgetLeftSec=([\d.]+)/.exec(err);
  assert(m, `a link-done line with the budget: ${err.slice(-1500)}`);
  return Number(m[1]);
}

async function airtimeSaved(path: string): Promise<number> {
  const entries = JSON.parse(await Deno.readTextFile(path)) as { durationMs: number }[];
  return entries.reduce((n, e) => n + e.durationMs, 0) / 1000;
}

Deno.test("a restarted ferry link starts from the airtime it already used in the sliding hour", async () => {
  await withTempDir(async (root) => {
    const nodes = await setupNodes(root, ["alice", "bob"]);
    const alice = nodes.alice!, bob = nodes.bob!;
    const send = async (name: string, size: number) => {
      await Deno.writeFile(`${root}/${name}`, new Uint8Array(size).fill(7));
      const r = await ferry(["--config", alice.cfg, "file", `${root}/${name}`, "bob:"]);
      assertEquals(r.code, 0, r.stderr);
    };
    const history = `${alice.spool}/${IDS.bob}/link-airtime.json`;

    await send("first.bin", 12 * 1024);
    const first = await linkOnce(alice, bob);
    const used1 = await airtimeSaved(history);
    assert(used1 > 5, `12 KiB at 9600 bit/s takes seconds of airtime, saved ${used1} s`);
    const left1 = budgetLeft(first.aliceErr);
    assert(Math.abs(left1 - (budgetSec - used1)) < 1, `left ${left1} s after ${used1} s used`);

    await send("second.bin", 2 * 1024);
    const second = await linkOnce(alice, bob);
    const used2 = await airtimeSaved(history);
    assert(used2 > used1, "the second run's transmissions were added to the history");
    const left2 = budgetLeft(second.aliceErr);
    // A budget started afresh would have about 360 s minus the second run's own airtime.
    assert(left2 < budgetSec - used1, `the restart kept the first run's airtime: ${left2} s left`);
    assert(Math.abs(left2 - (budgetSec - used2)) < 1, `left ${left2} s after ${used2} s used`);

    // Both files arrived.
    assertEquals((await ferry(["--config", bob.cfg, "toss"])).code, 0);
    assertEquals((await Deno.readFile(`${bob.incoming}/second.bin`)).length, 2 * 1024);
  });
});
