/**
 * RFC 4648 base32 without padding, upper case: the encoding NNCP uses for
 * node ids, keys and packet ids.
 *
 * @example
 * ```ts
 * import { decodeBase32, encodeBase32 } from "./base32.ts";
 * const text = encodeBase32(new Uint8Array([1, 2, 3]));
 * console.assert(text === "AEBAG");
 * console.assert(decodeBase32(text).length === 3);
 * ```
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const DECODE = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** Encodes bytes as unpadded upper-case RFC 4648 base32. */
export function encodeBase32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes unpadded upper-case RFC 4648 base32, exactly as strict as Go's
 * `base32.StdEncoding.WithPadding(base32.NoPadding)`: lower case, padding
 * and impossible lengths are rejected; like Go, unused trailing bits are
 * ignored.
 *
 * @throws {SyntaxError} when the text is not valid base32; the message names
 * the first bad character and its position.
 */
export function decodeBase32(text: string): Uint8Array {
  const rem = text.length % 8;
  if (rem === 1 || rem === 3 || rem === 6) {
    throw new SyntaxError(`Cannot decode base32: length ${text.length} is impossible`);
  }
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let pos = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? DECODE[code]! : -1;
    if (value < 0) {
      throw new SyntaxError(
        `Cannot decode base32: character ${
          JSON.stringify(text[i])
        } at position ${i} is not in A-Z2-7`,
      );
    }
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[pos++] = (buffer >>> bits) & 0xff;
      buffer &= (1 << bits) - 1;
    }
  }
  return out;
}

/** True when `text` is exactly the base32 form of `length` bytes. */
export function isBase32OfLength(text: string, length: number): boolean {
  try {
    return decodeBase32(text).length === length;
  } catch {
    return false;
  }
}
