/**
 * Computes a packet id (MTH) alongside encryption, decryption or a copy,
 * using the second CPU core for big inputs. MTH leaves (128 KiB blocks) are
 * independent, so the input is staged in leaf-aligned buffers and each full
 * buffer is hashed either by a worker thread or, when the worker's queue is
 * full or there is no worker, right here; the tree is built here from the
 * leaf hashes in order. The two cores thus share the hashing in whatever
 * proportion keeps both busy.
 *
 * The staging buffers handed to the worker live in shared memory, and the
 * hand-over and the results go through `Atomics` on shared control words
 * ({@linkcode ./hash_pipe_layout.ts}), not messages: the main thread never
 * has to return to its event loop for the worker to get work or for its
 * results to arrive, so the split holds even in a loop that never yields.
 *
 * In mode `auto` the worker boots in the background once `thresholdBytes`
 * have passed; small inputs never start one. `HASH_QUEUE_BUFFERS_MAX`
 * slots of `HASH_STAGE_BYTES` are shared: memory is bounded.
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
import {
  CTRL_DONE,
  CTRL_FAILED,
  CTRL_LENGTHS,
  CTRL_READY,
  CTRL_STOP,
  CTRL_SUBMITTED,
  ctrlWords,
} from "./hash_pipe_layout.ts";

/** Where hashing runs: `inline` (this thread), `worker` (shared with a worker from the start), or `auto`. */
export type HashMode = "auto" | "inline" | "worker";

/** Options of a {@linkcode HashPipe}. */
export interface HashPipeOptions {
  /** Default `auto`. */
  mode?: HashMode;
  /** In `auto` mode, input size after which a worker is started. */
  thresholdBytes?: number;
}

interface Tools {
  tree: Mth;
  hashLeaves: (blocks: Uint8Array) => Uint8Array;
}

const SLOTS = HASH_QUEUE_BUFFERS_MAX;
const SLOT_HASH_BYTES = (HASH_STAGE_BYTES / (128 * 1024)) * ID_BYTES;
/** How long `digest` waits for the worker at a time before checking that it is alive. */
const WAIT_SLICE_MS = 200;

/** The worker and the shared memory it works on. */
interface Helper {
  worker: Worker;
  ctrl: Int32Array;
  data: SharedArrayBuffer;
  hashes: SharedArrayBuffer;
  /** Jobs submitted so far, and the pipe's sequence number of each one still in a slot. */
  submitted: number;
  merged: number;
  seqOfJob: number[];
  error: string | null;
}

/**
 * A worker kept for a whole run (an xfer, a media session) and lent to one
 * pipe at a time, so the run pays for starting a worker once, not per file.
 */
interface SharedHelper {
  helper: Helper | null;
  lent: boolean;
  runs: number;
}

let shared: SharedHelper | null = null;

/**
 * Runs `work` with a hashing worker shared by the pipes it creates one
 * after another (started by the first that needs it, stopped when `work`
 * ends). Nested and concurrent runs share one; a pipe that finds it lent
 * out uses a worker of its own as before.
 */
export async function withSharedHashWorker<T>(work: () => Promise<T>): Promise<T> {
  shared ??= { helper: null, lent: false, runs: 0 };
  const mine = shared;
  mine.runs++;
  try {
    return await work();
  } finally {
    if (--mine.runs === 0) {
      if (shared === mine) shared = null;
      // A pipe may still hold the worker (any pipe borrows it while a run is
      // on, not only the run's own): then that pipe stops it when it closes.
      if (mine.helper !== null && !mine.lent) stopHelper(mine.helper);
    }
  }
}

function stopHelper(helper: Helper): void {
  Atomics.store(helper.ctrl, CTRL_STOP, 1);
  Atomics.notify(helper.ctrl, CTRL_SUBMITTED);
  helper.worker.terminate();
}

/** An MTH shared between this thread and a worker. Call `digest()` or `close()` when done. */
export class HashPipe {
  #mode: HashMode;
  #threshold: number;
  #tools: Promise<Tools>;
  #ready: Tools | null = null;
  #own = new Uint8Array(HASH_STAGE_BYTES);
  #stage: Uint8Array;
  /** The slot `#stage` is, or -1 for this thread's own buffer. */
  #stageSlot = -1;
  #fill = 0;
  #size = 0;
  #nextSeq = 0;
  #mergedSeq = 0;
  #results = new Map<number, Uint8Array>();
  #helper: Helper | null = null;
  /** The run's shared worker when `#helper` is borrowed from it. */
  #lender: SharedHelper | null = null;
  #workerJobs = 0;
  #closed = false;

  /** A new pipe; in `worker` mode the worker starts at once. */
  constructor(options: HashPipeOptions = {}) {
    this.#mode = options.mode ?? "auto";
    this.#threshold = options.thresholdBytes ?? HASH_WORKER_THRESHOLD_BYTES;
    this.#stage = this.#own;
    this.#tools = Promise.all([Mth.create(), createLeafHasher()]).then(([tree, hashLeaves]) => {
      this.#ready = { tree, hashLeaves };
      return this.#ready;
    });
    if (this.#mode === "worker") this.#spawn();
  }

  /** Staging buffers this pipe handed to a worker so far (each `HASH_STAGE_BYTES`). */
  get workerJobs(): number {
    return this.#workerJobs;
  }

  /** True once a worker is up and taking this pipe's buffers. */
  get workerReady(): boolean {
    const helper = this.#helper;
    return helper !== null && Atomics.load(helper.ctrl, CTRL_READY) === 1;
  }

  /** Hashes the next bytes; `data` may be reused once the promise settles. */
  async update(data: Uint8Array): Promise<void> {
    const tools = this.#ready ?? await this.#tools;
    let pos = 0;
    while (pos < data.length) {
      const take = Math.min(this.#stage.length - this.#fill, data.length - pos);
      this.#stage.set(data.subarray(pos, pos + take), this.#fill);
      this.#fill += take;
      pos += take;
      this.#size += take;
      if (this.#fill === this.#stage.length) this.#dispatch(tools);
    }
  }

  /** The MTH of everything passed to `update`. Ends the pipe. */
  async digest(): Promise<Uint8Array> {
    try {
      return await this.#digestNow();
    } finally {
      this.close();
    }
  }

  /**
   * The MTH of everything passed to `update` since the start (or the last
   * restart), and a fresh, empty MTH for what comes next, keeping the
   * worker and the buffers: many small inputs in a row (the chunks of a
   * chunked file) pay for one pipe.
   */
  async digestAndRestart(): Promise<Uint8Array> {
    const sum = await this.#digestNow();
    this.#ready!.tree.reset();
    this.#fill = 0;
    this.#size = 0;
    return sum;
  }

  async #digestNow(): Promise<Uint8Array> {
    const tools = this.#ready ?? await this.#tools;
    const helper = this.#helper;
    if (helper !== null) {
      for (let done; (done = Atomics.load(helper.ctrl, CTRL_DONE)) < helper.submitted;) {
        this.#takeOverIfFailed(tools);
        if (this.#helper === null) break; // its jobs were hashed here
        // The worker reports by shared memory; a crash only by an event, so
        // the event loop gets a turn between waits.
        if (Atomics.wait(helper.ctrl, CTRL_DONE, done, WAIT_SLICE_MS) === "timed-out") {
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      }
      this.#takeOverIfFailed(tools);
    }
    this.#collect(tools);
    const stage = this.#stage.subarray(0, this.#fill);
    this.#merge(tools.tree);
    tools.tree.update(stage);
    return tools.tree.digest();
  }

  /** Stops the worker, if any. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const helper = this.#helper;
    const lender = this.#lender;
    this.#helper = null;
    this.#lender = null;
    if (helper === null) return;
    if (lender === null) return stopHelper(helper);
    lender.lent = false;
    // Given back only in a clean state (every job of this pipe collected)
    // and while its run is still on.
    if (
      lender.runs === 0 || helper.merged !== helper.submitted ||
      Atomics.load(helper.ctrl, CTRL_FAILED) !== 0
    ) {
      stopHelper(helper);
      if (lender.helper === helper) lender.helper = null;
    }
  }

  /** A full stage: to the worker when it was a slot, else hashed here. Then the next stage. */
  #dispatch(tools: Tools): void {
    const seq = this.#nextSeq++;
    const helper = this.#helper;
    if (this.#stageSlot >= 0 && helper !== null) {
      Atomics.store(helper.ctrl, CTRL_LENGTHS + this.#stageSlot, this.#fill);
      helper.seqOfJob.push(seq);
      this.#workerJobs++;
      helper.submitted++;
      Atomics.store(helper.ctrl, CTRL_SUBMITTED, helper.submitted);
      Atomics.notify(helper.ctrl, CTRL_SUBMITTED);
    } else {
      this.#results.set(seq, tools.hashLeaves(this.#stage.subarray(0, this.#fill)));
    }
    this.#fill = 0;
    this.#collect(tools);
    this.#merge(tools.tree);
    if (
      this.#mode === "auto" && helper === null &&
      (this.#size > this.#threshold || (shared !== null && !shared.lent))
    ) this.#spawn();
    this.#nextStage();
  }

  /** Fills a free slot next when the worker is ready and has room, else this thread's buffer. */
  #nextStage(): void {
    const helper = this.#helper;
    if (
      helper !== null && helper.error === null &&
      Atomics.load(helper.ctrl, CTRL_READY) === 1 &&
      Atomics.load(helper.ctrl, CTRL_FAILED) === 0 &&
      helper.submitted - Atomics.load(helper.ctrl, CTRL_DONE) < SLOTS
    ) {
      this.#stageSlot = helper.submitted % SLOTS;
      this.#stage = new Uint8Array(
        helper.data,
        this.#stageSlot * HASH_STAGE_BYTES,
        HASH_STAGE_BYTES,
      );
    } else {
      this.#stageSlot = -1;
      this.#stage = this.#own;
    }
  }

  /** Takes the worker's finished jobs into the results. */
  #collect(tools: Tools): void {
    const helper = this.#helper;
    if (helper === null) return;
    if (Atomics.load(helper.ctrl, CTRL_FAILED) !== 0) return this.#takeOver(tools);
    const done = Atomics.load(helper.ctrl, CTRL_DONE);
    for (; helper.merged < done; helper.merged++) {
      const slot = helper.merged % SLOTS;
      const length = Atomics.load(helper.ctrl, CTRL_LENGTHS + slot);
      const hashes = new Uint8Array(
        helper.hashes,
        slot * SLOT_HASH_BYTES,
        (length / (128 * 1024)) * ID_BYTES,
      );
      this.#results.set(helper.seqOfJob.shift()!, hashes.slice());
    }
  }

  /**
   * The worker failed: stop it and hash its unfinished jobs here (their
   * bytes are still in their slots), so a broken worker costs time, never
   * a wrong or missing id.
   */
  #takeOver(tools: Tools): void {
    const helper = this.#helper!;
    stopHelper(helper);
    if (this.#lender !== null) {
      if (this.#lender.helper === helper) this.#lender.helper = null;
      this.#lender.lent = false;
      this.#lender = null;
    }
    const done = Atomics.load(helper.ctrl, CTRL_DONE);
    for (; helper.merged < helper.submitted; helper.merged++) {
      const slot = helper.merged % SLOTS;
      const length = Atomics.load(helper.ctrl, CTRL_LENGTHS + slot);
      const hashes = helper.merged < done
        ? new Uint8Array(helper.hashes, slot * SLOT_HASH_BYTES, (length / (128 * 1024)) * ID_BYTES)
          .slice()
        : tools.hashLeaves(new Uint8Array(helper.data, slot * HASH_STAGE_BYTES, length));
      this.#results.set(helper.seqOfJob.shift()!, hashes);
    }
    this.#helper = null;
    if (this.#stageSlot >= 0) {
      // The stage was a slot: carry what it holds over to this thread's buffer.
      this.#own.set(this.#stage.subarray(0, this.#fill));
      this.#stage = this.#own;
      this.#stageSlot = -1;
    }
  }

  #merge(tree: Mth): void {
    for (let hashes; (hashes = this.#results.get(this.#mergedSeq)) !== undefined;) {
      this.#results.delete(this.#mergedSeq++);
      for (let i = 0; i < hashes.length; i += ID_BYTES) {
        tree.addLeafHash(hashes.subarray(i, i + ID_BYTES));
      }
    }
  }

  /** After a worker failure its jobs are hashed here: the id comes out right all the same. */
  #takeOverIfFailed(tools: Tools): void {
    const helper = this.#helper;
    if (helper !== null && Atomics.load(helper.ctrl, CTRL_FAILED) !== 0) this.#takeOver(tools);
  }

  /** Borrows the run's shared worker when it is free (starting it the first time), else starts one. */
  #spawn(): void {
    if (shared !== null && !shared.lent) {
      shared.lent = true;
      this.#lender = shared;
      shared.helper ??= newHelper();
      this.#helper = shared.helper;
      this.#helper.seqOfJob = [];
      return;
    }
    this.#helper = newHelper();
  }
}

/** A new worker with its shared memory. */
function newHelper(): Helper {
  const ctrl = new Int32Array(new SharedArrayBuffer(ctrlWords(SLOTS) * 4));
  const data = new SharedArrayBuffer(SLOTS * HASH_STAGE_BYTES);
  const hashes = new SharedArrayBuffer(SLOTS * SLOT_HASH_BYTES);
  const worker = new Worker(new URL("./mth_worker.ts", import.meta.url).href, { type: "module" });
  const helper: Helper = {
    worker,
    ctrl,
    data,
    hashes,
    submitted: 0,
    merged: 0,
    seqOfJob: [],
    error: null,
  };
  const fail = (message: string) => {
    helper.error ??= message;
    Atomics.store(ctrl, CTRL_FAILED, 1);
    Atomics.notify(ctrl, CTRL_DONE);
  };
  worker.onmessage = (event: MessageEvent<{ op: string; message?: string }>) => {
    if (event.data.op === "error") {
      fail(`Packet hashing failed in its worker: ${event.data.message}`);
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    fail(`Packet hashing worker crashed: ${event.message}`);
  };
  worker.postMessage({
    op: "start",
    ctrl: ctrl.buffer,
    data,
    hashes,
    slots: SLOTS,
    slotBytes: HASH_STAGE_BYTES,
  });
  return helper;
}
