/**
 * A small, bounds-checked MessagePack reader for the subset Filespooler's
 * metadata uses. It reads values one at a time, so decoding a job's
 * metadata allocates nothing per byte-string element, and it can skip any
 * value (unknown map keys are ignored, as fspl does).
 *
 * Every failure throws {@linkcode MsgpackError} with a message saying what
 * was expected and what was found.
 *
 * @example
 * ```ts
 * import { MsgpackReader } from "./msgpack_reader.ts";
 * const r = new MsgpackReader(new Uint8Array([0x92, 0x07, 0xcc, 0xc8]));
 * console.assert(r.readArrayHeader("pair") === 2);
 * console.assert(r.readInt("a") === 7n && r.readInt("b") === 200n);
 * ```
 * @module
 */

/** The MessagePack data could not be read as the expected shape. */
export class MsgpackError extends SyntaxError {
  override name = "MsgpackError";
}

/** Kinds of MessagePack values, as {@linkcode MsgpackReader.peekKind} reports them. */
export type MsgpackKind =
  | "int"
  | "nil"
  | "bool"
  | "float"
  | "str"
  | "bin"
  | "array"
  | "map"
  | "ext";

/** Reads MessagePack values from a byte array, front to back. */
export class MsgpackReader {
  #bytes: Uint8Array;
  #view: DataView;
  /** Offset of the next unread byte. */
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #need(n: number): void {
    if (this.pos + n > this.#bytes.length) {
      throw new MsgpackError(
        `metadata ends early: needed ${n} more byte(s) at offset ${this.pos} of ${this.#bytes.length}`,
      );
    }
  }

  /** The kind of the next value, without consuming it. */
  peekKind(): MsgpackKind {
    this.#need(1);
    const m = this.#bytes[this.pos]!;
    if (m <= 0x7f || m >= 0xe0 || (m >= 0xcc && m <= 0xd3)) return "int";
    if (m <= 0x8f || m === 0xde || m === 0xdf) return "map";
    if (m <= 0x9f || m === 0xdc || m === 0xdd) return "array";
    if (m <= 0xbf || (m >= 0xd9 && m <= 0xdb)) return "str";
    if (m === 0xc0) return "nil";
    if (m === 0xc2 || m === 0xc3) return "bool";
    if (m >= 0xc4 && m <= 0xc6) return "bin";
    if (m === 0xca || m === 0xcb) return "float";
    return "ext"; // 0xc1 (never used) is reported as ext and fails on read.
  }

  #fail(expected: string, what: string): never {
    const kind = this.peekKind();
    throw new MsgpackError(`${what}: expected ${expected}, found ${kind} at offset ${this.pos}`);
  }

  /** Consumes `n` bytes after the one-byte marker and returns the offset of the first. */
  #take(n: number): number {
    this.#need(1 + n);
    const at = this.pos + 1;
    this.pos += 1 + n;
    return at;
  }

  /** Reads an integer of any width and signedness. */
  readInt(what: string): bigint {
    this.#need(1);
    const m = this.#bytes[this.pos]!;
    const v = this.#view;
    if (m <= 0x7f || m >= 0xe0) {
      this.pos += 1;
      return BigInt(m <= 0x7f ? m : m - 0x100);
    }
    switch (m) {
      case 0xcc:
        return BigInt(v.getUint8(this.#take(1)));
      case 0xcd:
        return BigInt(v.getUint16(this.#take(2)));
      case 0xce:
        return BigInt(v.getUint32(this.#take(4)));
      case 0xcf:
        return v.getBigUint64(this.#take(8));
      case 0xd0:
        return BigInt(v.getInt8(this.#take(1)));
      case 0xd1:
        return BigInt(v.getInt16(this.#take(2)));
      case 0xd2:
        return BigInt(v.getInt32(this.#take(4)));
      case 0xd3:
        return v.getBigInt64(this.#take(8));
    }
    return this.#fail("an integer", what);
  }

  /** Reads an array header and returns the element count. */
  readArrayHeader(what: string): number {
    this.#need(1);
    const m = this.#bytes[this.pos]!;
    if (m >= 0x90 && m <= 0x9f) {
      this.pos += 1;
      return m & 0x0f;
    }
    if (m === 0xdc) return this.#view.getUint16(this.#take(2));
    if (m === 0xdd) return this.#view.getUint32(this.#take(4));
    return this.#fail("an array", what);
  }

  /** Reads a map header and returns the entry count. */
  readMapHeader(what: string): number {
    this.#need(1);
    const m = this.#bytes[this.pos]!;
    if (m >= 0x80 && m <= 0x8f) {
      this.pos += 1;
      return m & 0x0f;
    }
    if (m === 0xde) return this.#view.getUint16(this.#take(2));
    if (m === 0xdf) return this.#view.getUint32(this.#take(4));
    return this.#fail("a map", what);
  }

  /** Reads a `str` or `bin` value and returns its bytes (a view, not a copy). */
  readStrOrBin(what: string): Uint8Array {
    this.#need(1);
    const m = this.#bytes[this.pos]!;
    let len: number;
    if (m >= 0xa0 && m <= 0xbf) {
      this.pos += 1;
      len = m & 0x1f;
    } else if (m === 0xd9 || m === 0xc4) len = this.#view.getUint8(this.#take(1));
    else if (m === 0xda || m === 0xc5) len = this.#view.getUint16(this.#take(2));
    else if (m === 0xdb || m === 0xc6) len = this.#view.getUint32(this.#take(4));
    else return this.#fail("a string", what);
    this.#need(len);
    this.pos += len;
    return this.#bytes.subarray(this.pos - len, this.pos);
  }

  /** Skips one complete value (including everything nested in it). */
  skip(): void {
    let pending = 1;
    while (pending > 0) {
      pending--;
      const kind = this.peekKind();
      if (kind === "array") pending += this.readArrayHeader("skipped value");
      else if (kind === "map") pending += 2 * this.readMapHeader("skipped value");
      else if (kind === "int") this.readInt("skipped value");
      else if (kind === "str" || kind === "bin") this.readStrOrBin("skipped value");
      else this.#skipScalar();
    }
  }

  /** Skips nil, booleans, floats and extension values. */
  #skipScalar(): void {
    const m = this.#bytes[this.pos]!;
    const fixedData: Record<number, number> = {
      0xc0: 0,
      0xc2: 0,
      0xc3: 0,
      0xca: 4,
      0xcb: 8,
      0xd4: 2,
      0xd5: 3,
      0xd6: 5,
      0xd7: 9,
      0xd8: 17, // fixext: type byte + data
    };
    let len = fixedData[m];
    if (len !== undefined) {
      this.#take(len);
      return;
    }
    if (m === 0xc7) len = this.#view.getUint8(this.#take(1)) + 1;
    else if (m === 0xc8) len = this.#view.getUint16(this.#take(2)) + 1;
    else if (m === 0xc9) len = this.#view.getUint32(this.#take(4)) + 1;
    else {throw new MsgpackError(
        `invalid MessagePack marker 0x${m.toString(16)} at offset ${this.pos}`,
      );}
    this.#need(len);
    this.pos += len;
  }
}
