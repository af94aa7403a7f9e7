/**
 * Worker thread that computes an MTH for {@linkcode ./hash_pipe.ts}. It
 * says `ready` once its hasher is loaded, then takes over a saved MTH state
 * and receives buffers (transferred, not copied), hashes them, and hands
 * each buffer back so the main thread can refill it: the number of buffers
 * in flight is the queue bound.
 *
 * Messages in: `{ op: "start", state }`, `{ op: "data", buffer, length }`,
 * `{ op: "digest" }`. Messages out: `{ op: "ready" }`, `{ op: "free",
 * buffer }`, `{ op: "digest", digest }`, `{ op: "error", message }`.
 * @module
 */

/// <reference lib="deno.worker" />

import { Mth, type MthState } from "./mth.ts";
import { GcPacer } from "./young_gc.ts";
import { GC_INTERVAL_BYTES } from "./limits.ts";

type Inbound =
  | { op: "start"; state: MthState }
  | { op: "data"; buffer: ArrayBuffer; length: number }
  | { op: "digest" };

const gc = new GcPacer(GC_INTERVAL_BYTES);
let mth: Mth | null = null;

function fail(err: unknown): void {
  self.postMessage({ op: "error", message: err instanceof Error ? err.message : String(err) });
  self.close();
}

async function start(state: MthState): Promise<void> {
  mth = await Mth.create(state);
}

let starting: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<Inbound>) => {
  const message = event.data;
  starting = starting.then(() => {
    if (message.op === "start") return start(message.state);
    if (mth === null) throw new Error(`"${message.op}" before "start"`);
    if (message.op === "data") {
      mth.update(new Uint8Array(message.buffer, 0, message.length));
      self.postMessage({ op: "free", buffer: message.buffer }, [message.buffer]);
      gc.add(message.length);
    } else self.postMessage({ op: "digest", digest: mth.digest() });
  }).catch(fail);
};

Mth.create().then(() => self.postMessage({ op: "ready" }), fail);
