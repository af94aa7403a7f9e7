/**
 * Builders for each plain packet type's path and payload conventions, and
 * readers for them, exactly as NNCP 8.8.2 writes and reads them:
 *
 * | type | nice | path | payload |
 * |---|---|---|---|
 * | file | packet nice | destination name | file contents |
 * | freq | reply nice | remote source path | local destination name |
 * | exec / exec-fat | reply nice | handle NUL arg NUL arg… | body (zstd for exec) |
 * | trns | 0 | next hop's destination id (32 bytes) | encrypted packet |
 * | area | 0 | area id (32 bytes) | encrypted packet to the area |
 * | ack | packet nice | acknowledged packet id (32 bytes) | none |
 *
 * @example
 * ```ts
 * import { execPlain, splitExecPath } from "./plain_builders.ts";
 * const header = execPlain("appender", ["arg1", "arg two"], 224);
 * console.assert(splitExecPath(header).args[1] === "arg two");
 * ```
 * @module
 */

import { PacketFormatError } from "./errors.ts";
import { ID_BYTES, PATH_BYTES_MAX } from "./limits.ts";
import { type PlainHeader, PlainType } from "./plain_header.ts";

/** NNCP's named niceness levels (the `+N`/`-N` forms are offsets from these). */
export const NICE = { flash: 32, priority: 96, normal: 160, bulk: 224, max: 255 } as const;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

function pathBytes(what: string, text: string): Uint8Array {
  const bytes = utf8.encode(text);
  if (bytes.length === 0) throw new RangeError(`Cannot build ${what}: the path is empty`);
  if (bytes.length > PATH_BYTES_MAX) {
    throw new RangeError(
      `Cannot build ${what}: path "${text}" has ${bytes.length} bytes, at most ${PATH_BYTES_MAX} fit`,
    );
  }
  return bytes;
}

function relative(what: string, text: string): string {
  if (text.startsWith("/")) {
    throw new RangeError(`Cannot build ${what}: path "${text}" must be relative`);
  }
  return text;
}

function idPath(what: string, id: Uint8Array): Uint8Array {
  if (id.length !== ID_BYTES) {
    throw new RangeError(`Cannot build ${what}: id has ${id.length} bytes, not ${ID_BYTES}`);
  }
  return id.slice();
}

/** A file transfer: `name` is the destination (relative) path at the recipient. */
export function filePlain(name: string, nice: number): PlainHeader {
  return {
    type: PlainType.file,
    nice,
    path: pathBytes("file packet", relative("file packet", name)),
  };
}

/** A file request for `remotePath`; the reply is sent with `replyNice`. */
export function freqPlain(remotePath: string, replyNice: number): PlainHeader {
  const path = pathBytes("freq packet", relative("freq packet", remotePath));
  return { type: PlainType.freq, nice: replyNice, path };
}

/** The payload of a file request: the name the requested file gets here. */
export function freqPayload(localName: string): Uint8Array {
  return utf8.encode(relative("freq payload", localName));
}

/** An exec (zstd-compressed body) or, with `compressed: false`, exec-fat. */
export function execPlain(
  handle: string,
  args: string[],
  replyNice: number,
  options: { compressed?: boolean } = {},
): PlainHeader {
  if (handle.length === 0 || handle.includes("\0")) {
    throw new RangeError(`Cannot build exec packet: handle "${handle}" is empty or has a NUL`);
  }
  const bad = args.find((a) => a.includes("\0"));
  if (bad !== undefined) {
    throw new RangeError(`Cannot build exec packet: argument "${bad}" contains a NUL byte`);
  }
  const type = options.compressed === false ? PlainType.execFat : PlainType.exec;
  return { type, nice: replyNice, path: pathBytes("exec packet", [handle, ...args].join("\0")) };
}

/** A transit packet whose payload is to be stored for node `nextId`. */
export function trnsPlain(nextId: Uint8Array): PlainHeader {
  return { type: PlainType.trns, nice: 0, path: idPath("trns packet", nextId) };
}

/** An area packet for area `areaId`; its payload is the packet encrypted to the area. */
export function areaPlain(areaId: Uint8Array): PlainHeader {
  return { type: PlainType.area, nice: 0, path: idPath("area packet", areaId) };
}

/** An acknowledgement of packet `packetId` (raw 32-byte MTH); it has no payload. */
export function ackPlain(packetId: Uint8Array, nice: number): PlainHeader {
  return { type: PlainType.ack, nice, path: idPath("ack packet", packetId) };
}

/**
 * The path as text (file name, freq source).
 * @throws {PacketFormatError} (`bad-plain`) when it is not valid UTF-8.
 */
export function plainPathText(header: PlainHeader): string {
  try {
    return utf8Strict.decode(header.path);
  } catch {
    throw new PacketFormatError(
      "bad-plain",
      "Cannot read plain packet path: it is not valid UTF-8",
    );
  }
}

/**
 * The 32-byte id in a trns, area or ack path.
 * @throws {PacketFormatError} (`bad-plain`) when the path is not 32 bytes.
 */
export function plainPathId(header: PlainHeader): Uint8Array {
  if (header.path.length !== ID_BYTES) {
    throw new PacketFormatError(
      "bad-plain",
      `Cannot read plain packet id: path has ${header.path.length} bytes, not ${ID_BYTES}`,
    );
  }
  return header.path;
}

/** The handle and arguments of an exec or exec-fat path. */
export function splitExecPath(header: PlainHeader): { handle: string; args: string[] } {
  const [handle = "", ...args] = plainPathText(header).split("\0");
  return { handle, args };
}
