/**
 * Reading `errno` and its text through a libc bound with Deno FFI: the
 * symbols to bind (spread them into a library's symbol table) and the two
 * helpers every FFI file step needs. `errno` is per thread: read it right
 * after a call made on this thread, never after a `nonblocking` one.
 *
 * @example
 * ```ts
 * import { errnoText, LIBC_ERRNO_SYMBOLS } from "./libc_errno.ts";
 * const lib = Deno.dlopen("libc.so.6", LIBC_ERRNO_SYMBOLS);
 * console.assert(errnoText(lib.symbols, 2) === "No such file or directory");
 * lib.close();
 * ```
 * @module
 */

/** The libc symbols {@linkcode lastErrno} and {@linkcode errnoText} use. */
export const LIBC_ERRNO_SYMBOLS = {
  strerror: { parameters: ["i32"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

/** A bound libc with at least {@linkcode LIBC_ERRNO_SYMBOLS}. */
export interface ErrnoLibc {
  strerror(code: number): Deno.PointerValue;
  __errno_location(): Deno.PointerValue;
}

/** This thread's `errno`. */
export function lastErrno(c: ErrnoLibc): number {
  const p = c.__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** `strerror(code)`: "No such file or directory", or `errno N` when libc has no text. */
export function errnoText(c: ErrnoLibc, code: number): string {
  const p = c.strerror(code);
  return p === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(p);
}
