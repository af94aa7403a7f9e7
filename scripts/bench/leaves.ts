/**
 * Bench section `leaves`: MTH leaf hashing (keyed BLAKE3-256 of whole
 * 128 KiB blocks) on one thread, in this process: `hash-wasm` (scalar
 * WebAssembly, the fallback) against ferry's own SIMD128 hasher, fed by a
 * copy through its input area (what `createLeafHasher` and `Mth.update`
 * do) and with the blocks already in the input area (a reader filling it
 * directly). 256 MiB per run (32 MiB with `--quick`): a 32 MiB random
 * buffer hashed over and over; best of three, the hashers taking turns.
 *
 * Standalone: `deno run -A scripts/bench/leaves.ts [--quick]`.
 * @module
 */

import { type BenchContext, type BenchTable, renderTable } from "./_harness.ts";
import { Blake3Leaves } from "../../src/crypto/blake3_leaves.ts";
import { createHashWasmLeafHasher, createLeafHasher, MTH_LEAF_KEY } from "../../src/packet/mth.ts";
import { BLOCK_BYTES, HASH_STAGE_BYTES } from "../../src/packet/limits.ts";

const MiB = 1024 * 1024;
const REPEATS = 3;
/** The random input, hashed again and again up to the run's size. */
const BUFFER_BYTES = 32 * MiB;

interface Contender {
  label: string;
  /** Hashes `data` in stage-sized pieces, as the packet hasher hands them over. */
  hash: (data: Uint8Array) => void;
  best: number;
}

/** The section's table. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const total = ctx.quick ? 32 * MiB : 256 * MiB;
  const data = new Uint8Array(BUFFER_BYTES);
  for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));

  const byStages = (hashStage: (stage: Uint8Array) => void) => (buffer: Uint8Array) => {
    for (let pos = 0; pos < buffer.length; pos += HASH_STAGE_BYTES) {
      hashStage(buffer.subarray(pos, pos + HASH_STAGE_BYTES));
    }
  };
  const hashWasm = await createHashWasmLeafHasher();
  const simd = await createLeafHasher();
  const direct = Blake3Leaves.create(MTH_LEAF_KEY);
  const contenders: Contender[] = [
    { label: "hash-wasm (scalar)", hash: byStages((s) => hashWasm(s)), best: Infinity },
  ];
  if (direct === null) {
    ctx.say("leaves: no WebAssembly SIMD here, only hash-wasm is measured");
  } else {
    contenders.push({
      label: "ferry SIMD128, copied in",
      hash: byStages((s) => simd(s)),
      best: Infinity,
    });
    const blocks = Math.min(direct.areaLeaves, HASH_STAGE_BYTES / BLOCK_BYTES);
    direct.input.set(data.subarray(0, blocks * BLOCK_BYTES));
    contenders.push({
      label: "ferry SIMD128, read into its input area",
      hash: byStages(() => direct.hashInput(blocks)),
      best: Infinity,
    });
  }

  for (let i = 0; i < REPEATS; i++) {
    for (const c of contenders) {
      const started = performance.now();
      for (let done = 0; done < total; done += data.length) c.hash(data);
      const seconds = (performance.now() - started) / 1000;
      ctx.say(`leaves: ${c.label}: ${(total / MiB / seconds).toFixed(0)} MiB/s`);
      c.best = Math.min(c.best, seconds);
    }
  }
  const base = contenders[0]!.best;
  return [{
    title: `MTH leaf hashing, one thread: ${
      total / MiB
    } MiB in 128 KiB leaves (best of ${REPEATS})`,
    columns: ["hasher", "time (s)", "throughput", "× hash-wasm"],
    rows: contenders.map((c) => [
      c.label,
      c.best.toFixed(3),
      `${(total / MiB / c.best).toFixed(0)} MiB/s`,
      (base / c.best).toFixed(2),
    ]),
    notes: [
      "Keyed BLAKE3-256 of each 128 KiB block, handed over 512 KiB at a time as the packet hasher " +
      "does. hash-wasm is scalar WebAssembly; ferry's hasher (src/crypto/wasm/blake3_leaves.c) " +
      "runs four BLAKE3 chunks at once in SIMD128 lanes. Packet ids use it wherever WebAssembly " +
      "SIMD is available, hash-wasm elsewhere.",
    ],
  }];
}

if (import.meta.main) {
  const ctx: BenchContext = {
    dir: "",
    deno: Deno.execPath(),
    root: new URL("../..", import.meta.url).pathname,
    quick: Deno.args.includes("--quick"),
    say: (line) => console.error(`bench: ${line}`),
  };
  for (const table of await run(ctx)) console.log(renderTable(table));
}
