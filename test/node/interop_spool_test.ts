/**
 * ferry and NNCP share one spool: each works on what the other wrote.
 * Acknowledgements travel both ways, and a chunked file from ferry is put
 * back together by nncp-reass.
 */

import { assert, assertEquals, assertNotEquals } from "../assert.ts";
import {
  ferryOk,
  mediaDir,
  nncp,
  packetsIn,
  patternBytes,
  queueDir,
  sameBytes,
  withWorld,
} from "./_world.ts";

Deno.test("nncp-stat, nncp-check, nncp-xfer and nncp-log work on a spool and log ferry wrote", async () => {
  await withWorld(async (w) => {
    await Deno.writeFile(`${w.root}/big.bin`, patternBytes(200_000, 11));
    await ferryOk(w.alice, ["file", `${w.root}/big.bin`, "bob:"]);
    await ferryOk(w.alice, ["file", "--nice", "F", "-", "bob:urgent.txt"], "urgent\n");
    await ferryOk(w.alice, ["exec", "bob", "appender"], "exec body\n");
    await ferryOk(w.alice, ["file", "-", "carol:via.txt"], "via bob\n");

    for (const args of [[], ["-pkt"], ["-node", "bob"]]) {
      const theirs = (await nncp("stat", w.alice, args)).stdout;
      const ours = (await ferryOk(w.alice, ["stat", ...args.map((a) => a.replace("-", "--"))]))
        .stdout;
      assertEquals(ours, theirs, `stat ${args.join(" ")}`);
    }
    await nncp("check", w.alice, []);
    await nncp("xfer", w.alice, ["-mkdir", "-tx", w.media]);
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), []);
    await ferryOk(w.bob, ["xfer", "--rx", w.media]);
    await ferryOk(w.bob, ["toss"]);
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/urgent.txt`), "urgent\n");
    assertEquals(await Deno.readTextFile(`${w.bob.dir}/exec.out`), "exec body\n");
    assertEquals((await Deno.stat(`${w.bob.incoming}/big.bin`)).size, 200_000);
    const aliceLog = (await nncp("log", w.alice, [])).stdout;
    assert(aliceLog.includes("File - as bob:urgent.txt (") && aliceLog.includes("queued for bob"));
    const bobLog = (await nncp("log", w.bob, [])).stdout;
    assert(/Got file urgent\.txt from alice/.test(bobLog), bobLog);
    assert(/Packet transfer, received from alice: /.test(bobLog), bobLog);
  });
});

Deno.test("ferry stat, check, xfer and toss work on a spool NNCP wrote", async () => {
  await withWorld(async (w) => {
    await Deno.writeFile(`${w.root}/big.bin`, patternBytes(200_000, 12));
    await nncp("file", w.alice, [`${w.root}/big.bin`, "bob:"]);
    await nncp("file", w.alice, ["-nice", "P", "-", "bob:urgent.txt"], "urgent\n");
    await nncp("file", w.alice, ["-", "carol:via.txt"], "via bob\n");
    for (const args of [[], ["-pkt"]]) {
      const theirs = (await nncp("stat", w.alice, args)).stdout;
      const ours = (await ferryOk(w.alice, ["stat", ...args.map((a) => a.replace("-", "--"))]))
        .stdout;
      assertEquals(ours, theirs, `stat ${args.join(" ")}`);
    }
    await ferryOk(w.alice, ["check"]);
    await ferryOk(w.alice, ["xfer", "--mkdir", "--tx", w.media]);
    assertEquals((await packetsIn(mediaDir(w, "bob", "alice"))).length, 3);
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), []);

    // NNCP takes them into bob's spool; ferry tosses that spool.
    await nncp("xfer", w.bob, ["-rx", w.media]);
    assertEquals((await packetsIn(queueDir(w.bob, "alice", "rx"))).length, 3);
    await ferryOk(w.bob, ["toss"]);
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/urgent.txt`), "urgent\n");
    assertEquals((await Deno.stat(`${w.bob.incoming}/big.bin`)).size, 200_000);
    // The transit packet went on to carol's queue in bob's spool, where NNCP sends it on.
    assertEquals((await packetsIn(queueDir(w.bob, "carol", "tx"))).length, 1);
    assertEquals(
      (await ferryOk(w.bob, ["stat", "--pkt"])).stdout,
      (await nncp("stat", w.bob, ["-pkt"])).stdout,
    );
    await nncp("xfer", w.bob, ["-mkdir", "-tx", w.media]);
    await nncp("xfer", w.carol, ["-rx", w.media]);
    await nncp("toss", w.carol, []);
    assertEquals(await Deno.readTextFile(`${w.carol.incoming}/via.txt`), "via bob\n");
  });
});

Deno.test("an ack from ferry makes nncp-toss drop the acked packet from its tx", async () => {
  await withWorld(async (w) => {
    await nncp("file", w.bob, ["-", "alice:ackme.txt"], "ack me\n");
    const [sent] = await packetsIn(queueDir(w.bob, "alice", "tx"));
    await nncp("xfer", w.bob, ["-mkdir", "-keep", "-tx", w.media]);
    assertEquals(await packetsIn(queueDir(w.bob, "alice", "tx")), [sent!], "-keep kept it");

    await ferryOk(w.alice, ["xfer", "--rx", w.media]);
    const acks = (await ferryOk(w.alice, ["ack", "--node", "bob"])).stdout.trim().split("\n");
    assertEquals(acks.length, 1);
    await ferryOk(w.alice, ["toss"]);
    assertEquals(await Deno.readTextFile(`${w.alice.incoming}/ackme.txt`), "ack me\n");
    await ferryOk(w.alice, ["xfer", "--mkdir", "--tx", w.media]);

    await nncp("xfer", w.bob, ["-rx", w.media]);
    await nncp("toss", w.bob, []);
    assertEquals(await packetsIn(queueDir(w.bob, "alice", "tx")), []);
  });
});

Deno.test("an ack from nncp-ack makes ferry toss drop the acked packet from its tx", async () => {
  await withWorld(async (w) => {
    await ferryOk(w.alice, ["file", "-", "bob:ackme.txt"], "ack me\n");
    const [sent] = await packetsIn(queueDir(w.alice, "bob", "tx"));
    await ferryOk(w.alice, ["xfer", "--mkdir", "--keep", "--tx", w.media]);
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), [sent!], "--keep kept it");

    await nncp("xfer", w.bob, ["-rx", w.media]);
    await nncp("ack", w.bob, ["-node", "alice"]);
    await nncp("toss", w.bob, []);
    await nncp("xfer", w.bob, ["-mkdir", "-tx", w.media]);

    await ferryOk(w.alice, ["xfer", "--rx", w.media]);
    const toss = await ferryOk(w.alice, ["toss"]);
    assertEquals(toss.stderr.includes(`Got ACK packet from bob of ${sent}`), true, toss.stderr);
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), []);
  });
});

Deno.test("a chunked file from ferry is tossed by NNCP and put back together by nncp-reass", async () => {
  await withWorld(async (w) => {
    const data = patternBytes(350_000, 13);
    await Deno.writeFile(`${w.root}/big.bin`, data);
    const queued =
      (await ferryOk(w.alice, ["file", "--chunked", "100", `${w.root}/big.bin`, "bob:"]))
        .stdout.trim().split("\n");
    assertEquals(queued.length, 5, "four chunks and the meta");
    await ferryOk(w.alice, ["xfer", "--mkdir", "--tx", w.media]);
    await nncp("xfer", w.bob, ["-rx", w.media]);
    await nncp("toss", w.bob, []);
    assertNotEquals(await Deno.stat(`${w.bob.incoming}/big.bin.nncp.meta`), null);
    await nncp("reass", w.bob, [`${w.bob.incoming}/big.bin.nncp.meta`]);
    assertEquals(sameBytes(await Deno.readFile(`${w.bob.incoming}/big.bin`), data), true);
  });
});
