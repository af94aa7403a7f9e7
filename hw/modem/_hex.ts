/**
 * Hex encoding for the ASCII modem protocols (RN2483, RUI3).
 * @module
 */

const DIGITS = "0123456789ABCDEF";

/** Upper-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += (DIGITS[b >> 4] ?? "") + (DIGITS[b & 15] ?? "");
  return out;
}

/**
 * Parses hex digits (either case) into bytes. Throws `SyntaxError` for an
 * odd length or a non-hex character, `RangeError` above `bytesMax`.
 */
export function parseHex(text: string, bytesMax: number): Uint8Array {
  if (text.length % 2 !== 0) {
    throw new SyntaxError(`Hex payload has an odd length (${text.length} digits)`);
  }
  if (text.length / 2 > bytesMax) {
    throw new RangeError(`Hex payload of ${text.length / 2} bytes exceeds ${bytesMax}`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(text.charCodeAt(2 * i));
    const lo = hexValue(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      throw new SyntaxError(`Hex payload has a non-hex character near position ${2 * i}`);
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}
