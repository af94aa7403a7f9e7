/**
 * Consistent Overhead Byte Stuffing (COBS): rewrites a frame so that it
 * contains no 0x00 byte, which then marks frame ends on a byte stream.
 * For frames of up to 254 bytes the cost is exactly one byte.
 *
 * @example
 * ```ts
 * import { cobsDecode, cobsEncode } from "./cobs.ts";
 * const coded = cobsEncode(new Uint8Array([0x11, 0x00, 0x22]));
 * console.assert(coded.join() === "2,17,2,34");
 * console.assert(cobsDecode(coded)?.join() === "17,0,34");
 * ```
 * @module
 */

/** Encodes `bytes`; the result has no zero byte and is at most `n + ceil(n / 254) + 1` long. */
export function cobsEncode(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + Math.ceil(bytes.length / 254) + 1);
  let codeAt = 0;
  let code = 1;
  let o = 1;
  for (const byte of bytes) {
    if (byte === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
      continue;
    }
    out[o++] = byte;
    if (++code === 0xff) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    }
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

/**
 * Decodes `segment[start, end)` (bytes between two delimiters). Returns
 * `null` when the bytes are not a valid encoding (a zero byte, or a code
 * that points past the end).
 */
export function cobsDecode(
  segment: Uint8Array,
  start = 0,
  end = segment.length,
): Uint8Array | null {
  if (start >= end) return null;
  const out = new Uint8Array(end - start);
  let o = 0;
  let i = start;
  while (i < end) {
    const code = segment[i]!;
    if (code === 0 || i + code > end) return null;
    for (let k = i + 1; k < i + code; k++) {
      const byte = segment[k]!;
      if (byte === 0) return null;
      out[o++] = byte;
    }
    i += code;
    if (i < end && code !== 0xff) out[o++] = 0;
  }
  return out.subarray(0, o);
}

/**
 * Positions `p` in `segment[0, end)`, ascending, from which the chain of
 * COBS codes lands exactly on `end`: the only places where a valid frame
 * can start. Used to find a frame behind garbage that shares its segment.
 */
export function cobsChainStarts(segment: Uint8Array, end = segment.length): number[] {
  const valid = new Uint8Array(end + 1);
  valid[end] = 1;
  for (let i = end - 1; i >= 0; i--) {
    const code = segment[i]!;
    valid[i] = code !== 0 && i + code <= end && valid[i + code] === 1 ? 1 : 0;
  }
  const starts: number[] = [];
  for (let i = 0; i < end; i++) if (valid[i] === 1) starts.push(i);
  return starts;
}
