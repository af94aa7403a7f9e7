/**
 * The synchronous core of packet encryption: push the plain packet (header
 * then payload) in pieces of any size, then `finish()`. Output goes to the
 * `emit` callback as it is produced; nothing grows with the payload (one
 * 128 KiB block buffer). The encrypted stream is:
 *
 * - full 128 KiB plaintext blocks sealed with key_full as soon as they fill;
 * - then SIZE{u64 payload, u64 pad} followed by the remainder (< 128 KiB),
 *   sealed with key_size; if SIZE plus the remainder exceeds 128 KiB, the
 *   size block is a full block and the leftover bytes go into one more
 *   key_full block;
 * - zero IPAD fills the last block up to 128 KiB at most;
 * - the rest of the padding (OPAD) is raw keyed BLAKE3 XOF output.
 *
 * The nonce is a 96-bit big-endian block counter shared by all blocks.
 *
 * @example
 * ```ts
 * import { PacketSealer } from "./sealer.ts";
 * import { derivePacketKeys } from "./packet_keys.ts";
 * const out: Uint8Array[] = [];
 * const sealer = new PacketSealer(derivePacketKeys(new Uint8Array(32), new Uint8Array(108)), {
 *   emit: (chunk) => out.push(chunk.slice()),
 * });
 * sealer.push(new Uint8Array(300));
 * sealer.finish();
 * console.assert(out.reduce((n, c) => n + c.length, 0) === 300 + 16 + 16);
 * ```
 * @module
 */

import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, aeadSealInto } from "../crypto/aead.ts";
import { blake3KeyedXof } from "../crypto/blake3.ts";
import { PacketFormatError } from "./errors.ts";
import { BLOCK_BYTES, PAYLOAD_BYTES_MAX, SIZE_BYTES } from "./limits.ts";
import type { PacketKeys } from "./packet_keys.ts";
import { padBytesFor } from "./padding.ts";
import { writeU64 } from "./xdr.ts";

/** Options of a {@linkcode PacketSealer}. */
export interface SealerOptions {
  /** Receives output bytes in order. The chunk may be reused after the call returns: copy it to keep it. */
  emit: (chunk: Uint8Array) => void;
  /** Pad so that the outermost packet reaches this many bytes (NNCP's `-minsize`). Default 0. */
  minSize?: number;
  /** Encryption layers around this plain packet, this one included (for padding). Default 1. */
  wrappers?: number;
  /** Refuse plain packets longer than this. Default: no limit. */
  plainBytesMax?: number;
}

/** The encryption state machine for one packet's blocks (header not included). */
export class PacketSealer {
  #keys: PacketKeys;
  #emit: (chunk: Uint8Array) => void;
  #minSize: number;
  #wrappers: number;
  #plainBytesMax: number;
  #block = new Uint8Array(BLOCK_BYTES);
  #fill = 0;
  #nonce = new Uint8Array(AEAD_NONCE_BYTES);
  /** Each sealed block in turn (emitted chunks may be reused); grows to the largest block. */
  #sealed = new Uint8Array(0);
  #counter = 0;
  #plainBytes = 0;
  #finished = false;

  /** A sealer for a packet with these keys. */
  constructor(keys: PacketKeys, options: SealerOptions) {
    this.#keys = keys;
    this.#emit = options.emit;
    this.#minSize = options.minSize ?? 0;
    this.#wrappers = options.wrappers ?? 1;
    this.#plainBytesMax = options.plainBytesMax ?? PAYLOAD_BYTES_MAX;
  }

  /** Plain packet bytes pushed so far. */
  get plainBytes(): number {
    return this.#plainBytes;
  }

  /** Bytes waiting for their block to fill: pushing a multiple of 128 KiB minus this avoids copies. */
  get pendingBytes(): number {
    return this.#fill;
  }

  /** Encrypts the next plain packet bytes. */
  push(data: Uint8Array): void {
    if (this.#finished) throw new Error("PacketSealer.push called after finish");
    if (this.#plainBytes + data.length > this.#plainBytesMax) {
      throw new PacketFormatError(
        "too-big",
        `Cannot encrypt packet: it exceeds the limit of ${this.#plainBytesMax} bytes`,
      );
    }
    this.#plainBytes += data.length;
    let pos = 0;
    if (this.#fill === 0) {
      while (data.length - pos >= BLOCK_BYTES) {
        this.#seal(this.#keys.full, data.subarray(pos, pos + BLOCK_BYTES));
        pos += BLOCK_BYTES;
      }
    }
    while (pos < data.length) {
      const take = Math.min(BLOCK_BYTES - this.#fill, data.length - pos);
      this.#block.set(data.subarray(pos, pos + take), this.#fill);
      this.#fill += take;
      pos += take;
      if (this.#fill === BLOCK_BYTES) {
        this.#seal(this.#keys.full, this.#block);
        this.#fill = 0;
      }
    }
  }

  /** Seals the size block, the padding and the rest. Returns the padding length. */
  finish(): number {
    if (this.#finished) throw new Error("PacketSealer.finish called twice");
    this.#finished = true;
    const pad = padBytesFor(this.#plainBytes, this.#minSize, this.#wrappers);
    const size = new Uint8Array(SIZE_BYTES);
    writeU64(size, 0, this.#plainBytes);
    writeU64(size, 8, pad);
    let last = new Uint8Array(BLOCK_BYTES);
    let lastKey = this.#keys.size;
    let lastFill: number;
    if (this.#fill + SIZE_BYTES > BLOCK_BYTES) {
      const split = BLOCK_BYTES - SIZE_BYTES;
      last.set(size, 0);
      last.set(this.#block.subarray(0, split), SIZE_BYTES);
      this.#seal(this.#keys.size, last);
      last = new Uint8Array(BLOCK_BYTES);
      last.set(this.#block.subarray(split, this.#fill), 0);
      lastFill = this.#fill - split;
      lastKey = this.#keys.full;
    } else {
      last.set(size, 0);
      last.set(this.#block.subarray(0, this.#fill), SIZE_BYTES);
      lastFill = this.#fill + SIZE_BYTES;
    }
    const ipad = Math.min(pad, BLOCK_BYTES - lastFill);
    this.#seal(lastKey, last.subarray(0, lastFill + ipad));
    this.#emitOpad(pad - ipad);
    return pad;
  }

  #seal(key: Uint8Array, plaintext: Uint8Array): void {
    new DataView(this.#nonce.buffer).setUint32(4, Math.floor(this.#counter / 2 ** 32));
    new DataView(this.#nonce.buffer).setUint32(8, this.#counter >>> 0);
    this.#counter++;
    const bytes = plaintext.length + AEAD_TAG_BYTES;
    if (this.#sealed.length < bytes) this.#sealed = new Uint8Array(bytes);
    const sealed = this.#sealed.subarray(0, bytes);
    aeadSealInto(key, this.#nonce, this.#keys.ad, plaintext, sealed);
    this.#emit(sealed);
  }

  #emitOpad(bytes: number): void {
    if (bytes === 0) return;
    const xof = blake3KeyedXof(this.#keys.pad);
    const chunk = new Uint8Array(Math.min(bytes, BLOCK_BYTES));
    for (let left = bytes; left > 0;) {
      const n = Math.min(left, chunk.length);
      this.#emit(xof.read(chunk.subarray(0, n)));
      left -= n;
    }
  }
}
