/**
 * The control words shared between {@linkcode ./hash_pipe.ts} and its
 * worker ({@linkcode ./mth_worker.ts}): indexes into one Int32Array.
 *
 * @example
 * ```ts
 * import { CTRL_LENGTHS, ctrlWords } from "./hash_pipe_layout.ts";
 * console.assert(ctrlWords(4) === CTRL_LENGTHS + 4);
 * ```
 * @module
 */

/** Set to 1 by the worker once it can hash. */
export const CTRL_READY = 0;
/** Jobs handed to the worker so far (written by the main thread). */
export const CTRL_SUBMITTED = 1;
/** Jobs the worker finished so far (written by the worker). */
export const CTRL_DONE = 2;
/** Set to 1 by the main thread: the worker returns. */
export const CTRL_STOP = 3;
/** Set to 1 by the worker when hashing failed; it stops taking jobs. */
export const CTRL_FAILED = 4;
/** From here on: the byte length of the job in each slot. */
export const CTRL_LENGTHS = 5;

/** Control words for `slots` slots. */
export function ctrlWords(slots: number): number {
  return CTRL_LENGTHS + slots;
}
