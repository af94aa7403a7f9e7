/**
 * Keyed BLAKE3-256 of whole 128 KiB blocks (MTH leaves) at SIMD speed:
 * ferry's own WebAssembly (`wasm/blake3_leaves.c`, built by
 * `scripts/build_wasm.sh`), which hashes four BLAKE3 chunks at once with
 * SIMD128 instructions, several times faster than the scalar `hash-wasm`
 * code. It only knows messages of exactly {@linkcode LEAF_BYTES}; anything
 * else stays on {@linkcode ./blake3.ts}.
 *
 * Each {@linkcode Blake3Leaves} owns a WebAssembly instance with a fixed
 * 640 KiB memory (it never grows, so the views below never detach). Blocks
 * are hashed from its input area: {@linkcode Blake3Leaves.hash} copies any
 * number of blocks through it, or a caller fills
 * {@linkcode Blake3Leaves.input} itself (a file read straight into it) and
 * calls {@linkcode Blake3Leaves.hashInput}, saving the copy.
 *
 * Where WebAssembly SIMD is missing, {@linkcode Blake3Leaves.create}
 * returns `null` and callers keep to `hash-wasm`.
 *
 * @example
 * ```ts
 * import { Blake3Leaves, LEAF_BYTES } from "./blake3_leaves.ts";
 * import { blake3Keyed256 } from "./blake3.ts";
 * const key = new Uint8Array(32).fill(7);
 * const leaves = Blake3Leaves.create(key);
 * const block = new Uint8Array(LEAF_BYTES).fill(1);
 * const hash = leaves?.hash(block) ?? blake3Keyed256(key, block);
 * console.assert(hash.join() === blake3Keyed256(key, block).join());
 * ```
 * @module
 */

import { BLAKE3_LEAVES_WASM_BASE64 } from "./wasm/blake3_leaves.wasm.ts";

/** Bytes in one leaf: one whole MTH block. */
export const LEAF_BYTES = 128 * 1024;
/** Bytes of one leaf hash (BLAKE3-256) and of the key. */
const HASH_BYTES = 32;

interface Exports {
  memory: WebAssembly.Memory;
  input_area(): number;
  output_area(): number;
  key_area(): number;
  area_leaves(): number;
  leaves(n: number): number;
}

/** The compiled module, `null` when this runtime cannot compile it (no SIMD). */
let compiled: WebAssembly.Module | null | undefined;

function compiledModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const text = atob(BLAKE3_LEAVES_WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    try {
      compiled = new WebAssembly.Module(bytes);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** A keyed BLAKE3-256 leaf hasher on its own WebAssembly instance. */
export class Blake3Leaves {
  /**
   * The input area: {@linkcode Blake3Leaves.areaLeaves} blocks back to back.
   * Fill its first `n` blocks, then call `hashInput(n)`.
   */
  readonly input: Uint8Array;
  /** How many blocks the input area holds. */
  readonly areaLeaves: number;
  #output: Uint8Array;
  #leaves: (n: number) => number;

  private constructor(exports: Exports, key: Uint8Array) {
    const buffer = exports.memory.buffer;
    this.areaLeaves = exports.area_leaves();
    this.input = new Uint8Array(buffer, exports.input_area(), this.areaLeaves * LEAF_BYTES);
    this.#output = new Uint8Array(buffer, exports.output_area(), this.areaLeaves * HASH_BYTES);
    new Uint8Array(buffer, exports.key_area(), HASH_BYTES).set(key);
    this.#leaves = exports.leaves;
  }

  /**
   * A hasher keyed with `key` (32 bytes), or `null` when WebAssembly SIMD
   * is not available here.
   * @throws {RangeError} when `key` is not 32 bytes.
   */
  static create(key: Uint8Array): Blake3Leaves | null {
    if (key.length !== HASH_BYTES) {
      throw new RangeError(
        `Cannot create a BLAKE3 leaf hasher: key has ${key.length} bytes, not 32`,
      );
    }
    const module = compiledModule();
    if (module === null) return null;
    try {
      const instance = new WebAssembly.Instance(module, {});
      return new Blake3Leaves(instance.exports as unknown as Exports, key);
    } catch {
      return null;
    }
  }

  /**
   * Hashes the first `n` blocks of {@linkcode Blake3Leaves.input}; returns
   * their `n` hashes back to back, as a view that the next call overwrites.
   * @throws {RangeError} when `n` is not a count up to `areaLeaves`.
   */
  hashInput(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0 || n > this.areaLeaves) {
      throw new RangeError(`Cannot hash ${n} leaves: the input area holds ${this.areaLeaves}`);
    }
    this.#leaves(n);
    return this.#output.subarray(0, n * HASH_BYTES);
  }

  /**
   * Hashes any number of whole blocks (copied through the input area);
   * returns a new array of their hashes, 32 bytes each, back to back.
   * @throws {RangeError} when `blocks` is not whole blocks.
   */
  hash(blocks: Uint8Array): Uint8Array {
    if (blocks.length % LEAF_BYTES !== 0) {
      throw new RangeError(`Cannot hash leaves: ${blocks.length} bytes is not whole blocks`);
    }
    const count = blocks.length / LEAF_BYTES;
    const out = new Uint8Array(count * HASH_BYTES);
    for (let done = 0; done < count;) {
      const n = Math.min(this.areaLeaves, count - done);
      this.input.set(blocks.subarray(done * LEAF_BYTES, (done + n) * LEAF_BYTES));
      out.set(this.hashInput(n), done * HASH_BYTES);
      done += n;
    }
    return out;
  }
}
