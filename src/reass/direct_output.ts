/**
 * The reassembled file written around the page cache (`O_DIRECT`), through
 * libc (Deno FFI, glibc, Linux; needs `--allow-ffi`).
 *
 * A reassembled file is written once, fsynced, and not read back by ferry.
 * Written the ordinary way, every byte is first copied into a fresh page
 * of the page cache (the kernel allocates and fills a gigabyte of pages for
 * a gigabyte file, which on a virtual machine whose free memory went back
 * to the host costs seconds of system time) and then written back to the
 * disk by the fsync at the end. With `O_DIRECT` the disk takes the bytes
 * straight from ferry's buffer: no page cache, no work left for the fsync,
 * and the write runs on a pool thread (`nonblocking`) while this thread
 * reads and hashes the next piece.
 *
 * The kernel takes direct writes only from a buffer, at a file offset and
 * of a length that are multiples of the file system's direct-I/O alignment
 * (`statx` `STATX_DIOALIGN`; 4096 where the kernel does not say).
 * {@linkcode DirectOutput.fits} tells whether a piece qualifies; the caller
 * writes any other piece (the tail of a file of odd size) the ordinary way,
 * on another descriptor of the same file: the fsync at the end covers both.
 *
 * {@linkcode DirectOutput.create} answers `null` wherever this cannot work
 * (no FFI permission, no glibc, a file system without `O_DIRECT` such as
 * tmpfs on older kernels), and callers write the ordinary way.
 *
 * @example
 * ```ts
 * import { DirectOutput } from "./direct_output.ts";
 * const dir = await Deno.makeTempDir();
 * const out = DirectOutput.create(`${dir}/file`, 0o644);
 * const page = new Uint8Array(new WebAssembly.Memory({ initial: 1, maximum: 1 }).buffer);
 * if (out !== null && out.fits(page, 0)) await out.write(page, 0);
 * await out?.sync();
 * out?.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */

import { errnoText, lastErrno, LIBC_ERRNO_SYMBOLS } from "../fsutil/libc_errno.ts";

const SYMBOLS = {
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  pwrite: { parameters: ["i32", "buffer", "usize", "i64"], result: "isize" },
  pwriteAsync: {
    name: "pwrite",
    parameters: ["i32", "buffer", "usize", "i64"],
    result: "isize",
    nonblocking: true,
  },
  fsync: { parameters: ["i32"], result: "i32" },
  fsyncAsync: { name: "fsync", parameters: ["i32"], result: "i32", nonblocking: true },
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  ...LIBC_ERRNO_SYMBOLS,
} as const;
type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** `open(2)` flags (x86_64 and aarch64 Linux). */
const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_CLOEXEC = 0o2000000;
const O_DIRECT_X86 = 0o40000;
const O_DIRECT_ARM64 = 0o200000;
const STATX_DIOALIGN = 0x2000;
/** `struct statx`: its size, and where `stx_dio_mem_align` and `stx_dio_offset_align` are. */
const STATX_BYTES = 256;
const STATX_DIO_MEM_ALIGN_AT = 0x98;
const STATX_DIO_OFFSET_ALIGN_AT = 0x9c;
const EINTR = 4;
const EINVAL = 22;
/** Direct-I/O alignment assumed where the kernel does not report it. */
export const directAlignDefault = 4096;
/** Largest alignment believed (anything bigger is a misread `statx`): direct I/O is not used. */
const directAlignMax = 64 * 1024;

let lib: Deno.DynamicLibrary<typeof SYMBOLS> | null | undefined;

/** libc, or null where it cannot be opened (no FFI permission, not glibc). */
function libc(): Libc | null {
  if (lib === undefined) {
    try {
      lib = Deno.build.os === "linux" &&
          Deno.permissions.querySync({ name: "ffi" }).state === "granted"
        ? Deno.dlopen("libc.so.6", SYMBOLS)
        : null;
    } catch {
      lib = null;
    }
  }
  return lib?.symbols ?? null;
}

function cString(s: string): Uint8Array {
  return new TextEncoder().encode(`${s}\0`);
}

/**
 * The direct-I/O alignments of the file open on `fd` (`statx`): of buffers
 * in memory and of file offsets, each the default where the kernel does
 * not say; 0 when the file system takes no direct I/O.
 */
function directAlign(c: Libc, fd: number): { memory: number; offset: number } {
  const buf = new Uint8Array(STATX_BYTES);
  const unknown = { memory: directAlignDefault, offset: directAlignDefault };
  const AT_EMPTY_PATH = 0x1000;
  if (c.statx(fd, cString(""), AT_EMPTY_PATH, STATX_DIOALIGN, buf) !== 0) return unknown;
  const view = new DataView(buf.buffer);
  if ((view.getUint32(0, true) & STATX_DIOALIGN) === 0) return unknown;
  return {
    memory: view.getUint32(STATX_DIO_MEM_ALIGN_AT, true),
    offset: view.getUint32(STATX_DIO_OFFSET_ALIGN_AT, true),
  };
}

function goodAlign(a: number): boolean {
  return a > 0 && a <= directAlignMax && (a & (a - 1)) === 0;
}

/** A direct write the file system refused (`EINVAL`): write that piece and the rest the ordinary way. */
export class DirectWriteRefused extends Error {
  override name = "DirectWriteRefused";
}

/** A new file written with `O_DIRECT` (see the module doc). */
export class DirectOutput {
  readonly path: string;
  /** Addresses of the buffers of direct writes are multiples of this. */
  readonly memoryAlignment: number;
  /**
   * Offsets and lengths of direct writes are multiples of this: the file
   * system's, and at least {@linkcode directAlignDefault} (a page), so a
   * page is written either directly or the ordinary way, never both.
   */
  readonly alignment: number;
  #c: Libc;
  #fd: number;

  private constructor(c: Libc, fd: number, path: string, memory: number, offset: number) {
    this.#c = c;
    this.#fd = fd;
    this.path = path;
    this.memoryAlignment = memory;
    this.alignment = offset;
  }

  /**
   * Creates `path` (it must not exist) for direct writes, or answers `null`
   * when direct writes are not possible here (nothing is created then).
   * @throws {Deno.errors.AlreadyExists} when `path` exists; other errors name the file.
   */
  static create(path: string, mode: number): DirectOutput | null {
    const c = libc();
    if (c === null) return null;
    const direct = Deno.build.arch === "aarch64" ? O_DIRECT_ARM64 : O_DIRECT_X86;
    const flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | direct;
    let fd: number;
    for (;;) {
      fd = c.open(cString(path), flags, mode);
      if (fd >= 0) break;
      const code = lastErrno(c);
      if (code === EINTR) continue;
      if (code === EINVAL) {
        // This file system takes no O_DIRECT; the file may have been made before the refusal
        // (O_EXCL: if it is there, it is this call's).
        try {
          Deno.removeSync(path);
        } catch { /* it was not */ }
        return null;
      }
      const message = `${errnoText(c, code)} (os error ${code}): ${path}`;
      if (code === 17) throw new Deno.errors.AlreadyExists(message);
      if (code === 2) throw new Deno.errors.NotFound(message);
      throw new Error(message);
    }
    const align = directAlign(c, fd);
    if (!goodAlign(align.memory) || !goodAlign(align.offset)) {
      c.close(fd);
      Deno.removeSync(path);
      return null;
    }
    return new DirectOutput(c, fd, path, align.memory, Math.max(align.offset, directAlignDefault));
  }

  /** True when `data` can be written directly at `offset` (buffer, offset and length aligned). */
  fits(data: Uint8Array, offset: number): boolean {
    if (data.length === 0) return false;
    const a = this.alignment;
    if (offset % a !== 0 || data.length % a !== 0) return false;
    const address = Deno.UnsafePointer.value(
      Deno.UnsafePointer.of(data as Uint8Array<ArrayBuffer>),
    );
    return Number(BigInt(address) % BigInt(this.memoryAlignment)) === 0;
  }

  /**
   * Writes all of `data` at `offset` on a pool thread; `data` must not change
   * until the promise settles. Call only when {@linkcode DirectOutput.fits}.
   * @throws {DirectWriteRefused} when the file system refuses it (`EINVAL`),
   * other errors name the file (`ENOSPC`, `EIO`, ...).
   */
  async write(data: Uint8Array, offset: number): Promise<void> {
    const buf = data as Uint8Array<ArrayBuffer>;
    let done = 0;
    while (done < buf.length) {
      const piece = buf.subarray(done);
      let n = Number(
        await this.#c.pwriteAsync(this.#fd, piece, BigInt(piece.length), BigInt(offset + done)),
      );
      // errno lives on the pool thread: the same write again here tells it.
      if (n < 0) {
        n = this.#retry(() =>
          Number(this.#c.pwrite(this.#fd, piece, BigInt(piece.length), BigInt(offset + done)))
        );
      }
      if (n === 0) throw new Error(`Cannot write ${this.path}: the disk took no bytes`);
      done += n;
    }
  }

  /** Contents and metadata to disk (covers writes made on other descriptors too). */
  async sync(): Promise<void> {
    if (await this.#c.fsyncAsync(this.#fd) === 0) return;
    // A failed fsync is final: after a writeback error Linux reports it once, and a second
    // fsync may well succeed. The one here only reads the errno on this thread.
    const again = this.#c.fsync(this.#fd);
    const code = again < 0 ? lastErrno(this.#c) : 0;
    throw new Error(
      `Cannot sync ${this.path}: ` +
        (code ? `${errnoText(this.#c, code)} (os error ${code})` : "the disk reported a failure"),
    );
  }

  /** Closes the descriptor (the file stays). Safe to call twice. */
  close(): void {
    if (this.#fd < 0) return;
    this.#c.close(this.#fd);
    this.#fd = -1;
  }

  /** Runs a call on this thread until it is not interrupted; throws with its errno. */
  #retry(call: () => number): number {
    for (;;) {
      const n = call();
      if (n >= 0) return n;
      const code = lastErrno(this.#c);
      if (code === EINTR) continue;
      if (code === EINVAL) {
        throw new DirectWriteRefused(`${this.path}: the file system refused a direct write`);
      }
      throw new Error(`Cannot write ${this.path}: ${errnoText(this.#c, code)} (os error ${code})`);
    }
  }
}
