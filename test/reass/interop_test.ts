/**
 * Chunked files between ferry and the real NNCP tools, both ways: NNCP's
 * `nncp-file -chunked` tossed by ferry (which reassembles by itself, or
 * with `ferry reass`), and ferry's chunks tossed by `nncp-toss` and put
 * together by `nncp-reass`.
 */

import { assert_ as assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ferryOk, namesIn, nncp, patternBytes, sameBytes, withWorld } from "../node/_world.ts";
import { carry } from "./_carry.ts";

const KiB = 1024;

Deno.test("NNCP's nncp-file -chunked is tossed by ferry, which reassembles the file by itself", async () => {
  await withWorld(async (w) => {
    const data = patternBytes(5 * 64 * KiB + 1234, 7);
    await Deno.writeFile(`${w.root}/big.bin`, data);
    await nncp("file", w.bob, ["-chunked", "64", `${w.root}/big.bin`, "alice:big.bin"]);
    await carry(w, { node: w.bob, nncp: true }, { node: w.alice, nncp: false });
    await ferryOk(w.alice, ["toss"]);
    assertEquals(await namesIn(w.alice.incoming), ["big.bin"]);
    assert(sameBytes(await Deno.readFile(`${w.alice.incoming}/big.bin`), data));
  });
});

Deno.test("with toss --noreass the chunks wait, and ferry reass --node puts them together", async () => {
  await withWorld(async (w) => {
    const data = patternBytes(3 * 16 * KiB + 5, 8);
    await Deno.writeFile(`${w.root}/f.bin`, data);
    await nncp("file", w.bob, ["-chunked", "16", `${w.root}/f.bin`, "alice:f.bin"]);
    await carry(w, { node: w.bob, nncp: true }, { node: w.alice, nncp: false });
    await ferryOk(w.alice, ["toss", "--noreass"]);
    assertEquals(await namesIn(w.alice.incoming), [
      "f.bin.nncp.chunk0",
      "f.bin.nncp.chunk1",
      "f.bin.nncp.chunk2",
      "f.bin.nncp.chunk3",
      "f.bin.nncp.meta",
    ]);
    const dry = await ferryOk(w.alice, [
      "reass",
      "--dryrun",
      `${w.alice.incoming}/f.bin.nncp.meta`,
    ]);
    assertEquals(dry.stdout, "");
    assertEquals((await namesIn(w.alice.incoming)).length, 5);
    const out = await ferryOk(w.alice, ["reass", "--node", "bob"]);
    assertEquals(out.stdout, `${w.alice.incoming}/f.bin\n`);
    assertEquals(await namesIn(w.alice.incoming), ["f.bin"]);
    assert(sameBytes(await Deno.readFile(`${w.alice.incoming}/f.bin`), data));
  });
});

Deno.test("ferry file --chunked is tossed by nncp-toss and reassembled by nncp-reass", async () => {
  await withWorld(async (w) => {
    const data = patternBytes(4 * 32 * KiB + 77, 9);
    await Deno.writeFile(`${w.root}/photo.jpg`, data);
    await ferryOk(w.alice, ["file", "--chunked", "32", `${w.root}/photo.jpg`, "bob:"]);
    await carry(w, { node: w.alice, nncp: false }, { node: w.bob, nncp: true });
    await nncp("toss", w.bob, []);
    assertEquals((await namesIn(w.bob.incoming)).length, 6);
    await nncp("reass", w.bob, ["-all"]);
    assertEquals(await namesIn(w.bob.incoming), ["photo.jpg"]);
    assert(sameBytes(await Deno.readFile(`${w.bob.incoming}/photo.jpg`), data));
  });
});

Deno.test("ferry file chunks a file over ferry.send.chunk-over by itself, says so, and NNCP reassembles it", async () => {
  await withWorld(async (w) => {
    const data = patternBytes(100 * KiB + 3, 10);
    await Deno.writeFile(`${w.root}/map.pmtiles`, data);
    const out = await ferryOk(w.alice, ["file", `${w.root}/map.pmtiles`, "bob:maps/map.pmtiles"]);
    assertStringIncludes(out.stderr, "file-chunked");
    assertStringIncludes(out.stderr, "chunks=3");
    assertStringIncludes(out.stderr, "over ferry.send.chunk-over (40 KiB)");
    assertEquals(out.stdout.trim().split("\n").length, 4); // 3 chunks and the meta
    await carry(w, { node: w.alice, nncp: false }, { node: w.bob, nncp: true });
    await nncp("toss", w.bob, []);
    await nncp("reass", w.bob, [`${w.bob.incoming}/maps/map.pmtiles.nncp.meta`]);
    assertEquals(await namesIn(`${w.bob.incoming}/maps`), ["map.pmtiles"]);
    assert(sameBytes(await Deno.readFile(`${w.bob.incoming}/maps/map.pmtiles`), data));
  }, (name, cfg) => {
    if (name === "alice") cfg.ferry = { send: { "chunk-over": 40 * KiB } };
  });
});
