/**
 * A hashing worker that breaks down: it hashes its first two jobs right,
 * then throws (as a worker whose memory ran out would), leaving the jobs
 * already handed to it unfinished. The pipe must hash those itself.
 * @module
 */

/// <reference lib="deno.worker" />

import { Blake3Leaves } from "../../src/crypto/blake3_leaves.ts";
import { MTH_LEAF_KEY } from "../../src/packet/mth_leaf_key.ts";
import { createHashWasmLeafHasher } from "../../src/packet/mth.ts";
import {
  CTRL_DONE,
  CTRL_LENGTHS,
  CTRL_READY,
  CTRL_STOP,
  CTRL_SUBMITTED,
} from "../../src/packet/hash_pipe_layout.ts";

const JOBS_BEFORE_FAILING = 2;

self.onmessage = async (event: MessageEvent) => {
  const { ctrl: ctrlBuffer, data, hashes, slots, slotBytes } = event.data;
  const ctrl = new Int32Array(ctrlBuffer);
  const simd = Blake3Leaves.create(MTH_LEAF_KEY);
  const hash = simd !== null
    ? (blocks: Uint8Array) => simd.hash(blocks)
    : await createHashWasmLeafHasher();
  Atomics.store(ctrl, CTRL_READY, 1);
  for (let done = 0;; done++) {
    while (Atomics.load(ctrl, CTRL_SUBMITTED) === done) {
      if (Atomics.load(ctrl, CTRL_STOP) !== 0) return;
      Atomics.wait(ctrl, CTRL_SUBMITTED, done, 1000);
    }
    // Wait for one more job than it will finish, so one is left unfinished in its slot.
    if (done === JOBS_BEFORE_FAILING) throw new Error("the hashing worker broke down");
    const slot = done % slots;
    const length = Atomics.load(ctrl, CTRL_LENGTHS + slot);
    const out = hash(new Uint8Array(data, slot * slotBytes, length));
    new Uint8Array(hashes, slot * (slotBytes / (128 * 1024)) * 32, out.length).set(out);
    Atomics.store(ctrl, CTRL_DONE, done + 1);
    Atomics.notify(ctrl, CTRL_DONE);
  }
};
