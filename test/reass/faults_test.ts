/**
 * Reassembly refuses what it cannot trust: a missing chunk, a corrupt chunk,
 * a meta that lies about sizes or is not a meta at all. Each case names the
 * file and the chunk, writes nothing, and leaves every piece where it was.
 */

import { assert_ as assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { encodeChunkedMeta } from "../../src/packet/mod.ts";
import { metaBytesMax, reassemble, ReassError } from "../../src/reass/mod.ts";
import { namesIn, sameBytes } from "../node/_world.ts";
import { hiddenIn, makeChunked, mthOf } from "./_fixture.ts";

async function refused(meta: string): Promise<ReassError> {
  try {
    await reassemble(meta);
  } catch (err) {
    if (err instanceof ReassError) return err;
    throw err;
  }
  throw new Error(`reassembling ${meta} should have failed`);
}

Deno.test("reassembly puts chunks back together, removes them, and leaves no temporary file", async () => {
  await withTempDir(async (dir) => {
    const c = await makeChunked(dir, "disk.img", 5 * 4096 + 17, 4096);
    const r = await reassemble(c.meta);
    assertEquals(r.path, `${dir}/disk.img`);
    assertEquals(await namesIn(dir), ["disk.img"]);
    assert(sameBytes(await Deno.readFile(`${dir}/disk.img`), c.data));
  });
});

Deno.test("an existing file of the same name is kept and the new one becomes NAME.0", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/a.bin`, "older\n");
    const c = await makeChunked(dir, "a.bin", 3000, 1024);
    assertEquals((await reassemble(c.meta)).path, `${dir}/a.bin.0`);
    assertEquals(await Deno.readTextFile(`${dir}/a.bin`), "older\n");
    assert(sameBytes(await Deno.readFile(`${dir}/a.bin.0`), c.data));
  });
});

Deno.test("a missing chunk is named, nothing is written and every piece stays", async () => {
  await withTempDir(async (dir) => {
    const c = await makeChunked(dir, "m.bin", 4 * 1024 + 1, 1024);
    await Deno.remove(c.chunks[2]!);
    const before = await namesIn(dir);
    const err = await refused(c.meta);
    assertEquals(err.code, "missing");
    assertEquals(err.problems, [`chunk 2 (${c.chunks[2]}) is missing`]);
    assertEquals(await namesIn(dir), before);
    assertEquals(await hiddenIn(dir), []);
  });
});

Deno.test("a corrupt chunk is named, the temporary file is removed and the pieces stay", async () => {
  await withTempDir(async (dir) => {
    const c = await makeChunked(dir, "c.bin", 6 * 1024 + 5, 1024);
    const bad = await Deno.readFile(c.chunks[3]!);
    bad[100]! ^= 0x40;
    await Deno.writeFile(c.chunks[3]!, bad);
    const before = await namesIn(dir);
    const err = await refused(c.meta);
    assertEquals(err.code, "bad-chunk");
    assertEquals(err.problems, [
      `chunk 3 (${c.chunks[3]}) does not match its checksum in the meta`,
    ]);
    assertStringIncludes(err.message, "ask for them again");
    assertEquals(await namesIn(dir), before);
    assertEquals(await hiddenIn(dir), []);
  });
});

Deno.test("a meta that lies about the file size is caught at the chunk sizes", async () => {
  await withTempDir(async (dir) => {
    const c = await makeChunked(dir, "l.bin", 3 * 1024 + 10, 1024);
    const sums = await Promise.all(
      c.chunks.map(async (p) => await mthOf(await Deno.readFile(p))),
    );
    // Same chunk count, but 100 bytes more in the last chunk than there are.
    await Deno.writeFile(
      c.meta,
      encodeChunkedMeta({ fileSize: 3 * 1024 + 110, chunkSize: 1024, checksums: sums }),
    );
    const err = await refused(c.meta);
    assertEquals(err.code, "bad-chunk");
    assertEquals(err.problems, [`chunk 3 (${c.chunks[3]}) has 10 bytes, the meta says 110`]);
    // A chunk size that does not fit the chunk count.
    await Deno.writeFile(
      c.meta,
      encodeChunkedMeta({ fileSize: 3 * 1024 + 10, chunkSize: 512, checksums: sums }),
    );
    const err2 = await refused(c.meta);
    assertEquals(err2.code, "bad-meta");
    assertStringIncludes(err2.message, "4 chunks cannot make 3082 bytes in chunks of 512");
    // A size beyond what can be counted exactly.
    const huge = encodeChunkedMeta({ fileSize: 1, chunkSize: 1024, checksums: [sums[0]!] });
    huge.set([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], 8);
    await Deno.writeFile(c.meta, huge);
    assertEquals((await refused(c.meta)).code, "bad-meta");
    assertEquals((await namesIn(dir)).length, 5);
    assertEquals(await hiddenIn(dir), []);
  });
});

Deno.test("a file that is not a meta is refused without being read whole", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/x.nncp.meta`, "not a meta at all\n");
    const err = await refused(`${dir}/x.nncp.meta`);
    assertEquals(err.code, "bad-meta");
    assertStringIncludes(err.message, "magic");
    const big = await Deno.open(`${dir}/y.nncp.meta`, { write: true, create: true });
    await big.truncate(metaBytesMax + 1);
    big.close();
    const err2 = await refused(`${dir}/y.nncp.meta`);
    assertStringIncludes(err2.message, "more than a meta may have");
    await Deno.writeTextFile(`${dir}/z.meta`, "");
    assertStringIncludes((await refused(`${dir}/z.meta`)).message, "must end in .nncp.meta");
  });
});

Deno.test("a chunk that is a symbolic link is refused", async () => {
  await withTempDir(async (dir) => {
    const c = await makeChunked(dir, "s.bin", 2 * 1024 + 1, 1024);
    await Deno.rename(c.chunks[1]!, `${dir}/elsewhere`);
    await Deno.symlink(`${dir}/elsewhere`, c.chunks[1]!);
    const err = await refused(c.meta);
    assertEquals(err.problems, [`chunk 1 (${c.chunks[1]}) is not a regular file`]);
  });
});

Deno.test("--dryrun checks without writing, --keep leaves the pieces", async () => {
  await withTempDir(async (dir) => {
    const c = await makeChunked(dir, "k.bin", 2 * 1024 + 1, 1024);
    const dry = await reassemble(c.meta, { dryRun: true });
    assertEquals(dry.path, undefined);
    assertEquals((await namesIn(dir)).length, 4);
    await reassemble(c.meta, { keep: true });
    assertEquals(await namesIn(dir), [
      "k.bin",
      "k.bin.nncp.chunk0",
      "k.bin.nncp.chunk1",
      "k.bin.nncp.chunk2",
      "k.bin.nncp.meta",
    ]);
    assertEquals(await hiddenIn(dir), []);
  });
});

Deno.test("a big file with an odd chunk size is put together whole (on 3+ cores hashed with a worker)", async () => {
  await withTempDir(async (dir) => {
    const c = await makeChunked(dir, "big.bin", 10 * 1024 * 1024 + 5, 3 * 1024 * 1024 + 1234, 5);
    const r = await reassemble(c.meta);
    assertEquals(r.chunks, 4);
    assertEquals(await namesIn(dir), ["big.bin"]);
    assert(sameBytes(await Deno.readFile(`${dir}/big.bin`), c.data));
  });
});

Deno.test("in a big file only the corrupt chunk is named (the hashing restarts cleanly)", async () => {
  await withTempDir(async (dir) => {
    const c = await makeChunked(dir, "big.bin", 12 * 1024 * 1024, 3 * 1024 * 1024 - 4096, 6);
    const bytes = await Deno.readFile(c.chunks[2]!);
    bytes[bytes.length - 1]! ^= 1;
    await Deno.writeFile(c.chunks[2]!, bytes);
    const err = await refused(c.meta);
    assertEquals(err.problems, [
      `chunk 2 (${c.chunks[2]}) does not match its checksum in the meta`,
    ]);
    assertEquals(await hiddenIn(dir), []);
    assertEquals((await namesIn(dir)).length, 6);
  });
});

Deno.test("a file that is an exact multiple of the chunk size, and an empty one, come back whole", async () => {
  await withTempDir(async (dir) => {
    const c = await makeChunked(dir, "even.bin", 4 * 1024, 1024);
    assertEquals(c.chunks.length, 4);
    await reassemble(c.meta);
    assert(sameBytes(await Deno.readFile(`${dir}/even.bin`), c.data));
    const e = await makeChunked(dir, "empty.bin", 0, 1024);
    await reassemble(e.meta);
    assertEquals((await Deno.stat(`${dir}/empty.bin`)).size, 0);
    assertEquals(await namesIn(dir), ["empty.bin", "even.bin"]);
  });
});
