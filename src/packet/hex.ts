/**
 * Lower-case hex, for saved states and test output.
 *
 * @example
 * ```ts
 * import { decodeHex, encodeHex } from "./hex.ts";
 * console.assert(encodeHex(new Uint8Array([0, 255])) === "00ff");
 * console.assert(decodeHex("00ff")?.[1] === 255);
 * ```
 * @module
 */

/** Encodes bytes as lower-case hex. */
export function encodeHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Decodes hex (either case); returns undefined for anything else. */
export function decodeHex(text: string): Uint8Array | undefined {
  if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    return undefined;
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
