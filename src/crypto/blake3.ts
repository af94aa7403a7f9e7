/**
 * BLAKE3 for ferry: the bulk path runs on `hash-wasm` (WebAssembly, about
 * ten times faster than pure JavaScript; loaded at its first use), the small key derivations and the
 * extendable output on `@noble/hashes`, which supports the `derive_key`
 * mode and streaming XOF output.
 *
 * @example
 * ```ts
 * import { blake3Sum256, createBlake3 } from "./blake3.ts";
 * const hasher = await createBlake3();
 * hasher.init().update(new Uint8Array([1, 2, 3]));
 * const bulk = hasher.digest("binary");
 * console.assert(bulk.every((b, i) => b === blake3Sum256(new Uint8Array([1, 2, 3]))[i]));
 * ```
 * @module
 */

import type { IHasher } from "hash-wasm";
import { blake3 } from "@noble/hashes/blake3.js";

/** Length of a BLAKE3-256 digest and of a BLAKE3 key, in bytes. */
export const BLAKE3_BYTES = 32;

const utf8 = new TextEncoder();

/**
 * A fresh WebAssembly BLAKE3-256 hasher, keyed when `key` (32 bytes) is
 * given. `init()` resets it to the empty state with the same key, so one
 * hasher serves many messages. Use it for anything bigger than a few
 * kilobytes.
 */
export async function createBlake3(key?: Uint8Array): Promise<IHasher> {
  if (key !== undefined && key.length !== BLAKE3_BYTES) {
    throw new RangeError(
      `Cannot create a keyed BLAKE3 hasher: key has ${key.length} bytes, not 32`,
    );
  }
  // Loaded at the first use: its module is large, and commands that hash no
  // packet (or only whole leaves, on the SIMD hasher) never need it.
  const { createBLAKE3 } = await import("hash-wasm");
  return await createBLAKE3(BLAKE3_BYTES * 8, key);
}

/** BLAKE3-256 of a small message (unkeyed). */
export function blake3Sum256(data: Uint8Array): Uint8Array {
  return blake3(data);
}

/** Keyed BLAKE3-256 of a small message; `key` is 32 bytes. */
export function blake3Keyed256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return blake3(data, { key });
}

/**
 * BLAKE3 in `derive_key` mode: a 32-byte key derived from `material` under
 * `context`. The context string is used byte for byte (UTF-8; NUL and other
 * control characters are allowed, as NNCP's contexts contain them).
 */
export function blake3DeriveKey(context: string, material: Uint8Array): Uint8Array {
  return blake3(material, { context: utf8.encode(context) });
}

/** A reader of the endless extendable output of keyed BLAKE3 over the empty message. */
export interface Blake3XofReader {
  /** Fills `into` with the next `into.length` output bytes and returns it. */
  read(into: Uint8Array): Uint8Array;
}

/**
 * The extendable output (XOF) of keyed BLAKE3 over the empty message: NNCP's
 * outer padding (OPAD). Successive `read` calls continue the same stream.
 */
export function blake3KeyedXof(key: Uint8Array): Blake3XofReader {
  const state = blake3.create({ key });
  return {
    read(into: Uint8Array): Uint8Array {
      if (into.length > 0) state.xofInto(into);
      return into;
    },
  };
}

export type { IHasher };
