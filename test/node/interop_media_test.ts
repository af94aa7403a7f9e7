/**
 * ferry and the real NNCP tools exchange files both ways through an
 * nncp-xfer medium folder and through nncp-bundle streams.
 */

import { assertEquals } from "../assert.ts";
import {
  ferryOk,
  ferryStdout,
  mediaDir,
  namesIn,
  nncp,
  packetsIn,
  patternBytes,
  queueDir,
  sameBytes,
  withWorld,
} from "./_world.ts";

Deno.test("a file queued by nncp-file reaches ferry's incoming through an nncp-xfer folder", async () => {
  await withWorld(async (w) => {
    const big = patternBytes(300_000, 1);
    await Deno.writeFile(`${w.root}/big.bin`, big);
    await Deno.writeTextFile(`${w.root}/note.txt`, "from NNCP bob\n");
    await nncp("file", w.bob, [`${w.root}/big.bin`, "alice:"]);
    await nncp("file", w.bob, [`${w.root}/note.txt`, "alice:notes/note.txt"]);
    await nncp("xfer", w.bob, ["-mkdir", "-tx", w.media]);
    assertEquals((await packetsIn(mediaDir(w, "alice", "bob"))).length, 2);

    await ferryOk(w.alice, ["xfer", "--rx", w.media]);
    assertEquals(
      await packetsIn(mediaDir(w, "alice", "bob")),
      [],
      "ferry takes them off the medium",
    );
    await ferryOk(w.alice, ["toss"]);

    assertEquals(sameBytes(await Deno.readFile(`${w.alice.incoming}/big.bin`), big), true);
    assertEquals(
      await Deno.readTextFile(`${w.alice.incoming}/notes/note.txt`),
      "from NNCP bob\n",
    );
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "rx")), []);
  });
});

Deno.test("a file queued by ferry reaches NNCP's incoming through a ferry xfer folder", async () => {
  await withWorld(async (w) => {
    const big = patternBytes(300_000, 2);
    await Deno.writeFile(`${w.root}/big.bin`, big);
    await ferryOk(w.alice, ["file", `${w.root}/big.bin`, "bob:"]);
    await ferryOk(w.alice, ["file", "-", "bob:piped.txt"], "from ferry alice\n");
    await ferryOk(w.alice, ["xfer", "--mkdir", "--tx", w.media]);
    assertEquals((await packetsIn(mediaDir(w, "bob", "alice"))).length, 2);
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), [], "sent packets leave tx");

    await nncp("xfer", w.bob, ["-rx", w.media]);
    await nncp("toss", w.bob, []);

    assertEquals(sameBytes(await Deno.readFile(`${w.bob.incoming}/big.bin`), big), true);
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/piped.txt`), "from ferry alice\n");
    assertEquals(await packetsIn(mediaDir(w, "bob", "alice")), []);
  });
});

Deno.test("a bundle written by nncp-bundle is taken in by ferry bundle and tossed", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.root}/one.txt`, "bundle one\n");
    await Deno.writeTextFile(`${w.root}/two.txt`, "bundle two\n");
    await nncp("file", w.bob, [`${w.root}/one.txt`, "alice:"]);
    await nncp("file", w.bob, [`${w.root}/two.txt`, "alice:"]);
    const bundle = (await new Deno.Command("nncp-bundle", {
      args: ["-cfg", w.bob.cfg, "-tx", "-delete", "alice"],
      stdout: "piped",
      stderr: "null",
    }).output()).stdout;
    assertEquals(await packetsIn(queueDir(w.bob, "alice", "tx")), [], "-delete emptied bob's tx");

    await ferryOk(w.alice, ["bundle", "--rx"], bundle);
    assertEquals((await packetsIn(queueDir(w.alice, "bob", "rx"))).length, 2);
    await ferryOk(w.alice, ["toss"]);
    assertEquals(await Deno.readTextFile(`${w.alice.incoming}/one.txt`), "bundle one\n");
    assertEquals(await Deno.readTextFile(`${w.alice.incoming}/two.txt`), "bundle two\n");
  });
});

Deno.test("a bundle written by ferry bundle is taken in by nncp-bundle and tossed by nncp-toss", async () => {
  await withWorld(async (w) => {
    const big = patternBytes(200_000, 3);
    await Deno.writeFile(`${w.root}/big.bin`, big);
    await ferryOk(w.alice, ["file", `${w.root}/big.bin`, "bob:"]);
    await ferryOk(w.alice, ["file", "-", "bob:small.txt"], "small\n");
    const bundle = await ferryStdout(w.alice, ["bundle", "--tx", "--delete", "--node", "bob"]);
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), []);

    await nncp("bundle", w.bob, ["-rx"], bundle);
    await nncp("toss", w.bob, []);
    assertEquals(sameBytes(await Deno.readFile(`${w.bob.incoming}/big.bin`), big), true);
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/small.txt`), "small\n");
    assertEquals(await namesIn(w.bob.incoming), ["big.bin", "small.txt"]);
  });
});
