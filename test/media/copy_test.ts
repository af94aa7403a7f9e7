import { assert, assertEquals, assertRejects } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { encodeBase32 } from "../../src/encoding/base32.ts";
import { hashWorkersLive, Mth, withSharedHashWorker } from "../../src/packet/mod.ts";
import { copyPlain, copyWithId, readBack } from "../../src/xfer/mod.ts";
import { copyHashMode } from "../../src/xfer/copy.ts";
import { removeStaleTemps } from "../../src/fsutil/mod.ts";
import { seeded, seededBytes } from "./_media.ts";

async function mthOf(data: Uint8Array): Promise<string> {
  const mth = await Mth.create();
  mth.update(data);
  return encodeBase32(mth.digest());
}

Deno.test("copyWithId and readBack give the MTH of the bytes for sizes around the block, buffer, chunk and worker limits", async () => {
  await withTempDir(async (dir) => {
    const random = seeded(7);
    const sizes = [
      0,
      1,
      65535,
      65536,
      65537,
      131072,
      131073,
      1024 * 1024 - 1,
      1024 * 1024,
      1024 * 1024 + 5,
      4 * 1024 * 1024 - 1,
      4 * 1024 * 1024,
      4 * 1024 * 1024 + 5,
      9 * 1024 * 1024 + 3,
    ];
    for (const size of sizes) {
      const data = seededBytes(random, size);
      await Deno.writeFile(`${dir}/src`, data);
      const copied = await copyWithId(`${dir}/src`, `${dir}/dst-${size}`);
      const want = await mthOf(data);
      assertEquals(copied, { id: want, bytes: size }, `size ${size}`);
      assertEquals(await Deno.readFile(`${dir}/dst-${size}`), data);
      const back = await readBack(`${dir}/dst-${size}`);
      assertEquals([back.id, back.bytes], [want, size]);
      assertEquals(back.dev, (await Deno.stat(dir)).dev);
      assertEquals(await copyPlain(`${dir}/src`, `${dir}/plain-${size}`), size);
      assertEquals(await Deno.readFile(`${dir}/plain-${size}`), data);
      // Told the size (as xfer is), a copy reads through buffers sized to the file.
      const sized = await copyWithId(`${dir}/src`, `${dir}/sized-${size}`, { expectBytes: size });
      assertEquals(sized, { id: want, bytes: size }, `size ${size}, sized buffers`);
      assertEquals(await Deno.readFile(`${dir}/sized-${size}`), data);
    }
  });
});

Deno.test("read-backs hash on their own thread on two cores or fewer; a kernel copy's id is hashed with the workers", async () => {
  assertEquals([1, 2].map((n) => copyHashMode(n)), ["inline", "inline"]);
  assertEquals([3, 4, 64].map((n) => copyHashMode(n)), ["auto", "auto", "auto"]);
  await withTempDir(async (dir) => {
    const data = seededBytes(seeded(3), 12 * 1024 * 1024 + 7);
    await Deno.writeFile(`${dir}/src`, data);
    // Inside a run that holds the pool, workers a pipe borrowed stay up after it: count them.
    const afterReadBack = await withSharedHashWorker(async () => {
      assertEquals((await readBack(`${dir}/src`)).id, await mthOf(data));
      return hashWorkersLive();
    });
    if (copyHashMode() === "inline") {
      assertEquals(afterReadBack, 0, "no hashing worker for a read-back on this machine");
    } else assert(afterReadBack > 0, "the read-back of 12 MiB shares its hashing with the workers");
    // The copy is made in the kernel, then hashed from memory while it is fsynced:
    // the disk is not read then, so the workers help on any number of cores.
    const afterCopy = await withSharedHashWorker(async () => {
      const copied = await copyWithId(`${dir}/src`, `${dir}/dst`);
      assertEquals(copied.id, await mthOf(data));
      return hashWorkersLive();
    });
    assert(afterCopy > 0, "the id of a 12 MiB kernel copy is hashed with the workers");
  });
});

Deno.test("a copy of a source that grows past its expected size fails and leaves no copy", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/src`, new Uint8Array(5 * 1024 * 1024));
    await assertRejects(
      () => copyWithId(`${dir}/src`, `${dir}/dst`, { expectBytes: 1024 * 1024 }),
      RangeError,
      "grew while being copied",
    );
    await assertRejects(() => Deno.stat(`${dir}/dst`), Deno.errors.NotFound);
  });
});

Deno.test("an aborted copy leaves no copy, and a copy never replaces an existing file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/src`, new Uint8Array(12 * 1024 * 1024));
    const stop = new AbortController();
    stop.abort();
    await assertRejects(() => copyWithId(`${dir}/src`, `${dir}/dst`, { signal: stop.signal }));
    await assertRejects(() => Deno.stat(`${dir}/dst`), Deno.errors.NotFound);
    await Deno.writeTextFile(`${dir}/there`, "keep");
    await assertRejects(() => copyPlain(`${dir}/src`, `${dir}/there`), Deno.errors.AlreadyExists);
    assertEquals(await Deno.readTextFile(`${dir}/there`), "keep");
  });
});

Deno.test("removeStaleTemps removes temporary files of dead processes only, and only its own kind", async () => {
  await withTempDir(async (dir) => {
    const dead = 2 ** 22 + 12345; // above Linux's largest pid
    const names = {
      deadXfer: `.xfer.${dead}.1.abc`,
      liveXfer: `.xfer.${Deno.pid}.2.def`,
      deadTx: `.tx.${dead}.3.ghi`,
      other: "notes.txt",
    };
    for (const n of Object.values(names)) await Deno.writeTextFile(`${dir}/${n}`, "x");
    await Deno.mkdir(`${dir}/.xfer.${dead}.4.dir`);
    const removed = await removeStaleTemps(dir, {
      prefixOk: (p) => p === "xfer",
      anyPid: false,
      entriesMax: 100,
    });
    assertEquals(removed, [`${dir}/${names.deadXfer}`]);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(left, [`.xfer.${dead}.4.dir`, names.deadTx, names.liveXfer, names.other].sort());
    assert(
      (await removeStaleTemps(dir, {
        prefixOk: (p) => p === "xfer",
        anyPid: true,
        entriesMax: 100,
      })).length === 1,
    );
  });
});
