import { assert, assertEquals, assertThrows } from "../assert.ts";
import { blake3 } from "@noble/hashes/blake3.js";
import { createBlake3 } from "../../src/crypto/blake3.ts";
import { Blake3Leaves, LEAF_BYTES } from "../../src/crypto/blake3_leaves.ts";
import { BLAKE3_LEAVES_WASM_BASE64 } from "../../src/crypto/wasm/blake3_leaves.wasm.ts";
import {
  createHashWasmLeafHasher,
  createLeafHasher,
  Mth,
  MTH_LEAF_KEY,
  mthOf,
} from "../../src/packet/mth.ts";
import { BLOCK_BYTES, ID_BYTES } from "../../src/packet/limits.ts";

const ROOT = new URL("../../", import.meta.url);

function randomBlocks(count: number): Uint8Array {
  const data = new Uint8Array(count * BLOCK_BYTES);
  for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  return data;
}

/** Leaf hashes by hash-wasm, one keyed BLAKE3-256 message per block. */
async function hashWasmLeaves(blocks: Uint8Array, key = MTH_LEAF_KEY): Promise<Uint8Array> {
  const hasher = await createBlake3(key);
  const out = new Uint8Array((blocks.length / BLOCK_BYTES) * ID_BYTES);
  for (let i = 0; i < blocks.length / BLOCK_BYTES; i++) {
    hasher.init().update(blocks.subarray(i * BLOCK_BYTES, (i + 1) * BLOCK_BYTES));
    out.set(hasher.digest("binary"), i * ID_BYTES);
  }
  return out;
}

/** Leaf hashes by @noble/hashes (pure JavaScript BLAKE3). */
function nobleLeaves(blocks: Uint8Array, key = MTH_LEAF_KEY): Uint8Array {
  const out = new Uint8Array((blocks.length / BLOCK_BYTES) * ID_BYTES);
  for (let i = 0; i < blocks.length / BLOCK_BYTES; i++) {
    out.set(blake3(blocks.subarray(i * BLOCK_BYTES, (i + 1) * BLOCK_BYTES), { key }), i * ID_BYTES);
  }
  return out;
}

Deno.test("the SIMD leaf hasher loads here and its leaf is the MTH block", () => {
  assertEquals(LEAF_BYTES, BLOCK_BYTES);
  const leaves = Blake3Leaves.create(MTH_LEAF_KEY);
  assert(leaves !== null, "WebAssembly SIMD should be available in Deno");
  assertEquals(leaves.areaLeaves, 4);
  assertEquals(leaves.input.length, 4 * BLOCK_BYTES);
});

Deno.test("SIMD leaves match hash-wasm and @noble/hashes for random blocks", async () => {
  const simd = await createLeafHasher();
  for (const count of [1, 3, 4, 5, 17]) {
    const blocks = randomBlocks(count);
    const got = simd(blocks);
    assertEquals(got.length, count * ID_BYTES);
    assertEquals(got, await hashWasmLeaves(blocks), `${count} blocks vs hash-wasm`);
    assertEquals(got, nobleLeaves(blocks), `${count} blocks vs @noble/hashes`);
  }
});

Deno.test("SIMD leaves match for all-zero and all-0xff blocks", async () => {
  const simd = await createLeafHasher();
  for (const fill of [0x00, 0xff]) {
    const blocks = new Uint8Array(5 * BLOCK_BYTES).fill(fill);
    const want = nobleLeaves(blocks);
    assertEquals(simd(blocks), want, `fill ${fill}`);
    assertEquals(simd(blocks), await hashWasmLeaves(blocks), `fill ${fill} vs hash-wasm`);
  }
});

Deno.test("SIMD leaves work under any key, and from the input area without a copy", () => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const leaves = Blake3Leaves.create(key)!;
  const blocks = randomBlocks(3);
  leaves.input.set(blocks);
  assertEquals(leaves.hashInput(3), nobleLeaves(blocks, key));
  assertEquals(leaves.hashInput(0).length, 0);
  assertEquals(leaves.hash(new Uint8Array(0)).length, 0);
  assertEquals(leaves.hash(blocks), nobleLeaves(blocks, key));
});

Deno.test("the leaf hashers refuse input that is not whole blocks", async () => {
  for (const hasher of [await createLeafHasher(), await createHashWasmLeafHasher()]) {
    assertThrows(() => hasher(new Uint8Array(BLOCK_BYTES + 1)), RangeError, "not whole blocks");
  }
  const leaves = Blake3Leaves.create(MTH_LEAF_KEY)!;
  assertThrows(() => leaves.hashInput(5), RangeError, "holds 4");
  assertThrows(() => leaves.hash(new Uint8Array(10)), RangeError, "not whole blocks");
  assertThrows(() => Blake3Leaves.create(new Uint8Array(31)), RangeError, "31 bytes");
});

Deno.test("Mth gives the same id with whole blocks fed at block boundaries or across them", async () => {
  const data = new Uint8Array(9 * BLOCK_BYTES + 777);
  data.set(randomBlocks(9));
  data.fill(0x5a, 9 * BLOCK_BYTES);
  const reference = await Mth.create();
  const leaves = await hashWasmLeaves(data.subarray(0, 9 * BLOCK_BYTES));
  for (let i = 0; i < leaves.length; i += ID_BYTES) {
    reference.addLeafHash(leaves.subarray(i, i + ID_BYTES));
  }
  const want = reference.update(data.subarray(9 * BLOCK_BYTES)).digest();
  const cuts = [
    [data.length],
    [2 * BLOCK_BYTES, 100, 3 * BLOCK_BYTES - 100, 5],
    [1, BLOCK_BYTES - 1, 4 * BLOCK_BYTES + 3, BLOCK_BYTES],
  ];
  for (const pieces of cuts) {
    const mth = await Mth.create();
    let pos = 0;
    for (const length of [...pieces, data.length]) {
      mth.update(data.subarray(pos, Math.min(data.length, pos + length)));
      pos = Math.min(data.length, pos + length);
    }
    assertEquals(mth.digest(), want, `pieces ${pieces.join(",")}`);
  }
});

Deno.test({
  name: "without WebAssembly SIMD, MTH falls back to hash-wasm and gives the same ids",
  // V8 on x64 offers WebAssembly SIMD only with SSE4.1, which a flag turns off.
  ignore: Deno.build.arch !== "x86_64",
  fn: async () => {
    const script = `
      import { Blake3Leaves } from "${new URL("src/crypto/blake3_leaves.ts", ROOT)}";
      import { createLeafHasher, mthOf, MTH_LEAF_KEY } from "${new URL("src/packet/mth.ts", ROOT)}";
      const data = Uint8Array.from({ length: 3 * 131072 + 9 }, (_, i) => (i * 7 + 3) % 251);
      const leaves = (await createLeafHasher())(data.subarray(0, 3 * 131072));
      console.log(JSON.stringify({
        simd: Blake3Leaves.create(MTH_LEAF_KEY) !== null,
        leaves: Array.from(leaves),
        mth: Array.from(await mthOf(data)),
      }));`;
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--v8-flags=--no-enable-sse4-1", script],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(run.success, new TextDecoder().decode(run.stderr));
    const got = JSON.parse(new TextDecoder().decode(run.stdout));
    assertEquals(got.simd, false);
    const data = Uint8Array.from({ length: 3 * BLOCK_BYTES + 9 }, (_, i) => (i * 7 + 3) % 251);
    assertEquals(got.leaves, Array.from(await hashWasmLeaves(data.subarray(0, 3 * BLOCK_BYTES))));
    assertEquals(got.mth, Array.from(await mthOf(data)));
  },
});

Deno.test("the committed wasm module is what scripts/build_wasm.sh builds from blake3_leaves.c", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-wasm-" });
  try {
    const out = `${dir}/blake3_leaves.wasm.ts`;
    const built = await new Deno.Command("bash", {
      args: [new URL("scripts/build_wasm.sh", ROOT).pathname, out],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const why = new TextDecoder().decode(built.stderr);
    assert(built.success, `build_wasm.sh failed (needs clang and lld): ${why}`);
    const committed = await Deno.readTextFile(
      new URL("src/crypto/wasm/blake3_leaves.wasm.ts", ROOT),
    );
    assertEquals(
      await Deno.readTextFile(out),
      committed,
      "the committed module is stale or the build is not reproducible: run bash scripts/build_wasm.sh",
    );
    assert(committed.includes(BLAKE3_LEAVES_WASM_BASE64));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
