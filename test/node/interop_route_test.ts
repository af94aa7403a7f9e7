/**
 * Three-node routes mixing ferry and NNCP: alice reaches carol only via
 * bob, so her packets travel wrapped in transit packets that the relay
 * unwraps and passes on.
 */

import { assertEquals } from "../assert.ts";
import {
  ferryOk,
  ferryStdout,
  mediaDir,
  nncp,
  packetsIn,
  patternBytes,
  queueDir,
  sameBytes,
  withWorld,
} from "./_world.ts";

Deno.test("a file from ferry alice reaches ferry carol through NNCP bob as the via relay", async () => {
  await withWorld(async (w) => {
    const big = patternBytes(150_000, 7);
    await Deno.writeFile(`${w.root}/big.bin`, big);
    await ferryOk(w.alice, ["file", `${w.root}/big.bin`, "carol:"]);
    assertEquals((await packetsIn(queueDir(w.alice, "bob", "tx"))).length, 1, "queued for bob");
    await ferryOk(w.alice, ["xfer", "--mkdir", "--tx", w.media]);
    await nncp("xfer", w.bob, ["-rx", w.media]);
    await nncp("toss", w.bob, []);
    assertEquals((await packetsIn(queueDir(w.bob, "carol", "tx"))).length, 1, "bob relays");

    // Second leg on a medium: the folder says bob, the packet inside is signed by alice.
    await nncp("xfer", w.bob, ["-mkdir", "-tx", w.media]);
    assertEquals((await packetsIn(mediaDir(w, "carol", "bob"))).length, 1);
    await ferryOk(w.carol, ["xfer", "--rx", w.media]);
    await ferryOk(w.carol, ["toss"]);
    assertEquals(sameBytes(await Deno.readFile(`${w.carol.incoming}/big.bin`), big), true);

    // The same route with the second leg in a bundle.
    await ferryOk(w.alice, ["file", "-", "carol:second.txt"], "by bundle\n");
    await ferryOk(w.alice, ["xfer", "--tx", w.media]);
    await nncp("xfer", w.bob, ["-rx", w.media]);
    await nncp("toss", w.bob, []);
    const bundle = (await new Deno.Command("nncp-bundle", {
      args: ["-cfg", w.bob.cfg, "-tx", "-delete", "carol"],
      stdout: "piped",
      stderr: "null",
    }).output()).stdout;
    await ferryOk(w.carol, ["bundle", "--rx"], bundle);
    await ferryOk(w.carol, ["toss"]);
    assertEquals(await Deno.readTextFile(`${w.carol.incoming}/second.txt`), "by bundle\n");
  });
});

Deno.test("a file from NNCP alice reaches NNCP carol through ferry bob as the via relay", async () => {
  await withWorld(async (w) => {
    const big = patternBytes(150_000, 8);
    await Deno.writeFile(`${w.root}/big.bin`, big);
    await nncp("file", w.alice, [`${w.root}/big.bin`, "carol:"]);
    await nncp("xfer", w.alice, ["-mkdir", "-tx", w.media]);
    await ferryOk(w.bob, ["xfer", "--rx", w.media]);
    await ferryOk(w.bob, ["toss"]);
    assertEquals((await packetsIn(queueDir(w.bob, "carol", "tx"))).length, 1, "ferry relays");
    await ferryOk(w.bob, ["xfer", "--mkdir", "--tx", w.media]);
    await nncp("xfer", w.carol, ["-rx", w.media]);
    await nncp("toss", w.carol, []);
    assertEquals(sameBytes(await Deno.readFile(`${w.carol.incoming}/big.bin`), big), true);

    // Second leg in a bundle from ferry.
    await nncp("file", w.alice, ["-", "carol:second.txt"], "by bundle\n");
    await nncp("xfer", w.alice, ["-tx", w.media]);
    await ferryOk(w.bob, ["xfer", "--rx", w.media]);
    await ferryOk(w.bob, ["toss"]);
    const bundle = await ferryStdout(w.bob, ["bundle", "--tx", "--delete", "--node", "carol"]);
    await nncp("bundle", w.carol, ["-rx"], bundle);
    await nncp("toss", w.carol, []);
    assertEquals(await Deno.readTextFile(`${w.carol.incoming}/second.txt`), "by bundle\n");
  });
});
