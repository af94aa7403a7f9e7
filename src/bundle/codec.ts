/**
 * Streaming NNCP bundles: a tar stream of packets, each as a directory entry
 * `NNCP` plus a file `NNCP/<recipient>/<sender>/<id>`, with no end-of-archive
 * blocks. The reader resynchronises on the string `NNCP` after garbage, so a
 * damaged tape or a stick with junk in front still yields every intact
 * packet, and each entry's body is streamed (never held in memory).
 * @module
 */

import { ByteReader } from "../stream/byte_reader.ts";
import {
  blockBytes,
  bundlePrefix,
  decodeUstar,
  encodeUstar,
  paddingFor,
  TarHeaderError,
} from "./ustar.ts";

const ID_RE = /^[A-Z2-7]{52}$/;
const PREFIX = new TextEncoder().encode(bundlePrefix);
/** How far ahead the reader scans for `NNCP` at once. */
export const scanWindowBytes = 128 * 1024;
/** Smallest possible encrypted packet: its header alone. */
export const packetBytesMin = 172;

/** The two header blocks that precede a packet of `size` bytes in a bundle. */
export function entryHeaders(
  recipient: string,
  sender: string,
  id: string,
  size: number,
): Uint8Array {
  const out = new Uint8Array(blockBytes * 2);
  out.set(encodeUstar({ path: bundlePrefix, mode: 0o700, size: 0, type: "5" }), 0);
  out.set(
    encodeUstar({
      path: `${bundlePrefix}/${recipient}/${sender}/${id}`,
      mode: 0o400,
      size,
      type: "0",
    }),
    blockBytes,
  );
  return out;
}

/** Zero bytes that end an entry of `size` bytes. */
export function entryPadding(size: number): Uint8Array {
  return new Uint8Array(paddingFor(size));
}

/** One packet found in a bundle. */
export interface BundleEntry {
  recipient: string;
  sender: string;
  id: string;
  size: number;
  /** The packet bytes; read it fully or leave it (the reader skips what is left). */
  body: ReadableStream<Uint8Array>;
}

/** Something in the stream that was skipped, for the log. */
export interface BundleSkip {
  offset: number;
  reason: string;
}

/** Options for {@linkcode readBundle}. */
export interface ReadBundleOptions {
  /** Entries larger than this are skipped. */
  packetBytesMax: number;
  /** Called for each skipped region or entry. */
  onSkip?: (skip: BundleSkip) => void;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function bodyStream(
  reader: ByteReader,
  size: number,
  state: { left: number },
): ReadableStream<Uint8Array> {
  state.left = size;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (state.left === 0) return controller.close();
      const chunk = await reader.readSome(Math.min(state.left, 1 << 20));
      if (chunk.length === 0) {
        controller.error(
          new TarHeaderError(`bundle ends inside a packet, ${state.left} bytes short`),
        );
        return;
      }
      state.left -= chunk.length;
      controller.enqueue(chunk.slice());
    },
  }, { highWaterMark: 0 });
}

/**
 * Reads every packet entry from a bundle stream, calling `onEntry` for each
 * in order. Garbage, damaged headers and entries that are not packets are
 * skipped (reported through `onSkip`); the stream is read once, in bounded
 * memory.
 */
export async function readBundle(
  stream: ReadableStream<Uint8Array>,
  options: ReadBundleOptions,
  onEntry: (entry: BundleEntry) => Promise<void>,
): Promise<BundleReadStats> {
  const reader = new ByteReader(stream);
  const stats: BundleReadStats = { entries: 0, bytes: 0 };
  const skip = (offset: number, reason: string) => options.onSkip?.({ offset, reason });
  try {
    while (true) {
      const window = await reader.peek(scanWindowBytes);
      if (window.length < PREFIX.length) break;
      const at = indexOf(window, PREFIX);
      if (at < 0) {
        const drop = window.length - (PREFIX.length - 1);
        skip(reader.position, `${drop} bytes that are not a bundle entry`);
        await reader.discard(drop);
        continue;
      }
      if (at > 0) {
        skip(reader.position, `${at} bytes that are not a bundle entry`);
        await reader.discard(at);
      }
      const start = reader.position;
      const headers = await reader.peek(blockBytes * 2);
      if (headers.length < blockBytes * 2) {
        skip(start, "stream ends inside an entry header");
        break;
      }
      let file;
      try {
        const dir = decodeUstar(headers.subarray(0, blockBytes));
        // `NNCP` as nncp-bundle writes it, `NNCP/` as GNU tar and Python's tarfile write it.
        if (dir.type !== "5" || dir.path.replace(/\/+$/, "") !== bundlePrefix) {
          throw new TarHeaderError("expected the NNCP folder entry");
        }
        file = decodeUstar(headers.slice(blockBytes, blockBytes * 2));
      } catch (err) {
        skip(start, (err as Error).message);
        await reader.discard(1);
        continue;
      }
      await reader.discard(blockBytes * 2);
      const parts = file.path.split("/");
      const [prefix, recipient, sender, id] = parts;
      const bad = file.type !== "0"
        ? "entry is not a file"
        : parts.length !== 4 || prefix !== bundlePrefix || !ID_RE.test(recipient ?? "") ||
            !ID_RE.test(sender ?? "") || !ID_RE.test(id ?? "")
        ? `entry name ${JSON.stringify(file.path)} is not NNCP/<recipient>/<sender>/<packet id>`
        : file.size < packetBytesMin
        ? `entry of ${file.size} bytes is too small to be a packet`
        : file.size > options.packetBytesMax
        ? `entry of ${file.size} bytes is over the ${options.packetBytesMax}-byte limit`
        : undefined;
      if (bad) {
        skip(start, bad);
        await reader.discard(file.size + paddingFor(file.size));
        continue;
      }
      stats.entries++;
      const state = { left: 0 };
      const body = bodyStream(reader, file.size, state);
      try {
        await onEntry({ recipient: recipient!, sender: sender!, id: id!, size: file.size, body });
      } finally {
        await body.cancel().catch(() => {});
      }
      await reader.discard(state.left + paddingFor(file.size));
    }
    stats.bytes = reader.position;
  } finally {
    await reader.cancel();
  }
  return stats;
}

/** What {@linkcode readBundle} found in a stream. */
export interface BundleReadStats {
  /** Well-formed packet entries handed to `onEntry`. */
  entries: number;
  /** Bytes read from the stream. */
  bytes: number;
}
