/**
 * `ferry rm`, the way out when a packet keeps failing to toss, and the hint
 * `ferry toss` gives for it; the `--help` examples of `ferry rm` run here.
 */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { run } from "../helpers.ts";
import { ferryOk, ferryRun, IDS, nncp, packetsIn, queueDir, withWorld } from "./_world.ts";
import { REPO_ROOT } from "../helpers.ts";

Deno.test("a packet that keeps failing to toss is named with the ferry rm command that removes it", async () => {
  await withWorld(async (w) => {
    await nncp("file", w.bob, ["-", "alice:good.txt"], "good\n");
    await nncp("file", w.bob, ["-", "alice:bad.txt"], "bad\n");
    const tx = queueDir(w.bob, "alice", "tx");
    const [a, b] = await packetsIn(tx);
    assert(a && b);
    const rx = queueDir(w.alice, "bob", "rx");
    await Deno.mkdir(rx, { recursive: true });
    await Deno.copyFile(`${tx}/${a}`, `${rx}/${a}`);
    const bytes = await Deno.readFile(`${tx}/${b}`);
    bytes[bytes.length - 30]! ^= 0x40;
    await Deno.writeFile(`${rx}/${b}`, bytes);

    for (let round = 0; round < 2; round++) {
      const out = await ferryRun(w.alice, ["toss"]);
      assertEquals(out.code, 1, out.stderr);
      assertStringIncludes(out.stderr, `bob/${b}`);
      assertStringIncludes(out.stderr, `ferry rm --node bob --rx --pkt ${b}`);
    }
    const dry = await ferryOk(w.alice, ["rm", "--node", "bob", "--rx", "--pkt", b, "--dryrun"]);
    assertStringIncludes(dry.stdout, `would remove bob/rx/${b}`);
    assertEquals(await packetsIn(rx), [b]);
    const rm = await ferryOk(w.alice, ["rm", "--node", "bob", "--rx", "--pkt", b]);
    assertStringIncludes(rm.stdout, `removed bob/rx/${b}`);
    assertEquals(await packetsIn(rx), []);
    const log = await ferryOk(w.alice, ["log", "--raw"]);
    assertStringIncludes(log.stdout, b);
    const after = await ferryRun(w.alice, ["toss"]);
    assertEquals(after.code, 0, after.stderr);
    // removing it again says it is not there
    const again = await ferryRun(w.alice, ["rm", "--node", "bob", "--pkt", b]);
    assertEquals(again.code, 1);
    assertStringIncludes(again.stderr, "not found");
  });
});

Deno.test("ferry rm: --tx, --older, --all, ids from standard input, and usage errors", async () => {
  await withWorld(async (w) => {
    await ferryOk(w.alice, ["file", "-", "bob:one"], "1");
    await ferryOk(w.alice, ["file", "-", "carol:two"], "2"); // via bob: also in bob's tx
    const bobTx = queueDir(w.alice, "bob", "tx");
    assertEquals((await packetsIn(bobTx)).length, 2);
    const young = await ferryOk(w.alice, ["rm", "--all", "--tx", "--older", "1h"]);
    assertStringIncludes(young.stdout, "nothing to remove");
    assertEquals((await packetsIn(bobTx)).length, 2);
    const [id] = await packetsIn(bobTx);
    const viaStdin = await ferryOk(
      w.alice,
      ["rm", "-node", "bob", "-tx", "-pkt", "-"],
      `${IDS.bob}/${id}\n`,
    );
    assertStringIncludes(viaStdin.stdout, `removed bob/tx/${id}`);
    assertEquals((await packetsIn(bobTx)).length, 1);
    const all = await ferryOk(w.alice, ["rm", "--all", "--tx"]);
    assertStringIncludes(all.stdout, "removed bob/tx/");
    assertEquals(await packetsIn(bobTx), []);
    for (
      const bad of [["rm", "--tx"], ["rm", "--node", "bob"], [
        "rm",
        "--all",
        "--tx",
        "--older",
        "3w",
      ]]
    ) {
      const out = await ferryRun(w.alice, bad);
      assertEquals(out.code, 2, `${bad.join(" ")}: ${out.stderr}`);
    }
  });
});

Deno.test("the ferry rm --help examples run as written", async () => {
  await withWorld(async (w) => {
    const help = await ferryOk(w.alice, ["rm", "--help"]);
    const examples = help.stdout.split("Examples:\n")[1]!.split("\n").map((l) => l.trim()).filter(
      (l) => l.startsWith("ferry "),
    );
    assertEquals(examples.length, 3);
    // the packet id of the first example, queued for real so the example has something to remove
    // two packets wait in rx: the first example removes one by id, the pipeline the other
    await nncp("file", w.bob, ["-", "alice:x"], "x\n");
    await nncp("file", w.bob, ["-", "alice:y"], "y\n");
    const ids = await packetsIn(queueDir(w.bob, "alice", "tx"));
    assertEquals(ids.length, 2);
    const id = ids[0];
    await Deno.mkdir(queueDir(w.alice, "bob", "rx"), { recursive: true });
    for (const p of ids) {
      await Deno.copyFile(
        `${queueDir(w.bob, "alice", "tx")}/${p}`,
        `${queueDir(w.alice, "bob", "rx")}/${p}`,
      );
    }
    const bin = `${w.root}/bin`;
    await Deno.mkdir(bin);
    await Deno.writeTextFile(
      `${bin}/ferry`,
      `#!/bin/sh\nexec '${Deno.execPath()}' run -A --quiet '${REPO_ROOT}/main.ts' "$@"\n`,
      { mode: 0o755 },
    );
    for (const line of examples) {
      const text = line.replace("house", "bob").replace("house", "bob").replace(
        /[A-Z2-7]{52}/,
        id!,
      );
      const out = await run("sh", ["-c", text], {
        env: { PATH: `${bin}:/usr/bin:/bin`, FERRY_CONFIG: w.alice.cfg, HOME: w.root },
      });
      assertEquals(out.code, 0, `${text}: ${out.stderr}`);
      if (text.includes("--pkt -")) assertStringIncludes(out.stdout, `removed bob/rx/${ids[1]}`);
    }
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "rx")), []);
  });
});
