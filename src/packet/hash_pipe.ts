/**
 * Computes a packet id (MTH) alongside encryption, decryption or a copy,
 * on every core for big inputs. MTH leaves (128 KiB blocks) are
 * independent, so the input is staged in leaf-aligned buffers and each full
 * buffer is hashed either by one of the process's worker threads (round
 * robin over those with a free slot) or, when every worker's queue is full
 * or there is no worker, right here; the tree is built here from the leaf
 * hashes in order. The cores thus share the hashing in whatever proportion
 * keeps them all busy, and the id is the same whoever hashed which leaf.
 *
 * The staging buffers handed to a worker live in shared memory, and the
 * hand-over and the results go through `Atomics` on shared control words
 * ({@linkcode ./hash_pipe_layout.ts}), not messages: the main thread never
 * has to return to its event loop for a worker to get work or for its
 * results to arrive, so the split holds even in a loop that never yields.
 *
 * One pool of workers serves the process: at most `hashWorkersMax()` (one
 * per core beyond the first, at most `HASH_WORKERS_MAX`), each with
 * `HASH_QUEUE_BUFFERS_MAX` slots of `HASH_STAGE_BYTES`: memory is bounded
 * whatever the number of pipes. In mode `auto` a pipe borrows the workers
 * once `thresholdBytes` have passed (after one buffer while a run holds the
 * pool);
 * small inputs never start one. A worker that fails is stopped and its
 * unfinished jobs are hashed here: it costs time, never a wrong id.
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
  HASH_WORKERS_MAX,
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
/** First size of a pipe's own staging buffer (it doubles up to a stage as input comes). */
const OWN_BYTES_MIN = 64 * 1024;
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
 * The process's hashing workers: at most {@linkcode hashWorkersMax} of them
 * live at a time, whoever started them. A pipe borrows every free one (and
 * starts more up to the cap) once its input is big enough, and gives them
 * back when it ends. While a run holds the pool ({@linkcode withSharedHashWorker})
 * the workers given back stay up for the next pipe; otherwise they stop
 * (a live worker keeps the process from exiting).
 */
interface Pool {
  free: Helper[];
  live: number;
  holds: number;
}

const pool: Pool = { free: [], live: 0, holds: 0 };

/** Workers the pool starts at most: one per core beyond the first, at most `HASH_WORKERS_MAX`. */
export function defaultHashWorkersMax(): number {
  const cores = typeof navigator === "undefined" ? 2 : navigator.hardwareConcurrency || 2;
  return Math.max(1, Math.min(HASH_WORKERS_MAX, cores - 1));
}

let workersMax = defaultHashWorkersMax();

/** How many hashing workers the process runs at most. */
export function hashWorkersMax(): number {
  return workersMax;
}

/** Sets how many hashing workers the process runs at most (0: hash on the calling thread only). */
export function setHashWorkersMax(count: number): void {
  if (!Number.isInteger(count) || count < 0 || count > HASH_WORKERS_MAX) {
    throw new RangeError(
      `hashing workers: ${count} is not a whole number from 0 to ${HASH_WORKERS_MAX}`,
    );
  }
  workersMax = count;
  while (pool.free.length > 0 && pool.live > workersMax) retire(pool.free.pop()!);
}

/** Hashing workers alive in this process (free or lent to a pipe). */
export function hashWorkersLive(): number {
  return pool.live;
}

/**
 * Runs `work` while holding the process's hashing workers: pipes created
 * one after another inside it reuse the workers instead of starting new
 * ones (started by the first pipe that needs them, stopped when the last
 * holder ends). Nested and concurrent runs share the one pool.
 */
export async function withSharedHashWorker<T>(work: () => Promise<T>): Promise<T> {
  pool.holds++;
  try {
    return await work();
  } finally {
    // A pipe may still use some workers: it stops them when it closes.
    if (--pool.holds === 0) { while (pool.free.length > 0) retire(pool.free.pop()!); }
  }
}

function stopHelper(helper: Helper): void {
  Atomics.store(helper.ctrl, CTRL_STOP, 1);
  Atomics.notify(helper.ctrl, CTRL_SUBMITTED);
  helper.worker.terminate();
}

/** Stops a worker of the pool for good. */
function retire(helper: Helper): void {
  stopHelper(helper);
  pool.live--;
}

/**
 * True when a worker can take another job now: it is up, and the slot the
 * job would use holds no job whose hashes are still to be collected. (Done
 * is not enough: a job the worker finished after the last collection still
 * has its length and hashes in the slot, and a new job there would
 * overwrite them before they are read.)
 */
function hasRoom(helper: Helper): boolean {
  return helper.error === null &&
    Atomics.load(helper.ctrl, CTRL_READY) === 1 &&
    Atomics.load(helper.ctrl, CTRL_FAILED) === 0 &&
    helper.submitted - helper.merged < SLOTS;
}

/** An MTH shared between this thread and the process's workers. Call `digest()` or `close()` when done. */
export class HashPipe {
  #mode: HashMode;
  #threshold: number;
  #tools: Promise<Tools>;
  #ready: Tools | null = null;
  /** This thread's staging buffer: grows with the input up to `HASH_STAGE_BYTES` (small inputs stay small). */
  #own = new Uint8Array(0);
  #stage: Uint8Array;
  /** The worker whose slot `#stage` is, or null for this thread's own buffer. */
  #stageHelper: Helper | null = null;
  #fill = 0;
  #size = 0;
  #nextSeq = 0;
  #mergedSeq = 0;
  #results = new Map<number, Uint8Array>();
  /** Workers borrowed from the pool (empty: everything is hashed here). */
  #helpers: Helper[] = [];
  /** Where the search for a worker with room starts next (round robin). */
  #turn = 0;
  #borrowed = false;
  #workerJobs = 0;
  #jobsByWorker = new Map<Helper, number>();
  #closed = false;

  /** A new pipe; in `worker` mode it borrows the workers at once. */
  constructor(options: HashPipeOptions = {}) {
    this.#mode = options.mode ?? "auto";
    this.#threshold = options.thresholdBytes ?? HASH_WORKER_THRESHOLD_BYTES;
    this.#stage = this.#own;
    this.#tools = Promise.all([Mth.create(), createLeafHasher()]).then(([tree, hashLeaves]) => {
      this.#ready = { tree, hashLeaves };
      return this.#ready;
    });
    if (this.#mode === "worker") this.#borrow();
  }

  /** Staging buffers this pipe handed to workers so far (each `HASH_STAGE_BYTES`). */
  get workerJobs(): number {
    return this.#workerJobs;
  }

  /** Staging buffers each worker this pipe borrowed took so far, in the order they were borrowed. */
  get jobsPerWorker(): number[] {
    return [...this.#jobsByWorker.values()];
  }

  /** Workers this pipe hashes with now. */
  get workers(): number {
    return this.#helpers.length;
  }

  /** True once a worker is up and taking this pipe's buffers. */
  get workerReady(): boolean {
    return this.#helpers.some((h) => Atomics.load(h.ctrl, CTRL_READY) === 1);
  }

  /** How many of this pipe's workers are up. */
  get workersReady(): number {
    return this.#helpers.filter((h) => Atomics.load(h.ctrl, CTRL_READY) === 1).length;
  }

  /** Hashes the next bytes; `data` may be reused once the promise settles. */
  async update(data: Uint8Array): Promise<void> {
    const tools = this.#ready ?? await this.#tools;
    let pos = 0;
    while (pos < data.length) {
      if (this.#stageHelper === null && this.#fill + data.length - pos > this.#own.length) {
        this.#growOwn(this.#fill + data.length - pos);
      }
      const take = Math.min(HASH_STAGE_BYTES - this.#fill, data.length - pos);
      this.#stage.set(data.subarray(pos, pos + take), this.#fill);
      this.#fill += take;
      pos += take;
      this.#size += take;
      if (this.#fill === HASH_STAGE_BYTES) this.#dispatch(tools);
    }
  }

  /** Makes this thread's buffer hold at least `bytes` (at most a stage), keeping what it holds. */
  #growOwn(bytes: number): void {
    if (this.#own.length >= HASH_STAGE_BYTES) return;
    let length = Math.max(this.#own.length * 2, OWN_BYTES_MIN);
    while (length < bytes && length < HASH_STAGE_BYTES) length *= 2;
    const grown = new Uint8Array(Math.min(length, HASH_STAGE_BYTES));
    grown.set(this.#own.subarray(0, this.#fill));
    if (this.#stage === this.#own) this.#stage = grown;
    this.#own = grown;
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
    for (const helper of [...this.#helpers]) {
      for (let done; (done = Atomics.load(helper.ctrl, CTRL_DONE)) < helper.submitted;) {
        this.#takeOverIfFailed(tools, helper);
        if (!this.#helpers.includes(helper)) break; // its jobs were hashed here
        // A worker reports by shared memory; a crash only by an event, so
        // the event loop gets a turn between waits.
        if (Atomics.wait(helper.ctrl, CTRL_DONE, done, WAIT_SLICE_MS) === "timed-out") {
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      }
      this.#takeOverIfFailed(tools, helper);
    }
    this.#collect(tools);
    const stage = this.#stage.subarray(0, this.#fill);
    this.#merge(tools.tree);
    tools.tree.update(stage);
    return tools.tree.digest();
  }

  /** Gives the workers back (or stops them). Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const helpers = this.#helpers;
    this.#helpers = [];
    this.#stageHelper = null;
    for (const helper of helpers) {
      // Given back only in a clean state (every job of this pipe collected)
      // and while a run holds the pool.
      const clean = helper.merged === helper.submitted &&
        Atomics.load(helper.ctrl, CTRL_FAILED) === 0 && helper.error === null;
      if (clean && pool.holds > 0 && pool.live <= workersMax) pool.free.push(helper);
      else retire(helper);
    }
  }

  /** A full stage: to its worker when it was a slot, else hashed here. Then the next stage. */
  #dispatch(tools: Tools): void {
    const seq = this.#nextSeq++;
    const helper = this.#stageHelper;
    if (helper !== null) {
      const slot = helper.submitted % SLOTS;
      Atomics.store(helper.ctrl, CTRL_LENGTHS + slot, this.#fill);
      helper.seqOfJob.push(seq);
      this.#workerJobs++;
      this.#jobsByWorker.set(helper, (this.#jobsByWorker.get(helper) ?? 0) + 1);
      helper.submitted++;
      Atomics.store(helper.ctrl, CTRL_SUBMITTED, helper.submitted);
      Atomics.notify(helper.ctrl, CTRL_SUBMITTED);
    } else {
      this.#results.set(seq, tools.hashLeaves(this.#stage.subarray(0, this.#fill)));
    }
    this.#fill = 0;
    this.#stageHelper = null;
    this.#stage = this.#own;
    this.#collect(tools);
    this.#merge(tools.tree);
    if (
      this.#mode === "auto" && !this.#borrowed &&
      (this.#size > this.#threshold ||
        (pool.holds > 0 && (pool.free.length > 0 || pool.live < workersMax)))
    ) this.#borrow();
    this.#nextStage();
  }

  /** Fills a free slot of the next worker with room, else this thread's buffer. */
  #nextStage(): void {
    const n = this.#helpers.length;
    for (let i = 0; i < n; i++) {
      const helper = this.#helpers[(this.#turn + i) % n]!;
      if (!hasRoom(helper)) continue;
      this.#turn = (this.#turn + i + 1) % n;
      const slot = helper.submitted % SLOTS;
      this.#stageHelper = helper;
      this.#stage = new Uint8Array(helper.data, slot * HASH_STAGE_BYTES, HASH_STAGE_BYTES);
      return;
    }
    this.#stageHelper = null;
    this.#stage = this.#own;
  }

  /** Takes the workers' finished jobs into the results. */
  #collect(tools: Tools): void {
    for (const helper of [...this.#helpers]) {
      if (Atomics.load(helper.ctrl, CTRL_FAILED) !== 0) {
        this.#takeOver(tools, helper);
        continue;
      }
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
  }

  /**
   * A worker failed: stop it and hash its unfinished jobs here (their
   * bytes are still in its slots), so a broken worker costs time, never a
   * wrong or missing id. The other workers go on.
   */
  #takeOver(tools: Tools, helper: Helper): void {
    retire(helper);
    this.#helpers = this.#helpers.filter((h) => h !== helper);
    this.#turn = 0;
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
    if (this.#stageHelper === helper) {
      // The stage was one of its slots: carry what it holds over to this thread's buffer.
      this.#growOwn(HASH_STAGE_BYTES);
      this.#own.set(this.#stage.subarray(0, this.#fill));
      this.#stage = this.#own;
      this.#stageHelper = null;
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
  #takeOverIfFailed(tools: Tools, helper: Helper): void {
    if (this.#helpers.includes(helper) && Atomics.load(helper.ctrl, CTRL_FAILED) !== 0) {
      this.#takeOver(tools, helper);
    }
  }

  /** Borrows every free worker of the pool, and starts new ones up to the cap. */
  #borrow(): void {
    this.#borrowed = true;
    while (pool.free.length > 0) {
      const helper = pool.free.pop()!;
      helper.seqOfJob = [];
      this.#helpers.push(helper);
      this.#jobsByWorker.set(helper, 0);
    }
    while (pool.live < workersMax) {
      const helper = newHelper();
      pool.live++;
      this.#helpers.push(helper);
      this.#jobsByWorker.set(helper, 0);
    }
  }
}

let workerModule: URL = new URL("./mth_worker.ts", import.meta.url);

/**
 * The module new hashing workers run (default `mth_worker.ts`; tests start
 * one that fails, to show the ids stay right). Null restores the default.
 */
export function setHashWorkerModule(url: URL | null): void {
  workerModule = url ?? new URL("./mth_worker.ts", import.meta.url);
}

/** A new worker with its shared memory. */
function newHelper(): Helper {
  const ctrl = new Int32Array(new SharedArrayBuffer(ctrlWords(SLOTS) * 4));
  const data = new SharedArrayBuffer(SLOTS * HASH_STAGE_BYTES);
  const hashes = new SharedArrayBuffer(SLOTS * SLOT_HASH_BYTES);
  const worker = new Worker(workerModule.href, { type: "module" });
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
