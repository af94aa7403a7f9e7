/**
 * Comparing large buffers at memory speed: libc's `memcmp` through Deno FFI
 * (vectorised, about 10 GB/s, so a read-back compares a 256 MiB copy with its
 * source in some 25 ms), and a word-at-a-time loop where FFI is not granted.
 *
 * libc is bound once, when this module loads: a binding costs a few hundred
 * microseconds, too much to pay per file.
 *
 * @example
 * ```ts
 * import { openComparator } from "./memcmp.ts";
 * using same = openComparator();
 * console.assert(same.equal(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
 * console.assert(!same.equal(new Uint8Array([1, 2]), new Uint8Array([1, 3])));
 * ```
 * @module
 */

const symbols = {
  memcmp: { parameters: ["buffer", "buffer", "usize"], result: "i32" },
} as const;

/** Below this many bytes the JavaScript loop is as fast as a native call. */
const nativeBytesMin = 4096;

/** Compares buffers until disposed. */
export interface Comparator extends Disposable {
  /** Whether `a` and `b` hold the same bytes. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
  /** True when `memcmp` does the work (false: the portable loop). */
  readonly native: boolean;
}

/** libc's `memcmp`, bound when this module loads; null where FFI is not granted or libc is missing. */
const lib: Deno.DynamicLibrary<typeof symbols> | null = (() => {
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
    return Deno.dlopen("libc.so.6", symbols);
  } catch {
    return null; // no libc here: the loop
  }
})();

/** A comparator on libc's `memcmp` where FFI is granted, else on {@linkcode sameBytesLoop}. */
export function openComparator(): Comparator {
  return {
    native: lib !== null,
    equal(a, b) {
      if (a.length !== b.length) return false;
      if (lib !== null && a.length >= nativeBytesMin) {
        return lib.symbols.memcmp(a, b, BigInt(a.length)) === 0;
      }
      return sameBytesLoop(a, b);
    },
    [Symbol.dispose]() {},
  };
}

/** The portable comparison: 32 bits at a time where both views allow it. */
export function sameBytesLoop(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = a.length >>> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let w = 0; w < words; w++) if (wa[w] !== wb[w]) return false;
    i = words * 4;
  }
  for (; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
