/**
 * Exec and freq round trips between ferry and the real NNCP tools, both
 * ways, through a medium folder.
 */

import { assertEquals } from "../assert.ts";
import { parseNiceness } from "../../src/config/mod.ts";
import { ferryOk, IDS, nncp, withWorld, type World } from "./_world.ts";

/** Moves everything queued at `from` for `to` across the medium (ferry or NNCP at each end). */
async function carry(
  w: World,
  from: { node: World["alice"]; nncp: boolean },
  to: { node: World["alice"]; nncp: boolean },
) {
  if (from.nncp) await nncp("xfer", from.node, ["-mkdir", "-tx", w.media]);
  else await ferryOk(from.node, ["xfer", "--mkdir", "--tx", w.media]);
  if (to.nncp) await nncp("xfer", to.node, ["-rx", w.media]);
  else await ferryOk(to.node, ["xfer", "--rx", w.media]);
}

Deno.test("ferry exec runs the handler at NNCP's end with its arguments, body and NNCP_ variables", async () => {
  await withWorld(async (w) => {
    await ferryOk(
      w.alice,
      ["exec", "--replynice", "N", "bob", "appender", "a1", "a2"],
      "zstd body\n",
    );
    await ferryOk(w.alice, ["exec", "--nocompress", "bob", "appender", "fat"], "fat body\n");
    await carry(w, { node: w.alice, nncp: false }, { node: w.bob, nncp: true });
    await nncp("toss", w.bob, []);

    const out = await Deno.readTextFile(`${w.bob.dir}/exec.out`);
    assertEquals(out.split("\n").filter((l) => l).sort(), ["fat body", "zstd body"]);
    const env = (await Deno.readTextFile(`${w.bob.dir}/exec.env`)).trim().split("\n").sort();
    assertEquals(
      env,
      [
        `NICE=${parseNiceness("B")} SELF=${IDS.bob} SENDER=${IDS.alice} ARGS=fat`,
        `NICE=${parseNiceness("N")} SELF=${IDS.bob} SENDER=${IDS.alice} ARGS=a1 a2`,
      ].sort(),
    );
  });
});

Deno.test("nncp-exec runs the handler at ferry's end with its arguments, body and NNCP_ variables", async () => {
  await withWorld(async (w) => {
    await nncp("exec", w.bob, ["-replynice", "N", "alice", "appender", "b1", "b2"], "zstd body\n");
    await nncp(
      "exec",
      w.bob,
      ["-nocompress", "-replynice", "F", "alice", "appender"],
      "fat body\n",
    );
    await carry(w, { node: w.bob, nncp: true }, { node: w.alice, nncp: false });
    await ferryOk(w.alice, ["toss"]);

    const out = await Deno.readTextFile(`${w.alice.dir}/exec.out`);
    assertEquals(out.split("\n").filter((l) => l).sort(), ["fat body", "zstd body"]);
    const env = (await Deno.readTextFile(`${w.alice.dir}/exec.env`)).trim().split("\n").sort();
    assertEquals(
      env,
      [
        `NICE=${parseNiceness("F")} SELF=${IDS.alice} SENDER=${IDS.bob} ARGS=`,
        `NICE=${parseNiceness("N")} SELF=${IDS.alice} SENDER=${IDS.bob} ARGS=b1 b2`,
      ].sort(),
    );
  });
});

Deno.test("a freq from ferry is answered by NNCP and the reply file lands in ferry's incoming", async () => {
  await withWorld(async (w) => {
    await Deno.mkdir(`${w.bob.pub}/maps`);
    await Deno.writeTextFile(`${w.bob.pub}/maps/area.txt`, "bob's map\n");
    await ferryOk(w.alice, ["freq", "bob:maps/area.txt", "got/area.txt"]);
    await carry(w, { node: w.alice, nncp: false }, { node: w.bob, nncp: true });
    await nncp("toss", w.bob, []);
    await carry(w, { node: w.bob, nncp: true }, { node: w.alice, nncp: false });
    await ferryOk(w.alice, ["toss"]);
    assertEquals(await Deno.readTextFile(`${w.alice.incoming}/got/area.txt`), "bob's map\n");
  });
});

Deno.test("a freq from NNCP is answered by ferry and the reply file lands in NNCP's incoming", async () => {
  await withWorld(async (w) => {
    await Deno.mkdir(`${w.alice.pub}/docs`);
    await Deno.writeTextFile(`${w.alice.pub}/docs/manual.txt`, "alice's manual\n");
    await nncp("freq", w.bob, ["alice:docs/manual.txt", "manual.txt"]);
    await carry(w, { node: w.bob, nncp: true }, { node: w.alice, nncp: false });
    await ferryOk(w.alice, ["toss"]);
    await carry(w, { node: w.alice, nncp: false }, { node: w.bob, nncp: true });
    await nncp("toss", w.bob, []);
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/manual.txt`), "alice's manual\n");
  });
});
