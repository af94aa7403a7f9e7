/**
 * Computes a packet id (MTH) alongside encryption or decryption, using the
 * second CPU core for big packets. MTH leaves (128 KiB blocks) are
 * independent, so the input is staged in leaf-aligned buffers and each full
 * buffer is hashed either by a worker thread (the buffer is transferred,
 * not copied) or, when the worker is busy or not there, right here; the
 * tree is built here from the leaf hashes in order. The two cores thus
 * share the hashing in whatever proportion keeps both busy.
 *
 * In mode `auto` the worker boots in the background once `thresholdBytes`
 * have passed; small packets never start one. At most
 * `HASH_QUEUE_BUFFERS_MAX` buffers are in flight: memory is bounded.
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

import { createLeafHasher, Mth } from "./mth.ts";
import {
  HASH_QUEUE_BUFFERS_MAX,
  HASH_STAGE_BYTES,
  HASH_WORKER_THRESHOLD_BYTES,
  ID_BYTES,
} from "./limits.ts";

/** Where hashing runs: `inline` (this thread), `worker` (shared with a worker from the start), or `auto`. */
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
  | { op: "hashes"; seq: number; hashes: Uint8Array; buffer: ArrayBuffer }
  | { op: "error"; message: string };

interface Tools {
  tree: Mth;
  hashLeaves: (blocks: Uint8Array) => Uint8Array;
}

/** An MTH shared between this thread and a worker. Call `digest()` or `close()` when done. */
export class HashPipe {
  #mode: HashMode;
  #threshold: number;
  #tools: Promise<Tools>;
  #stage = new Uint8Array(new ArrayBuffer(HASH_STAGE_BYTES));
  #fill = 0;
  #size = 0;
  #nextSeq = 0;
  #mergedSeq = 0;
  #results = new Map<number, Uint8Array>();
  #free: ArrayBuffer[] = [];
  #allocated = 1;
  #inFlight = 0;
  #worker: Worker | null = null;
  #ready = false;
  #readyWait: Promise<void> = Promise.resolve();
  #idle: (() => void) | null = null;
  #error: Error | null = null;
  #closed = false;

  /** A new pipe; in `worker` mode the worker starts at once. */
  constructor(options: HashPipeOptions = {}) {
    this.#mode = options.mode ?? "auto";
    this.#threshold = options.thresholdBytes ?? HASH_WORKER_THRESHOLD_BYTES;
    this.#tools = Promise.all([Mth.create(), createLeafHasher()]).then(([tree, hashLeaves]) => ({
      tree,
      hashLeaves,
    }));
    if (this.#mode === "worker") this.#spawn();
  }

  /** Hashes the next bytes; `data` may be reused once the promise settles. */
  async update(data: Uint8Array): Promise<void> {
    let pos = 0;
    while (pos < data.length) {
      this.#throwIfFailed();
      const take = Math.min(this.#stage.length - this.#fill, data.length - pos);
      this.#stage.set(data.subarray(pos, pos + take), this.#fill);
      this.#fill += take;
      pos += take;
      this.#size += take;
      if (this.#fill === this.#stage.length) await this.#dispatch();
    }
  }

  /** The MTH of everything passed to `update`. Ends the pipe. */
  async digest(): Promise<Uint8Array> {
    try {
      const { tree } = await this.#tools;
      while (this.#inFlight > 0) {
        this.#throwIfFailed();
        await new Promise<void>((resolve) => (this.#idle = resolve));
      }
      this.#throwIfFailed();
      this.#merge(tree);
      tree.update(this.#stage.subarray(0, this.#fill));
      return tree.digest();
    } finally {
      this.close();
    }
  }

  /** Stops the worker, if any. Safe to call more than once. */
  close(): void {
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = null;
  }

  async #dispatch(): Promise<void> {
    const tools = await this.#tools;
    if (this.#mode === "auto" && this.#worker === null && this.#size > this.#threshold) {
      this.#spawn();
    }
    if (this.#mode === "worker") await this.#readyWait;
    const seq = this.#nextSeq++;
    const buffer = this.#ready && this.#inFlight < HASH_QUEUE_BUFFERS_MAX
      ? this.#spareBuffer()
      : null;
    if (buffer === null) {
      this.#results.set(seq, tools.hashLeaves(this.#stage));
      this.#merge(tools.tree);
    } else {
      this.#inFlight++;
      const full = this.#stage.buffer as ArrayBuffer;
      this.#worker!.postMessage({ op: "leaves", seq, buffer: full, length: this.#fill }, [full]);
      this.#stage = new Uint8Array(buffer);
    }
    this.#fill = 0;
  }

  #spareBuffer(): ArrayBuffer | null {
    const spare = this.#free.pop();
    if (spare !== undefined) return spare;
    if (this.#allocated > HASH_QUEUE_BUFFERS_MAX) return null;
    this.#allocated++;
    return new ArrayBuffer(HASH_STAGE_BYTES);
  }

  #merge(tree: Mth): void {
    for (let hashes; (hashes = this.#results.get(this.#mergedSeq)) !== undefined;) {
      this.#results.delete(this.#mergedSeq++);
      for (let i = 0; i < hashes.length; i += ID_BYTES) {
        tree.addLeafHash(hashes.subarray(i, i + ID_BYTES));
      }
    }
  }

  #spawn(): void {
    const worker = new Worker(new URL("./mth_worker.ts", import.meta.url).href, { type: "module" });
    let markReady = () => {};
    this.#readyWait = new Promise<void>((resolve) => (markReady = resolve));
    worker.onmessage = async (event: MessageEvent<Outbound>) => {
      const message = event.data;
      if (message.op === "ready") {
        this.#ready = true;
        markReady();
      } else if (message.op === "hashes") {
        this.#results.set(message.seq, message.hashes);
        this.#free.push(message.buffer);
        this.#inFlight--;
        if (!this.#closed) this.#merge((await this.#tools).tree);
        this.#wake();
      } else this.#fail(new Error(`Packet hashing failed in its worker: ${message.message}`));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#fail(new Error(`Packet hashing worker crashed: ${event.message}`));
      markReady();
    };
    this.#worker = worker;
  }

  #wake(): void {
    const idle = this.#idle;
    this.#idle = null;
    idle?.();
  }

  #fail(error: Error): void {
    this.#error ??= error;
    this.#worker?.terminate();
    this.#worker = null;
    this.#wake();
  }

  #throwIfFailed(): void {
    if (this.#error !== null) throw this.#error;
  }
}
