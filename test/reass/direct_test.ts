/**
 * The fast path of reassembly: the file written around the page cache
 * (`O_DIRECT`) from the hashers' memory, with the next piece read while one
 * is hashed. It must give the same bytes as the plain path, keep the step
 * order (at `chunk-written:i` the file holds exactly the chunks up to `i`,
 * even though a chunk's pieces are written side by side), and fall back to
 * the plain path where FFI is not allowed.
 */

import { assert_ as assert, assertEquals } from "../assert.ts";
import { REPO_ROOT, withTempDir } from "../helpers.ts";
import { reassemble } from "../../src/reass/mod.ts";
import {
  directAlignDefault,
  DirectOutput,
  DirectWriteRefused,
} from "../../src/reass/direct_output.ts";
import { namesIn, sameBytes } from "../node/_world.ts";
import { hiddenIn, makeChunked } from "./_fixture.ts";

const MiB = 1024 * 1024;

/** A page-aligned buffer: WebAssembly memory starts on a page. */
function alignedBytes(length: number): Uint8Array {
  const pages = Math.ceil(length / 65536);
  return new Uint8Array(
    new WebAssembly.Memory({ initial: pages, maximum: pages }).buffer,
    0,
    length,
  );
}

Deno.test("DirectOutput writes aligned pieces directly, refuses to take unaligned ones, reports what the kernel refuses, and will not replace a file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/out.bin`;
    const out = DirectOutput.create(path, 0o644);
    assert(out !== null, "this file system takes O_DIRECT (ext4 under the tests)");
    try {
      assert(out.alignment >= directAlignDefault && out.alignment % directAlignDefault === 0);
      const a = alignedBytes(64 * 1024);
      for (let i = 0; i < a.length; i++) a[i] = i % 251;
      assert(out.fits(a, 0));
      assert(!out.fits(a, 512), "an offset that is not page-aligned");
      assert(!out.fits(a.subarray(0, 1000), 0), "a length that is not aligned");
      assert(!out.fits(new Uint8Array(0), 0), "nothing to write");
      if (out.memoryAlignment > 1) assert(!out.fits(a.subarray(1, 4097), 0), "an odd address");
      // A write the kernel refuses (an offset off its alignment) says so, and writes nothing.
      let refused: unknown = null;
      try {
        await out.write(a.subarray(0, 4096), 100);
      } catch (err) {
        refused = err;
      }
      assert(refused instanceof DirectWriteRefused, `a refused direct write: ${refused}`);
      assertEquals((await Deno.lstat(path)).size, 0);
      // Two pieces written side by side, the second first.
      await Promise.all([out.write(a.subarray(0, 32 * 1024), 32 * 1024), out.write(a, 64 * 1024)]);
      await out.write(a.subarray(0, 32 * 1024), 0);
      await out.sync();
    } finally {
      out.close();
    }
    const got = await Deno.readFile(path);
    assertEquals(got.length, 128 * 1024);
    assert(sameBytes(got.subarray(0, 32 * 1024), pattern(32 * 1024)));
    assert(sameBytes(got.subarray(32 * 1024, 64 * 1024), pattern(32 * 1024)));
    assert(sameBytes(got.subarray(64 * 1024), pattern(64 * 1024)));
    let threw: unknown = null;
    try {
      DirectOutput.create(path, 0o644);
    } catch (err) {
      threw = err;
    }
    assert(threw instanceof Deno.errors.AlreadyExists, `an existing file: ${threw}`);
    assertEquals((await Deno.readFile(path)).length, 128 * 1024, "the existing file is untouched");
  });
  function pattern(length: number): Uint8Array {
    const b = new Uint8Array(length);
    for (let i = 0; i < b.length; i++) b[i] = i % 251;
    return b;
  }
});

Deno.test("a file of many multi-piece chunks goes around the page cache, and each step sees exactly the chunks so far", async () => {
  await withTempDir(async (dir) => {
    const chunkSize = 2 * MiB + 512 * 1024; // five pieces of 512 KiB
    const fileSize = 6 * chunkSize - 3 * 4096 - 99; // an odd tail
    const c = await makeChunked(dir, "big.bin", fileSize, chunkSize, 9);
    const sizes: string[] = [];
    const r = await reassemble(c.meta, {
      onStep: async (step) => {
        if (!step.startsWith("chunk-written:")) return;
        const [temp] = await hiddenIn(dir);
        const i = Number(step.split(":")[1]);
        const size = (await Deno.lstat(`${dir}/${temp}`)).size;
        sizes.push(`${i}:${size === Math.min(fileSize, (i + 1) * chunkSize)}`);
      },
    });
    assertEquals(sizes, ["0:true", "1:true", "2:true", "3:true", "4:true", "5:true"]);
    assertEquals(await namesIn(dir), ["big.bin"]);
    assert(sameBytes(await Deno.readFile(`${dir}/big.bin`), c.data));
    // All but the tail (what is past the last whole page) went directly.
    assertEquals(r.directBytes, fileSize - (fileSize % 4096));
  });
});

Deno.test("chunks whose size is not a multiple of a page are written the ordinary way, whole", async () => {
  await withTempDir(async (dir) => {
    const c = await makeChunked(dir, "odd.bin", 3 * MiB + 7, MiB + 1000, 4);
    const r = await reassemble(c.meta);
    assert(sameBytes(await Deno.readFile(`${dir}/odd.bin`), c.data));
    // The first chunk's whole pages go directly; from its tail on, every piece is ordinary.
    assertEquals(r.directBytes, MiB);
  });
});

Deno.test("without FFI permission reassembly takes the plain path and gives the same file", async () => {
  await withTempDir(async (dir) => {
    const c = await makeChunked(dir, "plain.bin", 3 * MiB + 5, MiB, 11);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        `--allow-read=${REPO_ROOT},${dir}`,
        `--allow-write=${dir}`,
        "--allow-sys",
        "--allow-env",
        `${REPO_ROOT}/test/reass/_plain_child.ts`,
        c.meta,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assertEquals(JSON.parse(new TextDecoder().decode(out.stdout)), { direct: 0 });
    assertEquals(await namesIn(dir), ["plain.bin"]);
    assert(sameBytes(await Deno.readFile(`${dir}/plain.bin`), c.data));
  });
});
