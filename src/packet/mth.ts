/**
 * MTH, NNCP's packet id: a Merkle tree over 128 KiB blocks. Leaves are keyed
 * BLAKE3-256 (key = BLAKE3-256("NNCP MTH LEAF")) of each block (one empty
 * leaf for empty input); nodes are keyed BLAKE3-256 (key = BLAKE3-256("NNCP
 * MTH NODE")) of left‖right; each level is folded pairwise with an odd last
 * element promoted unchanged; a lone leaf is paired with itself.
 *
 * {@linkcode Mth} hashes a stream in one pass with memory independent of its
 * length, and can save its state at any point (`snapshot()`) to resume a
 * partly received file later: restore the state, feed the bytes from
 * `resumeOffset` (less than one block is re-read), then continue.
 *
 * Whole blocks are hashed by ferry's own SIMD BLAKE3
 * ({@linkcode Blake3Leaves}, several times faster) wherever WebAssembly SIMD
 * is available; a last partial block, the empty leaf and the nodes use
 * `hash-wasm`, as does everything when SIMD is missing.
 *
 * @example
 * ```ts
 * import { Mth } from "./mth.ts";
 * const mth = await Mth.create();
 * mth.update(new Uint8Array(5));
 * const saved = mth.snapshot();
 * const again = await Mth.create(saved);
 * again.update(new Uint8Array(5).subarray(again.resumeOffset));
 * console.assert(again.digest().join() === mth.digest().join());
 * ```
 * @module
 */

import { blake3Sum256, createBlake3, type IHasher } from "../crypto/blake3.ts";
import { Blake3Leaves } from "../crypto/blake3_leaves.ts";
import { decodeHex, encodeHex } from "./hex.ts";
import { BLOCK_BYTES, ID_BYTES } from "./limits.ts";
import { MTH_LEAF_KEY } from "./mth_leaf_key.ts";

const utf8 = new TextEncoder();
export { MTH_LEAF_KEY };
/** The key of MTH node hashes: BLAKE3-256("NNCP MTH NODE"). */
export const MTH_NODE_KEY: Uint8Array = blake3Sum256(utf8.encode("NNCP MTH NODE"));

/**
 * This thread's SIMD leaf hasher, or `null` without WebAssembly SIMD;
 * `undefined` until first needed. One serves every user on the thread:
 * each use copies its blocks in and the hashes out in one synchronous call.
 */
let sharedLeaves: Blake3Leaves | null | undefined;

function simdLeaves(): Blake3Leaves | null {
  if (sharedLeaves === undefined) sharedLeaves = Blake3Leaves.create(MTH_LEAF_KEY);
  return sharedLeaves;
}

/** Tree levels an MTH state can hold: enough for 2^53 bytes. */
const LEVELS_MAX = 40;

/** A saved MTH state (JSON-safe). It covers the first `leaves` whole blocks. */
export interface MthState {
  version: 1;
  /** Whole 128 KiB blocks hashed so far. */
  leaves: number;
  /** Pending subtree hash per tree level (hex), or null; level k is set iff bit k of `leaves` is. */
  pending: (string | null)[];
}

/** Streaming MTH hasher. */
export class Mth {
  #leaf: IHasher;
  #node: IHasher;
  #simd = simdLeaves();
  #leafFill = 0;
  #leaves = 0;
  #pending: (Uint8Array | null)[] = [];
  #done = false;

  private constructor(leaf: IHasher, node: IHasher) {
    this.#leaf = leaf;
    this.#node = node;
  }

  /**
   * A new hasher, or one restored from `state` (which then expects the input
   * from {@linkcode Mth.resumeOffset} on).
   * @throws {RangeError} when `state` is not a consistent MTH state.
   */
  static async create(state?: MthState): Promise<Mth> {
    const mth = new Mth(await createBlake3(MTH_LEAF_KEY), await createBlake3(MTH_NODE_KEY));
    mth.#leaf.init();
    if (state !== undefined) mth.#restore(state);
    return mth;
  }

  /** Bytes hashed so far. */
  get size(): number {
    return this.#leaves * BLOCK_BYTES + this.#leafFill;
  }

  /** Starts a new, empty MTH with the same hashers (no new WebAssembly instances). */
  reset(): this {
    this.#leaf.init();
    this.#leafFill = 0;
    this.#leaves = 0;
    this.#pending = [];
    this.#done = false;
    return this;
  }

  /** Where input continues after restoring a snapshot taken now (whole blocks only). */
  get resumeOffset(): number {
    return this.#leaves * BLOCK_BYTES;
  }

  /** Hashes the next bytes. */
  update(data: Uint8Array): this {
    if (this.#done) throw new Error("Mth.update called after digest");
    let pos = 0;
    while (pos < data.length) {
      const whole = data.length - pos - (data.length - pos) % BLOCK_BYTES;
      if (this.#leafFill === 0 && whole > 0 && this.#simd !== null) {
        const hashes = this.#simd.hash(data.subarray(pos, pos + whole));
        for (let i = 0; i < hashes.length; i += ID_BYTES) {
          this.#pushLeaf(hashes.slice(i, i + ID_BYTES));
        }
        pos += whole;
        continue;
      }
      const take = Math.min(BLOCK_BYTES - this.#leafFill, data.length - pos);
      this.#leaf.update(data.subarray(pos, pos + take));
      this.#leafFill += take;
      pos += take;
      if (this.#leafFill === BLOCK_BYTES) this.#finishLeaf();
    }
    return this;
  }

  /**
   * Adds the hash of the next whole block, computed elsewhere (another
   * thread, {@linkcode createLeafHasher}). Only between whole blocks.
   */
  addLeafHash(hash: Uint8Array): this {
    if (this.#done) throw new Error("Mth.addLeafHash called after digest");
    if (this.#leafFill !== 0) throw new Error("Mth.addLeafHash called inside a block");
    this.#pushLeaf(hash.slice());
    return this;
  }

  /** The state covering every whole block hashed so far. */
  snapshot(): MthState {
    return {
      version: 1,
      leaves: this.#leaves,
      pending: this.#pending.map((h) => (h === null ? null : encodeHex(h))),
    };
  }

  /** The 32-byte MTH of everything hashed. The hasher is finished afterwards. */
  digest(): Uint8Array {
    if (this.#done) throw new Error("Mth.digest called twice");
    if (this.#leafFill > 0 || this.#leaves === 0) this.#finishLeaf();
    this.#done = true;
    if (this.#leaves === 1) return this.#nodeHash(this.#pending[0]!, this.#pending[0]!);
    let carry: Uint8Array | null = null;
    for (const hash of this.#pending) {
      if (hash === null) continue;
      carry = carry === null ? hash : this.#nodeHash(hash, carry);
    }
    return carry!;
  }

  #finishLeaf(): void {
    const hash = this.#leaf.digest("binary");
    this.#leaf.init();
    this.#leafFill = 0;
    this.#pushLeaf(hash);
  }

  #pushLeaf(hash: Uint8Array): void {
    this.#leaves++;
    let level = 0;
    while (this.#pending[level]) {
      hash = this.#nodeHash(this.#pending[level]!, hash);
      this.#pending[level] = null;
      level++;
    }
    this.#pending[level] = hash;
  }

  #nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
    return this.#node.init().update(left).update(right).digest("binary");
  }

  #restore(state: MthState): void {
    const bad = (why: string) => new RangeError(`Cannot restore MTH state: ${why}`);
    if (state.version !== 1) throw bad(`version ${state.version} is not 1`);
    if (!Number.isSafeInteger(state.leaves) || state.leaves < 0) {
      throw bad(`leaves ${state.leaves} is not a count`);
    }
    if (!Array.isArray(state.pending) || state.pending.length > LEVELS_MAX) {
      throw bad("pending is not a list of tree levels");
    }
    const pending = state.pending.map((hex, level) => {
      const set = Math.floor(state.leaves / 2 ** level) % 2 === 1;
      if ((hex !== null) !== set) throw bad(`level ${level} does not match ${state.leaves} leaves`);
      if (hex === null) return null;
      const hash = decodeHex(hex);
      if (hash?.length !== ID_BYTES) throw bad(`level ${level} is not a 32-byte hex hash`);
      return hash;
    });
    if (state.leaves >= 2 ** pending.length) throw bad(`too few levels for ${state.leaves} leaves`);
    this.#leaves = state.leaves;
    this.#pending = pending;
  }
}

/**
 * A function that hashes whole 128 KiB blocks as MTH leaves: given `n`
 * blocks it returns their `n` leaf hashes, 32 bytes each, back to back (a
 * new array). It runs on the SIMD hasher where there is one, else on
 * `hash-wasm`.
 * @throws {RangeError} (from the function) when its input is not whole blocks.
 */
export async function createLeafHasher(): Promise<(blocks: Uint8Array) => Uint8Array> {
  const simd = simdLeaves();
  if (simd === null) return await createHashWasmLeafHasher();
  return (blocks) => {
    checkWholeBlocks(blocks);
    return simd.hash(blocks);
  };
}

function checkWholeBlocks(blocks: Uint8Array): void {
  if (blocks.length % BLOCK_BYTES !== 0) {
    throw new RangeError(`Cannot hash MTH leaves: ${blocks.length} bytes is not whole blocks`);
  }
}

/**
 * {@linkcode createLeafHasher} on `hash-wasm` alone: the fallback without
 * WebAssembly SIMD, and the reference the SIMD hasher is tested and
 * measured against.
 */
export async function createHashWasmLeafHasher(): Promise<(blocks: Uint8Array) => Uint8Array> {
  const leaf = await createBlake3(MTH_LEAF_KEY);
  return (blocks) => {
    checkWholeBlocks(blocks);
    const out = new Uint8Array((blocks.length / BLOCK_BYTES) * ID_BYTES);
    for (let i = 0; i * BLOCK_BYTES < blocks.length; i++) {
      leaf.init().update(blocks.subarray(i * BLOCK_BYTES, (i + 1) * BLOCK_BYTES));
      out.set(leaf.digest("binary"), i * ID_BYTES);
    }
    return out;
  };
}

/** MTH of bytes in memory. */
export async function mthOf(data: Uint8Array): Promise<Uint8Array> {
  return (await Mth.create()).update(data).digest();
}
