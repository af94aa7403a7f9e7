/**
 * Computes a packet id (MTH) alongside encryption or decryption, using the
 * second CPU core for big packets. Small inputs are hashed inline; once more
 * than `thresholdBytes` have passed (mode `auto`), hashing moves to a worker
 * thread at the next 128 KiB boundary by handing over the saved MTH state.
 * Data reaches the worker in a fixed pool of buffers, so at most
 * `HASH_QUEUE_BUFFERS_MAX` MiB wait there: `update` waits when the worker
 * falls behind.
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

/** Where hashing runs: `inline` (this thread), `worker`, or `auto` (inline, then a worker for big inputs). */
export type HashMode = "auto" | "inline" | "worker";

/** Options of a {@linkcode HashPipe}. */
export interface HashPipeOptions {
  /** Default `auto`. */
  mode?: HashMode;
  /** In `auto` mode, input size after which hashing moves to a worker. */
  thresholdBytes?: number;
}

type Outbound =
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
  #free: ArrayBuffer[] = [];
  #allocated = 0;
  #waiters: (() => void)[] = [];
  #onDigest: ((digest: Uint8Array) => void) | null = null;
  #onDigestError: ((error: Error) => void) | null = null;
  #error: Error | null = null;

  /** A new pipe; the worker (if any) starts on first need. */
  constructor(options: HashPipeOptions = {}) {
    this.#mode = options.mode ?? "auto";
    this.#threshold = options.mode === "worker"
      ? 0
      : options.thresholdBytes ?? HASH_WORKER_THRESHOLD_BYTES;
    this.#inline = Mth.create();
  }

  /** Hashes the next bytes; `data` may be reused once the promise settles. */
  async update(data: Uint8Array): Promise<void> {
    this.#throwIfFailed();
    if (this.#inline !== null) {
      const mth = await this.#inline;
      const crossing = this.#mode !== "inline" && this.#size + data.length > this.#threshold;
      if (!crossing) {
        mth.update(data);
        this.#size += data.length;
        return;
      }
      const cut = Math.min(data.length, (BLOCK_BYTES - (mth.size % BLOCK_BYTES)) % BLOCK_BYTES);
      mth.update(data.subarray(0, cut));
      this.#size += cut;
      this.#startWorker(mth);
      data = data.subarray(cut);
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
    if (this.#inline !== null) {
      const digest = (await this.#inline).digest();
      this.#inline = null;
      return digest;
    }
    const done = new Promise<Uint8Array>((resolve, reject) => {
      this.#onDigest = resolve;
      this.#onDigestError = reject;
    });
    this.#worker!.postMessage({ op: "digest" });
    try {
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
  }

  #startWorker(mth: Mth): void {
    const state = mth.snapshot();
    this.#inline = null;
    const worker = new Worker(new URL("./mth_worker.ts", import.meta.url).href, { type: "module" });
    worker.onmessage = (event: MessageEvent<Outbound>) => {
      const message = event.data;
      if (message.op === "free") {
        this.#free.push(message.buffer);
        this.#waiters.shift()?.();
      } else if (message.op === "digest") this.#onDigest?.(message.digest);
      else this.#fail(new Error(`Packet hashing failed in its worker: ${message.message}`));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#fail(new Error(`Packet hashing worker crashed: ${event.message}`));
    };
    worker.postMessage({ op: "start", state });
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
    this.close();
  }

  #throwIfFailed(): void {
    if (this.#error !== null) throw this.#error;
  }
}
