/**
 * Hostile or broken media and bundles: every bogus thing is skipped or
 * refused with a log line and left where it is (nothing lost), and the good
 * packets of the same run still get through.
 */

import { assert, assertEquals } from "../assert.ts";
import { queuePacket } from "../../src/node/send.ts";
import { filePlain } from "../../src/packet/mod.ts";
import { xfer } from "../../src/xfer/mod.ts";
import { runAndKill } from "./_crash.ts";
import {
  ferryOk,
  ferryRun,
  IDS,
  mediaDir,
  namesIn,
  nncp,
  nodeContext,
  packetsIn,
  patternBytes,
  queueDir,
  withWorld,
} from "./_world.ts";

/** A base32 name that looks like a packet id but names no real packet. */
const FAKE_ID = "A".repeat(51) + "Q";
const FAKE_ID2 = "B".repeat(51) + "Q";
const FAKE_ID3 = "C".repeat(51) + "Q";
const FAKE_ID4 = "D".repeat(51) + "Q";
/** Stops a ferry run that would hang (on a FIFO, say) instead of hanging the tests. */
const hangMs = 20_000;

Deno.test("xfer --rx skips bogus files on the medium and still takes the good packets", async () => {
  await withWorld(async (w) => {
    const { ctx: alice } = await nodeContext(w.alice);
    for (const name of ["one.txt", "two.txt"]) {
      await queuePacket(alice, {
        to: alice.config.neigh.get("bob")!,
        plain: filePlain(name, 96),
        payload: new TextEncoder().encode(name),
        nice: 96,
      });
    }
    await xfer(alice, w.media, { rx: false, tx: true, mkdir: true, keep: false, progress: false });
    const forCarol = await queuePacket(alice, {
      to: alice.config.neigh.get("carol")!,
      via: [],
      plain: filePlain("not-for-bob.txt", 96),
      payload: new TextEncoder().encode("carol's"),
      nice: 96,
    });
    const dir = mediaDir(w, "bob", "alice");
    const good = await packetsIn(dir);
    assertEquals(good.length, 2);

    await Deno.writeTextFile(`${dir}/README.txt`, "not a packet name\n");
    await Deno.writeFile(`${dir}/${FAKE_ID}`, patternBytes(5000, 31));
    using sparse = await Deno.open(`${dir}/${FAKE_ID2}`, { write: true, createNew: true });
    await sparse.truncate(65 * 2 ** 30);
    await Deno.rename(
      `${queueDir(w.alice, "carol", "tx")}/${forCarol.id}`,
      `${dir}/${forCarol.id}`,
    );
    assertEquals(
      (await new Deno.Command("mkfifo", { args: [`${dir}/${FAKE_ID3}`] }).output()).code,
      0,
    );
    await Deno.mkdir(`${dir}/${FAKE_ID4}`);
    await Deno.writeFile(`${w.root}/elsewhere`, await Deno.readFile(`${dir}/${good[0]}`));
    const linkName = "E".repeat(51) + "Q";
    await Deno.symlink(`${w.root}/elsewhere`, `${dir}/${linkName}`);
    // A FIFO where the folder of packets from carol should be.
    await new Deno.Command("mkfifo", { args: [`${w.media}/${IDS.bob}/${IDS.carol}`] }).output();
    const before = (await namesIn(dir)).filter((n) => !good.includes(n));

    const r = await runAndKill(w.bob.cfg, ["xfer", "--rx", w.media], hangMs);
    assertEquals(r.killed, false, "xfer must not hang on a FIFO");
    assertEquals(r.code, 0, r.stderr);
    for (
      const reason of [
        `${FAKE_ID}.*not a valid packet for us`,
        `${FAKE_ID2}.*over the 64 GiB packet limit`,
        `${forCarol.id}.*not a valid packet for us.*it is for ${IDS.carol}`,
        `${FAKE_ID3}.*not a regular file`,
        `${FAKE_ID4}.*not a regular file`,
        `${linkName}.*not a regular file`,
        `${IDS.carol} reason="not a real folder`,
      ]
    ) {
      assert(new RegExp(`warn xfer-rx-skip .*${reason}`).test(r.stderr), `${reason}\n${r.stderr}`);
    }
    assert(/info xfer-rx-skip .*README.txt.*not a packet name/.test(r.stderr), r.stderr);
    assertEquals(await packetsIn(queueDir(w.bob, "alice", "rx")), good);
    assertEquals(await namesIn(dir), before.sort(), "every bogus file is left as it was");
    assertEquals((await Deno.stat(`${dir}/${FAKE_ID2}`)).size, 65 * 2 ** 30);
    await ferryOk(w.bob, ["toss"]);
    assertEquals(await namesIn(w.bob.incoming), ["one.txt", "two.txt"]);
  });
});

Deno.test("xfer carries on when a node's folder on the medium is a file or a symlink", async () => {
  await withWorld(async (w) => {
    await ferryOk(w.bob, ["file", "-", "alice:a.txt"], "for alice\n");
    await ferryOk(w.bob, ["file", "-", "carol:c.txt"], "for carol\n");
    await Deno.writeTextFile(`${w.media}/${IDS.alice}`, "a file where a folder should be");
    await Deno.writeTextFile(`${w.media}/${IDS.bob}`, "a file where bob's folder should be");
    await Deno.mkdir(`${w.media}/${IDS.carol}`);

    const first = await ferryRun(w.bob, ["xfer", w.media]);
    assertEquals(first.code, 1, first.stderr);
    assert(/warn xfer-rx-skip .*not a real folder/.test(first.stderr), first.stderr);
    assert(/error xfer-tx-node node=alice .*not a real folder/.test(first.stderr), first.stderr);
    assertEquals((await packetsIn(mediaDir(w, "carol", "bob"))).length, 1, "carol's went out");
    assertEquals((await packetsIn(queueDir(w.bob, "alice", "tx"))).length, 1, "alice's stayed");

    await Deno.remove(`${w.media}/${IDS.alice}`);
    await Deno.mkdir(`${w.root}/elsewhere`);
    await Deno.mkdir(`${w.media}/${IDS.alice}`);
    await Deno.symlink(`${w.root}/elsewhere`, mediaDir(w, "alice", "bob"));
    const second = await ferryRun(w.bob, ["xfer", "--tx", w.media]);
    assertEquals(second.code, 1, second.stderr);
    assert(/error xfer-tx-node node=alice .*not a real folder/.test(second.stderr), second.stderr);
    assertEquals(await namesIn(`${w.root}/elsewhere`), [], "nothing written through the symlink");

    await Deno.remove(mediaDir(w, "alice", "bob"));
    await ferryOk(w.bob, ["xfer", "--tx", w.media]);
    assertEquals((await packetsIn(mediaDir(w, "alice", "bob"))).length, 1);
    assertEquals(await packetsIn(queueDir(w.bob, "alice", "tx")), []);
  });
});

Deno.test("bundle --rx skips garbage and others' packets, refuses a cut-off one, and takes the good ones", async () => {
  await withWorld(async (w) => {
    const bundle = async (to: string) =>
      (await new Deno.Command("nncp-bundle", {
        args: ["-cfg", w.bob.cfg, "-tx", "-delete", to],
        stdout: "piped",
        stderr: "null",
      }).output()).stdout;
    await nncp("file", w.bob, ["-", "alice:one.txt"], "one\n");
    await nncp("file", w.bob, ["-", "alice:two.txt"], "two\n");
    const forAlice = await bundle("alice");
    await nncp("file", w.bob, ["-", "carol:c.txt"], "carol's\n");
    const forCarol = await bundle("carol");
    await Deno.writeFile(`${w.root}/big.bin`, patternBytes(300_000, 32));
    await nncp("file", w.bob, [`${w.root}/big.bin`, "alice:"]);
    const cut = (await bundle("alice")).subarray(0, 100_000);
    const garbage = patternBytes(3000, 33);
    const stream = new Uint8Array(
      await new Blob([garbage, forAlice, garbage, forCarol, cut]).arrayBuffer(),
    );

    const { code, stderr } = await ferryRun(w.alice, ["bundle", "--rx"], stream);
    assertEquals(code, 1, stderr);
    assert(/warn bundle-rx-skip .*bytes that are not a bundle entry/.test(stderr), stderr);
    assert(/error bundle-rx-bad .*bundle ends inside a packet/.test(stderr), stderr);
    assertEquals((await packetsIn(queueDir(w.alice, "bob", "rx"))).length, 2);
    await ferryOk(w.alice, ["toss"]);
    assertEquals(await namesIn(w.alice.incoming), ["one.txt", "two.txt"]);
  });
});
