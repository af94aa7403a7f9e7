/**
 * Making the next read of a file come from its device, not from memory.
 *
 * Right after a file is written, Linux keeps its pages in the page cache and
 * serves reads from there: reading back a fresh copy proves nothing about
 * the stick under it (a counterfeit stick that wraps around, a failing one
 * that drops writes, both read back "fine"). {@linkcode dropCachedPages}
 * asks the kernel to forget the file's clean pages
 * (`posix_fadvise(POSIX_FADV_DONTNEED)`, after an fsync they are all clean),
 * then counts with `mincore` how many are still resident, so it never claims
 * a drop that did not happen. Where there is nothing to drop to (tmpfs and
 * ramfs live in memory; a FUSE program may answer from its own cache) it
 * says so instead.
 *
 * libc is opened for each call and closed again (through Deno FFI, glibc,
 * Linux; needs `--allow-ffi`): a call costs one `dlopen` of a library that
 * is already loaded, and nothing stays open between exports.
 *
 * Memory: one `mincore` vector of at most {@linkcode residentWindowBytes} /
 * page size bytes (16 KiB with 4 KiB pages); the file is mapped window by
 * window, never read.
 *
 * @example
 * ```ts
 * import { dropCachedPages } from "./page_cache.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array(100_000));
 * const file = await Deno.open(path, { write: true });
 * await file.sync();
 * file.close();
 * const drop = dropCachedPages(path);
 * console.assert(drop.dropped || drop.reason.length > 0);
 * await Deno.remove(path);
 * ```
 * @module
 */

import { errnoText, lastErrno, LIBC_ERRNO_SYMBOLS } from "./libc_errno.ts";

const SYMBOLS = {
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  posix_fadvise: { parameters: ["i32", "i64", "i64", "i32"], result: "i32" },
  fstatfs: { parameters: ["i32", "buffer"], result: "i32" },
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  mincore: { parameters: ["pointer", "usize", "buffer"], result: "i32" },
  sysconf: { parameters: ["i32"], result: "i64" },
  ...LIBC_ERRNO_SYMBOLS,
} as const;
type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;

/** `posix_fadvise` advice: the pages will not be needed (clean ones are dropped). */
const POSIX_FADV_DONTNEED = 4;
const PROT_READ = 1;
const MAP_SHARED = 1;
const SC_PAGESIZE = 30;
/** `statfs.f_type` of file systems whose files live only in memory, or behind a program. */
const MEMORY_FS: Record<number, string> = {
  0x01021994: "tmpfs",
  0x858458f6: "ramfs",
};
const FUSE_SUPER_MAGIC = 0x65735546;
/** Bytes of the file mapped at a time to count its resident pages. */
export const residentWindowBytes = 64 * 1024 * 1024;
/** `posix_fadvise` calls made before a file that keeps pages resident is reported. */
const dropAttemptsMax = 3;
/** `struct statfs` is 120 bytes on x86_64 and aarch64; `f_type` is its first word. */
const STATFS_BYTES = 120;

/** What {@linkcode dropCachedPages} achieved. */
export type CacheDrop =
  | { dropped: true }
  | {
    dropped: false;
    /** Why the next read may come from memory, for the log and the status file. */
    reason: string;
  };

/** Runs `fn` with libc opened for it, and closes libc again. */
function withLibc<T>(fn: (c: Libc) => T): T {
  const lib = Deno.dlopen("libc.so.6", SYMBOLS);
  try {
    return fn(lib.symbols);
  } finally {
    lib.close();
  }
}

/** Opens `path` read-only and runs `fn` with its descriptor; throws naming the file when it cannot. */
function withFd<T>(c: Libc, path: string, fn: (fd: number) => T): T {
  const fd = c.open(new TextEncoder().encode(path + "\0"), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    const code = lastErrno(c);
    const message = `${errnoText(c, code)} (os error ${code}): ${path}`;
    throw code === 2 ? new Deno.errors.NotFound(message) : new Error(message);
  }
  try {
    return fn(fd);
  } finally {
    c.close(fd);
  }
}

/**
 * Drops the cached pages of `path` (fsync it first: dirty pages stay) and
 * checks that none is left, so that the next read comes from the device.
 * Throws when the file cannot be opened; answers `dropped: false` with a
 * reason when the drop is impossible or cannot be confirmed.
 */
export function dropCachedPages(path: string): CacheDrop {
  return withLibc((c) => withFd(c, path, (fd) => drop(c, path, fd)));
}

function drop(c: Libc, path: string, fd: number): CacheDrop {
  const statfs = new Uint8Array(STATFS_BYTES);
  if (c.fstatfs(fd, statfs) !== 0) {
    return { dropped: false, reason: `cannot tell its file system: ${errnoText(c, lastErrno(c))}` };
  }
  const fsType = Number(new DataView(statfs.buffer).getBigInt64(0, true) & 0xffffffffn);
  const memory = MEMORY_FS[fsType];
  if (memory !== undefined) {
    return {
      dropped: false,
      reason:
        `it is a ${memory}, whose files live only in memory: there is no device to read back from`,
    };
  }
  if (fsType === FUSE_SUPER_MAGIC) {
    return {
      dropped: false,
      reason: "it is a FUSE file system: the read-back reaches the program behind it, " +
        "which may answer from its own cache",
    };
  }
  const info = Deno.statSync(path);
  const uid = Deno.uid();
  if (uid !== 0 && info.uid !== uid) {
    // mincore only reports the page cache of files the caller owns (or may write).
    return { dropped: false, reason: "cannot see the cached pages of a file someone else owns" };
  }
  let resident = 0;
  for (let attempt = 0; attempt < dropAttemptsMax; attempt++) {
    const r = c.posix_fadvise(fd, 0n, 0n, POSIX_FADV_DONTNEED);
    if (r !== 0) return { dropped: false, reason: `posix_fadvise failed: ${errnoText(c, r)}` };
    const counted = residentPages(c, fd, info.size);
    if (typeof counted === "string") return { dropped: false, reason: counted };
    resident = counted;
    if (resident === 0) return { dropped: true };
  }
  const total = Math.ceil(info.size / pageSize(c));
  return {
    dropped: false,
    reason: `the page cache kept ${resident} of its ${total} page(s) after ` +
      "POSIX_FADV_DONTNEED (the file system or another program holds them)",
  };
}

let pageBytes = 0;

function pageSize(c: Libc): number {
  if (pageBytes === 0) {
    const n = Number(c.sysconf(SC_PAGESIZE));
    pageBytes = n > 0 ? n : 4096;
  }
  return pageBytes;
}

/** How many pages of the open file `fd` (of `size` bytes) are in the page cache, or why that is unknown. */
function residentPages(c: Libc, fd: number, size: number): number | string {
  const page = pageSize(c);
  const vec = new Uint8Array(Math.ceil(residentWindowBytes / page));
  let resident = 0;
  for (let offset = 0; offset < size; offset += residentWindowBytes) {
    const length = Math.min(residentWindowBytes, size - offset);
    const addr = c.mmap(null, BigInt(length), PROT_READ, MAP_SHARED, fd, BigInt(offset));
    if (addr === null || BigInt(Deno.UnsafePointer.value(addr)) === 2n ** 64n - 1n) {
      return `cannot see its cached pages (mmap: ${errnoText(c, lastErrno(c))})`;
    }
    try {
      if (c.mincore(addr, BigInt(length), vec) !== 0) {
        return `cannot see its cached pages (mincore: ${errnoText(c, lastErrno(c))})`;
      }
      const pages = Math.ceil(length / page);
      for (let i = 0; i < pages; i++) resident += vec[i]! & 1;
    } finally {
      c.munmap(addr, BigInt(length));
    }
  }
  return resident;
}

/** How many pages of `path` are in the page cache, or why that is unknown. */
export function residentPagesOf(path: string): number | string {
  return withLibc((c) => withFd(c, path, (fd) => residentPages(c, fd, Deno.statSync(path).size)));
}
