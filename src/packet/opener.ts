/**
 * The synchronous core of packet decryption: push the bytes after the
 * 172-byte header in pieces of any size, then `end()`. Each block is
 * authenticated before any of its plaintext is emitted; the whole packet is
 * valid only when `end()` returns (size block seen, payload complete,
 * padding exactly the zeros and BLAKE3 stream it must be, no trailing
 * bytes). Callers must treat emitted plaintext as provisional until then.
 *
 * Full-size blocks are tried with key_full first and then with key_size, as
 * NNCP does; memory is one sealed block whatever the packet size.
 *
 * @example
 * ```ts
 * import { PacketOpener } from "./opener.ts";
 * import { PacketSealer } from "./sealer.ts";
 * import { derivePacketKeys } from "./packet_keys.ts";
 * const keys = derivePacketKeys(new Uint8Array(32), new Uint8Array(108));
 * const plain: number[] = [];
 * const opener = new PacketOpener(keys, { emit: (pt) => plain.push(...pt) });
 * const sealer = new PacketSealer(keys, { emit: (ct) => opener.push(ct) });
 * sealer.push(new Uint8Array([1, 2, 3]));
 * sealer.finish();
 * opener.end();
 * console.assert(plain.join() === "1,2,3");
 * ```
 * @module
 */

import { AEAD_NONCE_BYTES, aeadOpen } from "../crypto/aead.ts";
import { blake3KeyedXof, type Blake3XofReader } from "../crypto/blake3.ts";
import { PacketAuthError, PacketFormatError } from "./errors.ts";
import {
  APPENDED_PROBE_BYTES_MAX,
  BLOCK_BYTES,
  SEALED_BLOCK_BYTES,
  SIZE_BYTES,
  TAG_BYTES,
} from "./limits.ts";
import type { PacketKeys } from "./packet_keys.ts";
import { readU64 } from "./xdr.ts";

/** What a finished packet held. */
export interface OpenedSizes {
  /** Plain packet bytes (plain header included), as the size block says. */
  plainBytes: number;
  /** Padding bytes (IPAD and OPAD), as the size block says. */
  padBytes: number;
  /** Of those, the zeros inside the last encrypted block (IPAD). */
  innerPadBytes: number;
}

/** Options of a {@linkcode PacketOpener}. */
export interface OpenerOptions {
  /**
   * Receives authenticated plaintext in order; provisional until `end()`
   * returns. Chunks are fresh buffers the opener never touches again.
   */
  emit: (plaintext: Uint8Array) => void;
  /** Told about each authenticated block: which key opened it and its plaintext length. */
  onBlock?: (key: "full" | "size", plaintextBytes: number) => void;
}

type Stage = "blocks" | "tail" | "opad" | "done";

/** The decryption state machine for one packet's blocks. */
export class PacketOpener {
  #keys: PacketKeys;
  #emit: (plaintext: Uint8Array) => void;
  #onBlock: ((key: "full" | "size", plaintextBytes: number) => void) | undefined;
  /** A block that arrived in pieces; grows to a sealed block only when one comes in pieces. */
  #buf = new Uint8Array(0);
  #fill = 0;
  #nonce = new Uint8Array(AEAD_NONCE_BYTES);
  #counter = 0;
  #stage: Stage = "blocks";
  #plainBytes = 0;
  #plainTotal = 0;
  #padTotal = 0;
  #opadLeft = 0;
  #ipad = 0;
  #xof: Blake3XofReader | null = null;
  #xofBuf = new Uint8Array(0);

  /** An opener for a packet with these keys. */
  constructor(keys: PacketKeys, options: OpenerOptions) {
    this.#keys = keys;
    this.#emit = options.emit;
    this.#onBlock = options.onBlock;
  }

  /** Plaintext bytes emitted so far. */
  get plainBytes(): number {
    return this.#plainBytes;
  }

  /** Processes the next packet bytes. Throws a {@linkcode PacketError} at the first fault. */
  push(data: Uint8Array): void {
    let pos = 0;
    while (pos < data.length) {
      if (this.#stage === "opad") {
        pos += this.#checkOpad(data.subarray(pos));
        continue;
      }
      if (this.#stage === "done") {
        throw new PacketFormatError(
          "trailing-data",
          `Cannot accept packet: ${data.length - pos} or more bytes follow its end`,
        );
      }
      if (this.#fill === 0 && data.length - pos >= SEALED_BLOCK_BYTES) {
        this.#block(data.subarray(pos, pos + SEALED_BLOCK_BYTES));
        pos += SEALED_BLOCK_BYTES;
        continue;
      }
      const take = Math.min(SEALED_BLOCK_BYTES - this.#fill, data.length - pos);
      if (this.#fill + take > this.#buf.length) this.#grow(this.#fill + take);
      this.#buf.set(data.subarray(pos, pos + take), this.#fill);
      this.#fill += take;
      pos += take;
      if (this.#fill === SEALED_BLOCK_BYTES) this.#block(this.#buf);
    }
  }

  /**
   * Makes the block buffer hold at least `bytes` (at most a sealed block),
   * keeping what it holds: a small packet, read whole, needs a buffer of
   * its own size, not of a block (a toss of thousands stays small).
   */
  #grow(bytes: number): void {
    const length = Math.min(SEALED_BLOCK_BYTES, Math.max(bytes, this.#buf.length * 2));
    const grown = new Uint8Array(length);
    grown.set(this.#buf.subarray(0, this.#fill));
    this.#buf = grown;
  }

  /** Checks that the packet is complete. Returns the sizes from its size block. */
  end(): OpenedSizes {
    if (this.#fill > 0) {
      const last = this.#buf.subarray(0, this.#fill);
      try {
        this.#block(last);
      } catch (err) {
        if (err instanceof PacketAuthError && err.code === "bad-block") {
          throw this.#appendedError(last) ?? err;
        }
        throw err;
      }
    }
    if (this.#stage === "blocks") {
      throw new PacketFormatError(
        "truncated",
        `Cannot accept packet: it ends after block ${this.#counter} without its size block`,
      );
    }
    if (this.#stage === "tail") {
      throw new PacketFormatError(
        "truncated",
        `Cannot accept packet: it ends after ${this.#plainBytes} of ${this.#plainTotal} payload bytes`,
      );
    }
    if (this.#stage === "opad") {
      throw new PacketFormatError(
        "truncated",
        `Cannot accept packet: its padding is ${this.#opadLeft} bytes short`,
      );
    }
    return { plainBytes: this.#plainTotal, padBytes: this.#padTotal, innerPadBytes: this.#ipad };
  }

  #block(sealed: Uint8Array): void {
    const index = this.#counter;
    this.#fill = 0;
    if (sealed.length < TAG_BYTES) {
      throw new PacketFormatError(
        "truncated",
        `Cannot accept packet: block ${index} has ${sealed.length} bytes, less than its tag`,
      );
    }
    if (this.#stage === "blocks") {
      if (sealed.length === SEALED_BLOCK_BYTES) {
        const full = this.#open(this.#keys.full, sealed);
        if (full !== null) {
          this.#onBlock?.("full", full.length);
          this.#plainBytes += full.length;
          this.#emit(full);
          this.#counter++;
          return;
        }
      }
      const sized = this.#open(this.#keys.size, sealed);
      if (sized === null) throw this.#authError(index);
      this.#onBlock?.("size", sized.length);
      this.#counter++;
      this.#sizeBlock(sized, index);
      return;
    }
    const tail = this.#open(this.#keys.full, sealed);
    if (tail === null) throw this.#authError(index);
    this.#onBlock?.("full", tail.length);
    this.#counter++;
    this.#consume(tail);
  }

  #sizeBlock(plaintext: Uint8Array, index: number): void {
    if (plaintext.length < SIZE_BYTES) {
      throw new PacketFormatError(
        "bad-size",
        `Cannot accept packet: size block ${index} holds ${plaintext.length} bytes, less than SIZE`,
      );
    }
    const plainTotal = readU64(plaintext, 0);
    const padTotal = readU64(plaintext, 8);
    if (plainTotal < this.#plainBytes || padTotal < 0) {
      throw new PacketFormatError(
        "bad-size",
        `Cannot accept packet: size block says payload ${plainTotal} and padding ${padTotal} ` +
          `after ${this.#plainBytes} payload bytes were already read`,
      );
    }
    this.#plainTotal = plainTotal;
    this.#padTotal = padTotal;
    this.#stage = "tail";
    this.#consume(plaintext.subarray(SIZE_BYTES));
  }

  #consume(plaintext: Uint8Array): void {
    const left = this.#plainTotal - this.#plainBytes;
    if (left > plaintext.length) {
      this.#plainBytes += plaintext.length;
      this.#emit(plaintext);
      return;
    }
    if (left > 0) this.#emit(plaintext.subarray(0, left));
    this.#plainBytes = this.#plainTotal;
    const ipad = plaintext.subarray(left);
    if (ipad.length > this.#padTotal) {
      throw new PacketAuthError(
        "bad-padding",
        `Cannot accept packet: ${ipad.length} bytes of padding where the size block allows ${this.#padTotal}`,
      );
    }
    if (ipad.some((byte) => byte !== 0)) {
      throw new PacketAuthError(
        "bad-padding",
        "Cannot accept packet: its inner padding is not zeros",
      );
    }
    this.#ipad = ipad.length;
    this.#opadLeft = this.#padTotal - ipad.length;
    this.#stage = this.#opadLeft > 0 ? "opad" : "done";
  }

  #checkOpad(data: Uint8Array): number {
    const n = Math.min(data.length, this.#opadLeft);
    if (this.#xof === null) {
      this.#xof = blake3KeyedXof(this.#keys.pad);
      this.#xofBuf = new Uint8Array(Math.min(BLOCK_BYTES, this.#opadLeft));
    }
    for (let done = 0; done < n;) {
      const step = Math.min(n - done, this.#xofBuf.length);
      const expected = this.#xof.read(this.#xofBuf.subarray(0, step));
      for (let i = 0; i < step; i++) {
        if (data[done + i] !== expected[i]) {
          throw new PacketAuthError(
            "bad-padding",
            "Cannot accept packet: its outer padding is not the BLAKE3 stream it must be",
          );
        }
      }
      done += step;
    }
    this.#opadLeft -= n;
    if (this.#opadLeft === 0) this.#stage = "done";
    return n;
  }

  #open(key: Uint8Array, sealed: Uint8Array): Uint8Array | null {
    const view = new DataView(this.#nonce.buffer);
    view.setUint32(4, Math.floor(this.#counter / 2 ** 32));
    view.setUint32(8, this.#counter >>> 0);
    const cut = sealed.length - TAG_BYTES;
    return aeadOpen(key, this.#nonce, this.#keys.ad, sealed.subarray(0, cut), sealed.subarray(cut));
  }

  /**
   * The last block failed: if it authenticates once a few bytes are cut off
   * its end, the packet is genuine and bytes were appended to it. Returns
   * that error, or null when the block is damaged after all.
   */
  #appendedError(last: Uint8Array): PacketFormatError | null {
    const key = this.#stage === "blocks" ? this.#keys.size : this.#keys.full;
    const cutMax = Math.min(APPENDED_PROBE_BYTES_MAX, last.length - TAG_BYTES);
    for (let cut = 1; cut <= cutMax; cut++) {
      if (this.#open(key, last.subarray(0, last.length - cut)) === null) continue;
      return new PacketFormatError(
        "trailing-data",
        `Cannot accept packet: it is ${cut} bytes longer than its blocks allow ` +
          `(bytes were appended after its end; the packet itself is intact)`,
      );
    }
    return null;
  }

  #authError(index: number): PacketAuthError {
    return new PacketAuthError(
      "bad-block",
      `Cannot accept packet: block ${index} fails authentication (damaged, or not encrypted for this key)`,
    );
  }
}
