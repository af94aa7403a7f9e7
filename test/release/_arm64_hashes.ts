/**
 * Run by the arm64 smoke test on the emulated runtime: checks the SIMD leaf
 * hasher is the one in use there and that packet ids (MTH) from it equal
 * those of the `hash-wasm` fallback, for payloads of many sizes and for the
 * packet files named on the command line. Prints one JSON object.
 *
 *   deno run -A --config APP/deno.json _arm64_hashes.ts APP FILE...
 * @module
 */

type MthModule = typeof import("../../src/packet/mth.ts");
type LeavesModule = typeof import("../../src/crypto/blake3_leaves.ts");

const [app, ...files] = Deno.args;
if (app === undefined) throw new Error("usage: _arm64_hashes.ts APP_DIR [PACKET_FILE...]");
const mth: MthModule = await import(`${app}/src/packet/mth.ts`);
const leaves: LeavesModule = await import(`${app}/src/crypto/blake3_leaves.ts`);

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

/** MTH through the fallback: pieces too small to ever reach the SIMD branch. */
async function fallbackId(data: Uint8Array): Promise<string> {
  const m = await mth.Mth.create();
  for (let off = 0; off < data.length; off += 1000) m.update(data.subarray(off, off + 1000));
  return hex(m.digest());
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const block = leaves.LEAF_BYTES;
const sizes = [0, 1, 1000, block - 1, block, block + 1, 4 * block, 5 * block + 17, 16 * block];
const simd = leaves.Blake3Leaves.create(new Uint8Array(32).fill(7)) !== null;
const payloads: { size: number; simd: string; fallback: string }[] = [];
for (const [i, size] of sizes.entries()) {
  const data = pattern(size, i + 1);
  payloads.push({ size, simd: hex(await mth.mthOf(data)), fallback: await fallbackId(data) });
}
const simdLeaves = await mth.createLeafHasher();
const wasmLeaves = await mth.createHashWasmLeafHasher();
const blocks = pattern(8 * block, 99);
const leavesEqual = hex(simdLeaves(blocks)) === hex(wasmLeaves(blocks));
const packets: { file: string; simd: string; fallback: string }[] = [];
for (const file of files) {
  const data = await Deno.readFile(file);
  packets.push({ file, simd: hex(await mth.mthOf(data)), fallback: await fallbackId(data) });
}
console.log(JSON.stringify({ arch: Deno.build.arch, simd, leavesEqual, payloads, packets }));
