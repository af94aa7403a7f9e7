// The native file helpers behind exports: kernel copies, memcmp read-backs
// and statfs through libc must agree with the portable code they replace.
import { statfs } from "node:fs/promises";
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { kernelCopy, kernelCopyChunkBytes } from "../../src/fsutil/kernel_copy.ts";
import { openComparator, sameBytesLoop } from "../../src/fsutil/memcmp.ts";
import { freeBytes, statFs } from "../../src/fsutil/space.ts";
import { compareWithSource, copyPlain } from "../../src/xfer/copy.ts";
import { seeded, seededBytes } from "./_media.ts";

Deno.test("kernelCopy copies every size exactly, across chunk boundaries", async () => {
  await withTempDir(async (dir) => {
    const random = seeded(11);
    for (const size of [0, 1, 4095, 65537, kernelCopyChunkBytes - 1, kernelCopyChunkBytes + 3]) {
      const data = seededBytes(random, size);
      await Deno.writeFile(`${dir}/src`, data);
      await Deno.writeFile(`${dir}/dst`, new Uint8Array(0));
      let reported = 0;
      const copied = await kernelCopy(`${dir}/src`, `${dir}/dst`, {
        onChunk: (n) => reported += n,
      });
      assertEquals(copied, size, `kernel copy of ${size} bytes`);
      assertEquals(reported, size);
      assert(sameBytesLoop(await Deno.readFile(`${dir}/dst`), data), `${size} bytes differ`);
    }
  });
});

Deno.test("kernelCopy refuses a source longer than expected, an abort, and a missing source", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/src`, new Uint8Array(kernelCopyChunkBytes + 10));
    await Deno.writeFile(`${dir}/dst`, new Uint8Array(0));
    await assertRejects(
      () => kernelCopy(`${dir}/src`, `${dir}/dst`, { expectBytes: 100 }),
      RangeError,
      "grew while being copied",
    );
    const abort = new AbortController();
    abort.abort(new Error("stop now"));
    await assertRejects(
      () => kernelCopy(`${dir}/src`, `${dir}/dst`, { signal: abort.signal }),
      Error,
      "stop now",
    );
    await assertRejects(
      () => kernelCopy(`${dir}/missing`, `${dir}/dst`),
      Error,
      `No such file or directory (os error 2): open '${dir}/missing'`,
    );
  });
});

Deno.test("copyPlain never replaces an existing file and leaves no copy behind a failure", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/src`, new Uint8Array(5000).fill(3));
    await Deno.writeFile(`${dir}/taken`, new Uint8Array([9]));
    await assertRejects(() => copyPlain(`${dir}/src`, `${dir}/taken`), Deno.errors.AlreadyExists);
    assertEquals(await Deno.readFile(`${dir}/taken`), new Uint8Array([9]));
    await assertRejects(() => copyPlain(`${dir}/src`, `${dir}/short`, { expectBytes: 10 }));
    await assertRejects(() => Deno.stat(`${dir}/short`), Deno.errors.NotFound);
    assertEquals(await copyPlain(`${dir}/src`, `${dir}/ok`), 5000);
    assertEquals(await Deno.readFile(`${dir}/ok`), new Uint8Array(5000).fill(3));
  });
});

Deno.test("compareWithSource finds a difference in any chunk, a length change, and says how far it matched", async () => {
  await withTempDir(async (dir) => {
    const random = seeded(5);
    const size = 3 * 1024 * 1024 + 77;
    const data = seededBytes(random, size);
    await Deno.writeFile(`${dir}/src`, data);
    await Deno.writeFile(`${dir}/copy`, data);
    assertEquals((await compareWithSource(`${dir}/copy`, `${dir}/src`)).same, true);
    for (const at of [0, 1024 * 1024 - 1, 1024 * 1024, 2 * 1024 * 1024 + 5, size - 1]) {
      const bad = data.slice();
      bad[at]! ^= 0x20;
      await Deno.writeFile(`${dir}/copy`, bad);
      const got = await compareWithSource(`${dir}/copy`, `${dir}/src`);
      assertEquals(got.same, false, `a change at byte ${at}`);
      assert(got.bytes <= at, `matched ${got.bytes} bytes past a change at ${at}`);
    }
    await Deno.writeFile(`${dir}/copy`, data.subarray(0, size - 1));
    assertEquals((await compareWithSource(`${dir}/copy`, `${dir}/src`)).same, false);
    await Deno.writeFile(`${dir}/copy`, new Uint8Array(0));
    await Deno.writeFile(`${dir}/src`, new Uint8Array(0));
    assertEquals((await compareWithSource(`${dir}/copy`, `${dir}/src`)).same, true);
  });
});

Deno.test("memcmp and the portable loop agree on aligned and unaligned views", () => {
  using same = openComparator();
  assert(same.native, "libc's memcmp should load with -A");
  const sameBytes = (a: Uint8Array, b: Uint8Array) => same.equal(a, b);
  const random = seeded(3);
  const a = seededBytes(random, 70_000);
  for (const [offset, length] of [[0, 70_000], [1, 69_999], [3, 5000], [4, 65_536], [0, 7]]) {
    const x = a.subarray(offset!, offset! + length!);
    const y = new Uint8Array(length! + 1).subarray(1);
    y.set(x);
    assert(sameBytes(x, y) && sameBytesLoop(x, y), `equal at ${offset}+${length}`);
    for (const at of [0, length! >> 1, length! - 1]) {
      y[at]! ^= 1;
      assert(!sameBytes(x, y) && !sameBytesLoop(x, y), `differ at ${at} of ${offset}+${length}`);
      y[at]! ^= 1;
    }
  }
  assert(!sameBytes(new Uint8Array(10_000), new Uint8Array(10_001)));
});

Deno.test("statFs through libc agrees with node:fs/promises on disk, tmpfs and proc", async () => {
  for (const path of ["/", "/dev/shm", "/proc"]) {
    const mine = await statFs(path);
    const node = await statfs(path);
    assertEquals(mine.type, Number(node.type), `${path} type`);
    assertEquals(mine.bsize, Number(node.bsize), `${path} bsize`);
    // Free space moves while tests run: within a few MiB.
    assert(Math.abs(mine.bavail - Number(node.bavail)) * mine.bsize < 64 * 1024 * 1024, path);
  }
  assertEquals((await statFs("/dev/shm")).type, 0x01021994); // tmpfs
  assert((await freeBytes("/")) > 0);
  await assertRejects(() => statFs("/no/such/folder/here"), Error, "no such file");
});
