/**
 * Worker thread that hashes MTH leaves for {@linkcode ./hash_pipe.ts}. It
 * says `ready` once its hasher is loaded, then receives buffers of whole
 * 128 KiB blocks (transferred, not copied), answers with their leaf hashes
 * and hands each buffer back so the main thread can refill it: the number
 * of buffers in flight is the queue bound.
 *
 * Messages in: `{ op: "leaves", seq, buffer, length }`. Messages out:
 * `{ op: "ready" }`, `{ op: "hashes", seq, hashes, buffer }`,
 * `{ op: "error", message }`.
 * @module
 */

/// <reference lib="deno.worker" />

import { createLeafHasher } from "./mth.ts";
import { GcPacer } from "./young_gc.ts";
import { GC_INTERVAL_BYTES } from "./limits.ts";

type Inbound = { op: "leaves"; seq: number; buffer: ArrayBuffer; length: number };

const gc = new GcPacer(GC_INTERVAL_BYTES);
const hasher = createLeafHasher();

self.onmessage = async (event: MessageEvent<Inbound>) => {
  const { seq, buffer, length } = event.data;
  try {
    const hashes = (await hasher)(new Uint8Array(buffer, 0, length));
    self.postMessage({ op: "hashes", seq, hashes, buffer }, [buffer]);
    gc.add(length);
  } catch (err) {
    self.postMessage({ op: "error", message: err instanceof Error ? err.message : String(err) });
  }
};

hasher.then(
  () => self.postMessage({ op: "ready" }),
  (err) => self.postMessage({ op: "error", message: String(err) }),
);
