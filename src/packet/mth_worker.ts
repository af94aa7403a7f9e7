/**
 * Worker thread that computes an MTH for {@linkcode ./hash_pipe.ts}. It
 * receives buffers (transferred, not copied), hashes them, and hands each
 * buffer back so the main thread can refill it: the number of buffers in
 * flight is the queue bound.
 *
 * Messages in: `{ op: "start", state? }`, `{ op: "data", buffer, length }`,
 * `{ op: "digest" }`. Messages out: `{ op: "free", buffer }`,
 * `{ op: "digest", digest }`, `{ op: "error", message }`.
 * @module
 */

/// <reference lib="deno.worker" />

import { Mth, type MthState } from "./mth.ts";

type Inbound =
  | { op: "start"; state?: MthState }
  | { op: "data"; buffer: ArrayBuffer; length: number }
  | { op: "digest" };

const backlog: Inbound[] = [];
let mth: Mth | null = null;
let failed = false;

function handle(message: Inbound): void {
  if (failed || mth === null) return;
  if (message.op === "data") {
    mth.update(new Uint8Array(message.buffer, 0, message.length));
    self.postMessage({ op: "free", buffer: message.buffer }, [message.buffer]);
  } else if (message.op === "digest") {
    self.postMessage({ op: "digest", digest: mth.digest() });
  }
}

function fail(err: unknown): void {
  failed = true;
  self.postMessage({ op: "error", message: err instanceof Error ? err.message : String(err) });
}

self.onmessage = (event: MessageEvent<Inbound>) => {
  const message = event.data;
  if (message.op === "start") {
    Mth.create(message.state).then((created) => {
      mth = created;
      try {
        for (const queued of backlog.splice(0)) handle(queued);
      } catch (err) {
        fail(err);
      }
    }, fail);
    return;
  }
  if (mth === null) {
    backlog.push(message);
    return;
  }
  try {
    handle(message);
  } catch (err) {
    fail(err);
  }
};
