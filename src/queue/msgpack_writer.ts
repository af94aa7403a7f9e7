/**
 * A MessagePack writer for exactly the forms fspl's metadata uses: integers
 * in their smallest encoding, array and map headers, short strings, and byte
 * strings written the way `rmp-serde` writes a `Vec<u8>`: an array with one
 * integer per byte.
 *
 * @example
 * ```ts
 * import { MsgpackWriter } from "./msgpack_writer.ts";
 * const w = new MsgpackWriter();
 * w.uint(200n);
 * w.byteString(new Uint8Array([0x41, 0xfe]));
 * console.assert(w.finish().join(",") === "204,200,146,65,204,254");
 * ```
 * @module
 */

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);

/** Builds one MessagePack document in a growing buffer. */
export class MsgpackWriter {
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  #len = 0;

  #room(n: number): number {
    if (this.#len + n > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < this.#len + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    const at = this.#len;
    this.#len += n;
    return at;
  }

  #byte(b: number): void {
    const at = this.#room(1);
    this.#buf[at] = b;
  }

  /** Writes marker `m` and reserves `size` bytes after it; returns their offset. */
  #marker(m: number, size: number): number {
    this.#byte(m);
    return this.#room(size); // the view is read only after this, as #room may replace it
  }

  /** An unsigned integer (0 to 2^64-1) in its smallest encoding. */
  uint(value: bigint): void {
    if (value < 0n || value > U64_MAX) throw new RangeError(`Cannot encode ${value} as u64`);
    if (value < 0x80n) this.#byte(Number(value));
    else if (value <= 0xffn) {
      this.#byte(0xcc);
      this.#byte(Number(value));
    } else if (value <= 0xffffn) {
      const at = this.#marker(0xcd, 2);
      this.#view.setUint16(at, Number(value));
    } else if (value <= 0xffffffffn) {
      const at = this.#marker(0xce, 4);
      this.#view.setUint32(at, Number(value));
    } else {
      const at = this.#marker(0xcf, 8);
      this.#view.setBigUint64(at, value);
    }
  }

  /** A signed integer (-2^63 to 2^63-1): non-negative values as {@linkcode uint}. */
  int(value: bigint): void {
    if (value < I64_MIN || value >= -I64_MIN) throw new RangeError(`Cannot encode ${value} as i64`);
    if (value >= 0n) this.uint(value);
    else if (value >= -32n) this.#byte(0x100 + Number(value));
    else if (value >= -128n) {
      this.#byte(0xd0);
      this.#byte(0x100 + Number(value));
    } else if (value >= -32768n) {
      const at = this.#marker(0xd1, 2);
      this.#view.setInt16(at, Number(value));
    } else if (value >= -2147483648n) {
      const at = this.#marker(0xd2, 4);
      this.#view.setInt32(at, Number(value));
    } else {
      const at = this.#marker(0xd3, 8);
      this.#view.setBigInt64(at, value);
    }
  }

  #header(n: number, fix: number, m16: number, m32: number): void {
    if (n < 16) this.#byte(fix | n);
    else if (n <= 0xffff) {
      const at = this.#marker(m16, 2);
      this.#view.setUint16(at, n);
    } else {
      const at = this.#marker(m32, 4);
      this.#view.setUint32(at, n);
    }
  }

  /** An array header for `n` elements. */
  arrayHeader(n: number): void {
    this.#header(n, 0x90, 0xdc, 0xdd);
  }

  /** A map header for `n` entries. */
  mapHeader(n: number): void {
    this.#header(n, 0x80, 0xde, 0xdf);
  }

  /** A short ASCII string (field and variant names; under 32 bytes). */
  fixstr(text: string): void {
    if (text.length >= 32 || !/^[\x20-\x7e]*$/.test(text)) {
      throw new RangeError(`Cannot encode ${JSON.stringify(text)} as a fixstr`);
    }
    this.#byte(0xa0 | text.length);
    for (let i = 0; i < text.length; i++) this.#byte(text.charCodeAt(i));
  }

  /** A byte string as fspl stores it: an array header, then each byte as an integer. */
  byteString(bytes: Uint8Array): void {
    this.arrayHeader(bytes.length);
    const at = this.#room(bytes.length * 2);
    let out = at;
    for (const b of bytes) {
      if (b >= 0x80) this.#buf[out++] = 0xcc;
      this.#buf[out++] = b;
    }
    this.#len = out;
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}
