/**
 * Computes a packet id (MTH) alongside encryption or decryption, using the
 * second CPU core for big packets. Hashing starts inline; in mode `auto`,
 * once `thresholdBytes` have passed, a worker thread boots in the
 * background while hashing goes on inline, and as soon as the worker is
 * ready the saved MTH state moves to it at the next 128 KiB boundary. Small
 * packets never start a worker. Data reaches the worker in a fixed pool of
 * buffers (`HASH_QUEUE_BUFFERS_MAX`), so `update` waits when the worker
 * falls behind: memory stays bounded.
 *
 * @example
 * ```ts
 * import { HashPipe } from "./hash_pipe.ts";
 * const pipe = new HashPipe({ mode: "inline" });
 * await pipe.update(new Uint8Array(10));
 * console.assert((await pipe.digest()).length === 32);
 * ```
 * @module
 */

import { Mth } from "./mth.ts";
import {
  BLOCK_BYTES,
  HASH_QUEUE_BUFFERS_MAX,
  HASH_WORKER_THRESHOLD_BYTES,
  WRITE_BATCH_BYTES,
} from "./limits.ts";

/** Where hashing runs: `inline` (this thread), `worker`, or `auto` (a worker for big inputs only). */
export type HashMode = "auto" | "inline" | "worker";

/** Options of a {@linkcode HashPipe}. */
export interface HashPipeOptions {
  /** Default `auto`. */
  mode?: HashMode;
  /** In `auto` mode, input size after which a worker is started. */
  thresholdBytes?: number;
}

type Outbound =
  | { op: "ready" }
  | { op: "free"; buffer: ArrayBuffer }
  | { op: "digest"; digest: Uint8Array }
  | { op: "error"; message: string };

/** An MTH computed inline or in a worker thread. Call `digest()` or `close()` when done. */
export class HashPipe {
  #mode: HashMode;
  #threshold: number;
  #inline: Promise<Mth> | null;
  #size = 0;
  #worker: Worker | null = null;
  #ready: Promise<void> | null = null;
  #isReady = false;
  #handedOver = false;
  #free: ArrayBuffer[] = [];
  #allocated = 0;
  #waiters: (() => void)[] = [];
  #onDigest: ((digest: Uint8Array) => void) | null = null;
  #onDigestError: ((error: Error) => void) | null = null;
  #error: Error | null = null;

  /** A new pipe; in `worker` mode the worker starts at once. */
  constructor(options: HashPipeOptions = {}) {
    this.#mode = options.mode ?? "auto";
    this.#threshold = options.thresholdBytes ?? HASH_WORKER_THRESHOLD_BYTES;
    this.#inline = Mth.create();
    if (this.#mode === "worker") this.#spawn();
  }

  /** Hashes the next bytes; `data` may be reused once the promise settles. */
  async update(data: Uint8Array): Promise<void> {
    this.#throwIfFailed();
    if (!this.#handedOver) {
      const mth = await this.#inline!;
      if (
        this.#mode === "auto" && this.#worker === null && this.#size + data.length > this.#threshold
      ) {
        this.#spawn();
      }
      if (this.#mode === "worker") await this.#ready;
      if (!this.#isReady) {
        mth.update(data);
        this.#size += data.length;
        return;
      }
      const cut = Math.min(data.length, (BLOCK_BYTES - (mth.size % BLOCK_BYTES)) % BLOCK_BYTES);
      mth.update(data.subarray(0, cut));
      this.#size += cut;
      data = data.subarray(cut);
      if (mth.size % BLOCK_BYTES !== 0) return;
      this.#worker!.postMessage({ op: "start", state: mth.snapshot() });
      this.#handedOver = true;
      this.#inline = null;
    }
    for (let pos = 0; pos < data.length; pos += WRITE_BATCH_BYTES) {
      const piece = data.subarray(pos, pos + WRITE_BATCH_BYTES);
      const buffer = await this.#acquire();
      new Uint8Array(buffer).set(piece);
      this.#worker!.postMessage({ op: "data", buffer, length: piece.length }, [buffer]);
      this.#size += piece.length;
    }
  }

  /** The MTH of everything passed to `update`. Ends the pipe. */
  async digest(): Promise<Uint8Array> {
    this.#throwIfFailed();
    try {
      if (!this.#handedOver) return (await this.#inline!).digest();
      const done = new Promise<Uint8Array>((resolve, reject) => {
        this.#onDigest = resolve;
        this.#onDigestError = reject;
      });
      this.#worker!.postMessage({ op: "digest" });
      return await done;
    } finally {
      this.close();
    }
  }

  /** Stops the worker, if any. Safe to call more than once. */
  close(): void {
    this.#worker?.terminate();
    this.#worker = null;
    this.#inline = null;
    this.#handedOver = true;
  }

  #spawn(): void {
    const worker = new Worker(new URL("./mth_worker.ts", import.meta.url).href, { type: "module" });
    let markReady = () => {};
    this.#ready = new Promise<void>((resolve) => (markReady = resolve));
    worker.onmessage = (event: MessageEvent<Outbound>) => {
      const message = event.data;
      if (message.op === "ready") {
        this.#isReady = true;
        markReady();
      } else if (message.op === "free") {
        this.#free.push(message.buffer);
        this.#waiters.shift()?.();
      } else if (message.op === "digest") this.#onDigest?.(message.digest);
      else this.#fail(new Error(`Packet hashing failed in its worker: ${message.message}`));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#fail(new Error(`Packet hashing worker crashed: ${event.message}`));
      markReady();
    };
    this.#worker = worker;
  }

  async #acquire(): Promise<ArrayBuffer> {
    for (;;) {
      this.#throwIfFailed();
      const ready = this.#free.pop();
      if (ready !== undefined) return ready;
      if (this.#allocated < HASH_QUEUE_BUFFERS_MAX) {
        this.#allocated++;
        return new ArrayBuffer(WRITE_BATCH_BYTES);
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  #fail(error: Error): void {
    this.#error ??= error;
    for (const wake of this.#waiters.splice(0)) wake();
    this.#onDigestError?.(error);
    this.#worker?.terminate();
    this.#worker = null;
  }

  #throwIfFailed(): void {
    if (this.#error !== null) throw this.#error;
  }
}
