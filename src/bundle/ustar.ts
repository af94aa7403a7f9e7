/**
 * The ustar headers NNCP bundles use: a directory entry `NNCP` and a regular
 * file entry `NNCP/<recipient>/<sender>/<packet id>` for every packet, all
 * with mtime 0 and uid/gid 0, exactly as `nncp-bundle -tx` writes them.
 * @module
 */

/** Size of a tar block. */
export const blockBytes = 512;
/** The prefix every bundle entry path starts with. */
export const bundlePrefix = "NNCP";

const enc = new TextEncoder();
const dec = new TextDecoder();

function putString(block: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = enc.encode(text);
  if (bytes.length > length) throw new RangeError(`tar field too long: ${JSON.stringify(text)}`);
  block.set(bytes, offset);
}

function putOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  const text = value.toString(8).padStart(length - 1, "0");
  if (text.length > length - 1) {
    throw new RangeError(`tar number ${value} does not fit ${length} bytes`);
  }
  putString(block, offset, length - 1, text);
}

/** The fields of one ustar header that bundles use. */
export interface UstarEntry {
  /** Full path (prefix and name joined by "/"). */
  path: string;
  mode: number;
  size: number;
  /** `0` regular file, `5` directory. */
  type: "0" | "5";
}

/** Encodes a ustar header block the way Go's archive/tar does for these entries. */
export function encodeUstar(entry: UstarEntry): Uint8Array {
  const block = new Uint8Array(blockBytes);
  let name = entry.path;
  let prefix = "";
  if (enc.encode(name).length > 100) {
    const cut = name.lastIndexOf("/");
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  putString(block, 0, 100, name);
  putOctal(block, 100, 8, entry.mode);
  putOctal(block, 108, 8, 0); // uid
  putOctal(block, 116, 8, 0); // gid
  putOctal(block, 124, 12, entry.size);
  putOctal(block, 136, 12, 0); // mtime
  block.fill(0x20, 148, 156); // checksum placeholder: spaces
  block[156] = entry.type.charCodeAt(0);
  putString(block, 257, 6, "ustar\0");
  putString(block, 263, 2, "00");
  putOctal(block, 329, 8, 0); // devmajor
  putOctal(block, 337, 8, 0); // devminor
  putString(block, 345, 155, prefix);
  let sum = 0;
  for (const b of block) sum += b;
  putString(block, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

/** Raised for a block that is not a valid ustar header. */
export class TarHeaderError extends Error {
  override name = "TarHeaderError";
}

function getString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return dec.decode(end < 0 ? field : field.subarray(0, end));
}

function getOctal(block: Uint8Array, offset: number, length: number, what: string): number {
  const text = getString(block, offset, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) {
    throw new TarHeaderError(`tar header ${what} ${JSON.stringify(text)} is not octal`);
  }
  const value = parseInt(text, 8);
  if (!Number.isSafeInteger(value)) throw new TarHeaderError(`tar header ${what} is too large`);
  return value;
}

/** Decodes and checks one header block (checksum, magic, numeric fields). */
export function decodeUstar(block: Uint8Array): UstarEntry {
  if (block.length !== blockBytes) throw new TarHeaderError("short tar header");
  const stored = getOctal(block, 148, 8, "checksum");
  let sum = 0;
  for (let i = 0; i < blockBytes; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  if (sum !== stored) {
    throw new TarHeaderError(`tar header checksum ${stored} does not match ${sum}`);
  }
  const magic = getString(block, 257, 6);
  if (magic !== "ustar") {
    throw new TarHeaderError(`tar header magic ${JSON.stringify(magic)} is not ustar`);
  }
  const type = String.fromCharCode(block[156]!);
  if (type !== "0" && type !== "5" && type !== "\0") {
    throw new TarHeaderError(`tar entry type ${JSON.stringify(type)} is not a file or folder`);
  }
  const name = getString(block, 0, 100);
  const prefix = getString(block, 345, 155);
  return {
    path: prefix ? `${prefix}/${name}` : name,
    mode: getOctal(block, 100, 8, "mode"),
    size: getOctal(block, 124, 12, "size"),
    type: type === "5" ? "5" : "0",
  };
}

/** Bytes of zero padding after `size` bytes of content. */
export function paddingFor(size: number): number {
  const rem = size % blockBytes;
  return rem === 0 ? 0 : blockBytes - rem;
}
