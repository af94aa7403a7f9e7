/**
 * Framing for byte-stream links (a plain cable, a transparent UART radio):
 * each frame is sent as COBS(frame ‖ CRC-32) followed by a 0x00 delimiter.
 *
 * Overhead per frame of up to 250 bytes: 4 (CRC-32) + 1 (COBS code) + 1
 * (delimiter) = 6 bytes. The deframer resynchronises at the next
 * delimiter after garbage, and when garbage and a frame share a segment
 * (garbage arrived between two frames) it still finds the frame at the end
 * of the segment: only chain starts of the COBS codes that land exactly on
 * the delimiter are tried, each must pass the CRC-32.
 *
 * @example
 * ```ts
 * import { CobsDeframer, encodeCobsFrame } from "./cobs_link.ts";
 * const wire = encodeCobsFrame(new Uint8Array([1, 0, 2]));
 * const got: Uint8Array[] = [];
 * new CobsDeframer(255).push(wire, (f) => got.push(f));
 * console.assert(got[0]?.join() === "1,0,2");
 * ```
 * @module
 */

import type { ByteLink } from "../../hw/link/link.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import type { CheckedLink } from "./checked_link.ts";
import { cobsChainStarts, cobsDecode, cobsEncode } from "./cobs.ts";
import { appendCrc32, stripCrc32 } from "../encoding/crc32.ts";

/** Default largest encoded frame on the wire, delimiter included (one LoRa-sized packet). */
export const encodedFrameBytesMaxDefault = 255;
/** Decoded frames waiting for `receive` before the oldest is dropped. */
export const receivedFramesQueuedMax = 256;
const minEncodedBytes = 6; // 1 body byte + 4 CRC bytes + 1 COBS code

/** Encodes one frame for the wire: COBS(frame ‖ CRC-32) ‖ 0x00. */
export function encodeCobsFrame(frame: Uint8Array): Uint8Array {
  const coded = cobsEncode(appendCrc32(frame));
  const out = new Uint8Array(coded.length + 1);
  out.set(coded);
  return out;
}

/** The largest frame whose encoding (delimiter included) fits in `encodedBytesMax`. */
export function cobsMtu(encodedBytesMax: number): number {
  let mtu = encodedBytesMax;
  while (mtu > 0 && cobsWireBytes(mtu) > encodedBytesMax) mtu--;
  return mtu;
}

/** The largest wire size of a frame of `frameBytes` bytes. */
export function cobsWireBytes(frameBytes: number): number {
  const inner = frameBytes + 4;
  return inner + Math.floor(inner / 254) + 1 + 1;
}

/** Splits a byte stream into checked frames. Memory is bounded by `encodedBytesMax`. */
export class CobsDeframer {
  /** Frames accepted (check passed). */
  accepted = 0;
  /** Non-empty segments in which no valid frame was found. */
  rejected = 0;
  readonly #buffer: Uint8Array;
  #length = 0;

  /** `encodedBytesMax`: the longest encoded frame to look for, delimiter included. */
  constructor(readonly encodedBytesMax: number) {
    this.#buffer = new Uint8Array(encodedBytesMax);
  }

  /** Feeds bytes; calls `out` with every frame body (CRC removed) that passed its check. */
  push(chunk: Uint8Array, out: (frame: Uint8Array) => void): void {
    let pos = 0;
    while (pos < chunk.length) {
      const zero = chunk.indexOf(0, pos);
      if (zero < 0) {
        this.#append(chunk.subarray(pos));
        return;
      }
      this.#append(chunk.subarray(pos, zero));
      this.#finish(out);
      pos = zero + 1;
    }
  }

  #append(part: Uint8Array): void {
    const max = this.#buffer.length;
    if (part.length >= max) {
      this.#buffer.set(part.subarray(part.length - max));
      this.#length = max;
    } else if (this.#length + part.length <= max) {
      this.#buffer.set(part, this.#length);
      this.#length += part.length;
    } else {
      const keep = max - part.length;
      this.#buffer.copyWithin(0, this.#length - keep, this.#length);
      this.#buffer.set(part, keep);
      this.#length = max;
    }
  }

  #finish(out: (frame: Uint8Array) => void): void {
    const end = this.#length;
    this.#length = 0;
    if (end === 0) return;
    const segment = this.#buffer;
    if (end >= minEncodedBytes) {
      for (const start of cobsChainStarts(segment, end)) {
        if (end - start < minEncodedBytes) break;
        const decoded = cobsDecode(segment, start, end);
        const body = decoded && stripCrc32(decoded);
        if (body) {
          this.accepted++;
          out(body.slice());
          return;
        }
      }
    }
    this.rejected++;
  }
}

/** Options of {@linkcode cobsFrameLink}. */
export interface CobsLinkOptions {
  /** Largest encoded frame on the wire, delimiter included. Default 255. */
  encodedBytesMax?: number;
  log?: Logger;
}

/** A checked frame link over a byte stream, framed with COBS, CRC-32 and 0x00 delimiters. */
export function cobsFrameLink(bytes: ByteLink, options: CobsLinkOptions = {}): CheckedLink {
  const encodedBytesMax = options.encodedBytesMax ?? encodedFrameBytesMaxDefault;
  const log = options.log ?? silentLogger;
  const mtu = cobsMtu(encodedBytesMax);
  if (mtu < 1) {
    throw new RangeError(`encodedBytesMax ${encodedBytesMax} leaves no room for a frame`);
  }
  const deframer = new CobsDeframer(encodedBytesMax);
  const queue: Uint8Array[] = [];
  let pending: Promise<Uint8Array | null> | null = null;
  let ended = false;
  const collect = (frame: Uint8Array) => {
    if (queue.length >= receivedFramesQueuedMax) queue.shift();
    queue.push(frame);
  };
  return {
    mtu,
    overheadBytes: cobsWireBytes(mtu) - mtu,
    get droppedFrames() {
      return deframer.rejected;
    },
    send(frame: Uint8Array, signal?: AbortSignal): Promise<void> {
      if (frame.length > mtu) {
        return Promise.reject(
          new RangeError(`Frame of ${frame.length} bytes exceeds the mtu of ${mtu}`),
        );
      }
      return bytes.write(encodeCobsFrame(frame), signal);
    },
    async receive(signal?: AbortSignal): Promise<Uint8Array | null> {
      for (;;) {
        const next = queue.shift();
        if (next) return next;
        if (ended) return null;
        if (!pending) {
          pending = bytes.read();
          pending.catch(() => {}); // observed below; an abandoned read must not go unhandled
        }
        let chunk: Uint8Array | null;
        try {
          chunk = await raceAbort(pending, signal);
        } catch (err) {
          if (!signal?.aborted) pending = null;
          throw err;
        }
        pending = null;
        if (chunk === null) {
          ended = true;
          return null;
        }
        const before = deframer.rejected;
        deframer.push(chunk, collect);
        if (deframer.rejected > before) {
          log.info("link-frame-bad-check", { segments: deframer.rejected - before });
        }
      }
    },
    close: () => bytes.close(),
  };
}

function raceAbort<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then((v) => {
      signal.removeEventListener("abort", onAbort);
      resolve(v);
    }, (e) => {
      signal.removeEventListener("abort", onAbort);
      reject(e);
    });
  });
}
