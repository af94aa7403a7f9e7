/**
 * Worker thread that hashes MTH leaves for {@linkcode ./hash_pipe.ts}.
 *
 * It receives one message at start: `{ op: "start", ctrl, data, hashes,
 * slots, slotBytes }`, shared memory it then works on without any further
 * messages. `data` holds `slots` staging slots of `slotBytes` (whole 128 KiB
 * blocks); job `j` sits in slot `j % slots` with its length in
 * `ctrl[LENGTHS + slot]`. The worker hashes jobs in order as
 * `ctrl[SUBMITTED]` grows, writes each job's leaf hashes to its slot in
 * `hashes`, and counts them in `ctrl[DONE]` (with a notify), sleeping in
 * `Atomics.wait` in between. So the main thread never has to yield to its
 * event loop to hand work over or to collect results.
 *
 * Layout of `ctrl` (Int32Array): see the `CTRL_*` constants in hash_pipe.ts.
 * @module
 */

/// <reference lib="deno.worker" />

import { Blake3Leaves } from "../crypto/blake3_leaves.ts";
import { MTH_LEAF_KEY } from "./mth_leaf_key.ts";
import {
  CTRL_DONE,
  CTRL_FAILED,
  CTRL_LENGTHS,
  CTRL_READY,
  CTRL_STOP,
  CTRL_SUBMITTED,
} from "./hash_pipe_layout.ts";

interface Start {
  op: "start";
  ctrl: SharedArrayBuffer;
  data: SharedArrayBuffer;
  hashes: SharedArrayBuffer;
  slots: number;
  slotBytes: number;
}

const HASH_BYTES = 32;
const LEAF_BYTES = 128 * 1024;

// The SIMD hasher needs nothing else, so the worker is ready in a few
// milliseconds; the hash-wasm fallback (and its imports) load only without SIMD.
const simd = Blake3Leaves.create(MTH_LEAF_KEY);
const hasher: Promise<(blocks: Uint8Array) => Uint8Array> = simd !== null
  ? Promise.resolve((blocks) => simd.hash(blocks))
  : import("./mth.ts").then((mth) => mth.createHashWasmLeafHasher());

self.onmessage = async (event: MessageEvent<Start>) => {
  const { ctrl: ctrlBuffer, data, hashes, slots, slotBytes } = event.data;
  const ctrl = new Int32Array(ctrlBuffer);
  try {
    const hash = await hasher;
    Atomics.store(ctrl, CTRL_READY, 1);
    Atomics.notify(ctrl, CTRL_READY);
    const slotHashes = (slotBytes / LEAF_BYTES) * HASH_BYTES;
    for (let done = 0;;) {
      while (Atomics.load(ctrl, CTRL_SUBMITTED) === done) {
        if (Atomics.load(ctrl, CTRL_STOP) !== 0) return;
        Atomics.wait(ctrl, CTRL_SUBMITTED, done, 1000);
      }
      if (Atomics.load(ctrl, CTRL_STOP) !== 0) return;
      const slot = done % slots;
      const length = Atomics.load(ctrl, CTRL_LENGTHS + slot);
      const out = hash(new Uint8Array(data, slot * slotBytes, length));
      new Uint8Array(hashes, slot * slotHashes, out.length).set(out);
      done++;
      Atomics.store(ctrl, CTRL_DONE, done);
      Atomics.notify(ctrl, CTRL_DONE);
    }
  } catch (err) {
    Atomics.store(ctrl, CTRL_FAILED, 1);
    Atomics.notify(ctrl, CTRL_DONE);
    self.postMessage({ op: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
