/**
 * How much padding a packet gets for `minsize`, computed exactly as NNCP
 * 8.8.2 does: the padding goes into the innermost packet and is sized so
 * that the outermost packet (after `wrappers` layers of encryption) reaches
 * the minimum size.
 *
 * @example
 * ```ts
 * import { padBytesFor } from "./padding.ts";
 * // a 34-byte file to a neighbour, padded to 4 KiB (NNCP's file-pad4k vector)
 * console.assert(padBytesFor(276 + 34, 4096, 1) === 3582);
 * ```
 * @module
 */

import {
  BLOCK_BYTES,
  ENC_HEADER_BYTES,
  PLAIN_HEADER_BYTES,
  SIZE_BYTES,
  TAG_BYTES,
} from "./limits.ts";

/** Encrypted size of a stream of `plainBytes` (plain packet) plus SIZE, without padding or header. */
export function sealedBytesFor(plainBytes: number): number {
  const withSize = plainBytes + SIZE_BYTES;
  let total = withSize + Math.floor(withSize / BLOCK_BYTES) * TAG_BYTES;
  if (withSize % BLOCK_BYTES !== 0) total += TAG_BYTES;
  return total;
}

/**
 * Padding for a plain packet of `plainBytes` (header included) that will be
 * wrapped `wrappers` times (1 for a direct packet, 2 through one relay), so
 * that the outermost packet has at least `minSize` bytes.
 */
export function padBytesFor(plainBytes: number, minSize: number, wrappers: number): number {
  let expected = plainBytes - PLAIN_HEADER_BYTES;
  for (let i = 0; i < wrappers; i++) {
    expected = ENC_HEADER_BYTES + sealedBytesFor(PLAIN_HEADER_BYTES + expected);
  }
  return Math.max(0, minSize - expected);
}
