/**
 * A file held by its raw descriptor number, for the one thing Deno's
 * `FsFile` cannot do: be handed to a child process as its standard input.
 * ferry reads a job's header through it and then gives the same
 * descriptor, positioned at the payload, to the command, exactly as fspl
 * does, so the command sees a regular, seekable file. Descriptors are opened
 * close-on-exec, so no other child inherits them.
 *
 * @example
 * ```ts
 * import { RawFile } from "./raw_file.ts";
 * const path = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(path, "hello");
 * const f = RawFile.open(path);
 * f.seek(1);
 * const buf = new Uint8Array(4);
 * console.assert(f.readSync(buf) === 4);
 * f.close();
 * Deno.removeSync(path);
 * ```
 * @module
 */

import {
  cString,
  libc,
  O_CLOEXEC,
  O_CREAT,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  retryEintr,
  SEEK_SET,
  throwErrno,
} from "./_libc.ts";

/** An open file descriptor, read and written through libc. */
export class RawFile {
  #fd: number;
  readonly path: string;

  private constructor(fd: number, path: string) {
    this.#fd = fd;
    this.path = path;
  }

  /** Opens `path` for reading. */
  static open(path: string): RawFile {
    return RawFile.#open(path, O_RDONLY, 0);
  }

  /** Creates `path` (it must not exist) for reading and writing, mode 0600. */
  static createExclusive(path: string): RawFile {
    return RawFile.#open(path, O_RDWR | O_CREAT | O_EXCL, 0o600);
  }

  /** Opens `path` for writing, creating or truncating it (mode 0666 less umask). */
  static createTruncate(path: string): RawFile {
    return RawFile.#open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o666);
  }

  static #open(path: string, flags: number, mode: number): RawFile {
    const name = cString(path);
    const fd = retryEintr(() => libc().open(name, flags | O_CLOEXEC, mode));
    if (fd < 0) throwErrno(-fd, `cannot open ${path}`);
    return new RawFile(fd, path);
  }

  /** The descriptor number (for a child's stdin); -1 once closed. */
  get fd(): number {
    return this.#fd;
  }

  #live(): number {
    if (this.#fd < 0) throw new Error(`${this.path} was used after close`);
    return this.#fd;
  }

  /** Reads into `p`; returns the count, or `null` at end of file. */
  readSync(p: Uint8Array): number | null {
    const fd = this.#live();
    const n = retryEintr(() => libc().read(fd, p, BigInt(p.length)));
    if (n < 0) throwErrno(-n, `cannot read ${this.path}`);
    return n === 0 && p.length > 0 ? null : n;
  }

  /** Writes all of `p`. */
  writeAllSync(p: Uint8Array): void {
    const fd = this.#live();
    let off = 0;
    while (off < p.length) {
      const rest = p.subarray(off);
      const n = retryEintr(() => libc().write(fd, rest, BigInt(rest.length)));
      if (n < 0) throwErrno(-n, `cannot write ${this.path}`);
      off += n;
    }
  }

  /** Moves to absolute offset `offset`. */
  seek(offset: number): void {
    const fd = this.#live();
    const r = retryEintr(() => libc().lseek(fd, BigInt(offset), SEEK_SET));
    if (r < 0) throwErrno(-r, `cannot seek in ${this.path}`);
  }

  /** Closes the descriptor (safe to call twice). */
  close(): void {
    if (this.#fd < 0) return;
    libc().close(this.#fd);
    this.#fd = -1;
  }
}
