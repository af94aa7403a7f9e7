/**
 * Helpers for reading fspl's structs and byte strings the way `rmp-serde`
 * accepts them. Private to the job metadata codec.
 * @module
 */

import { MsgpackError, type MsgpackReader } from "./msgpack_reader.ts";

const textDecoder = new TextDecoder();

/**
 * Reads a struct written either as a map (keys are field names, as `str` or
 * `bin`, or field indexes) or as a positional array. Calls `readField(i)`
 * with the reader positioned at field `i`'s value. Unknown keys are skipped;
 * a repeated or missing field is an error.
 */
export function readStruct(
  r: MsgpackReader,
  name: string,
  fields: readonly string[],
  readField: (index: number) => void,
): void {
  const kind = r.peekKind();
  if (kind === "array") {
    const n = r.readArrayHeader(name);
    if (n !== fields.length) {
      throw new MsgpackError(`${name}: array had incorrect length ${n}, expected ${fields.length}`);
    }
    for (let i = 0; i < n; i++) readField(i);
    return;
  }
  if (kind !== "map") {
    throw new MsgpackError(`${name}: invalid type: ${kind}, expected struct ${name}`);
  }
  const n = r.readMapHeader(name);
  const seen = new Array<boolean>(fields.length).fill(false);
  for (let e = 0; e < n; e++) {
    const index = fieldIndex(r, name, fields);
    if (index < 0) {
      r.skip();
      continue;
    }
    if (seen[index]) throw new MsgpackError(`${name}: duplicate field \`${fields[index]}\``);
    seen[index] = true;
    readField(index);
  }
  const missing = seen.indexOf(false);
  if (missing >= 0) throw new MsgpackError(`${name}: missing field \`${fields[missing]}\``);
}

function fieldIndex(r: MsgpackReader, name: string, fields: readonly string[]): number {
  const kind = r.peekKind();
  if (kind === "int") {
    const i = r.readInt(`${name} key`);
    return i >= 0n && i < BigInt(fields.length) ? Number(i) : -1;
  }
  if (kind === "str" || kind === "bin") {
    return fields.indexOf(textDecoder.decode(r.readStrOrBin(`${name} key`)));
  }
  throw new MsgpackError(`${name}: invalid type: ${kind} as a map key, expected a field name`);
}

/**
 * Reads a byte string as fspl writes it: an array of integers 0 to 255.
 * MessagePack `bin` and `str` are rejected, as fspl rejects them.
 */
export function decodeByteString(r: MsgpackReader, what: string): Uint8Array {
  const kind = r.peekKind();
  if (kind === "bin" || kind === "str") {
    throw new MsgpackError(
      `${what}: invalid type: MessagePack ${kind}, expected a sequence of byte values (fspl stores bytes as an array of integers)`,
    );
  }
  const n = r.readArrayHeader(what);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const b = r.readInt(what);
    if (b < 0n || b > 255n) {
      throw new MsgpackError(`${what}: invalid value: integer \`${b}\`, expected u8`);
    }
    out[i] = Number(b);
  }
  return out;
}
