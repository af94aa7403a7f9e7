/**
 * `ferry toss --nofile`/`--noexec` (NNCP's spellings): packets of a disabled
 * kind stay in rx/ without a seen/ marker and are delivered by a later toss.
 */

import { assertEquals } from "../assert.ts";
import { ferryOk, handOver, packetsIn, queueDir, withWorld } from "./_world.ts";

Deno.test("toss --nofile leaves file packets in rx/ untouched; a later toss delivers them", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.root}/later.txt`, "later\n");
    await ferryOk(w.alice, ["file", `${w.root}/later.txt`, "bob:later.txt"]);
    await handOver(w, "alice", "bob");
    const rx = queueDir(w.bob, "alice", "rx");
    const [id] = await packetsIn(rx);
    await ferryOk(w.bob, ["toss", "--nofile"]);
    assertEquals(await packetsIn(rx), [id]);
    const seen = await Deno.stat(`${rx}/seen/${id}`).then(() => true, () => false);
    assertEquals(seen, false, "a packet left alone must not be marked seen");
    const early = await Deno.stat(`${w.bob.incoming}/later.txt`).then(() => true, () => false);
    assertEquals(early, false);
    await ferryOk(w.bob, ["toss"]);
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/later.txt`), "later\n");
    assertEquals(await packetsIn(rx), []);
  });
});

Deno.test("toss --noexec leaves exec packets and still delivers files", async () => {
  await withWorld(async (w) => {
    await ferryOk(w.alice, ["exec", "bob", "appender", "x"], "body\n");
    await Deno.writeTextFile(`${w.root}/now.txt`, "now\n");
    await ferryOk(w.alice, ["file", `${w.root}/now.txt`, "bob:now.txt"]);
    await handOver(w, "alice", "bob");
    const rx = queueDir(w.bob, "alice", "rx");
    await ferryOk(w.bob, ["toss", "--noexec"]);
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/now.txt`), "now\n");
    assertEquals((await packetsIn(rx)).length, 1, "the exec packet waits in rx/");
  });
});
