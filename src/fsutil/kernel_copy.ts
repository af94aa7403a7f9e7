/**
 * Copying a file inside the kernel: `sendfile(2)` through Deno FFI moves the
 * bytes from the source's page cache to the destination without passing
 * them through ferry's memory (one copy instead of two, no buffers): a
 * 256 MiB packet to a stick in about 80 ms here instead of 190 ms.
 *
 * Each call moves at most {@linkcode kernelCopyChunkBytes} on Deno's
 * blocking thread pool, so the event loop keeps running (progress, signals,
 * the agent's other work) and an abort is noticed between chunks. The errno
 * of a call on the pool is lost with its thread, so a failed call is made
 * once more on this thread to learn why (a full medium, a failing one).
 *
 * Where FFI is not granted, libc cannot be loaded, or the file systems do
 * not support it (the first call fails with EINVAL/ENOSYS), it answers
 * `null` before writing anything and the caller copies by reading and
 * writing.
 *
 * @example
 * ```ts
 * import { kernelCopy } from "./kernel_copy.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/a`, new Uint8Array(1000).fill(7));
 * const copied = await kernelCopy(`${dir}/a`, `${dir}/b`);
 * console.assert(copied === null || copied === 1000);
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */

import { errnoText, lastErrno, LIBC_ERRNO_SYMBOLS } from "./libc_errno.ts";

const symbols = {
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  sendfile: { parameters: ["i32", "i32", "pointer", "usize"], result: "isize" },
  sendfileOnPool: {
    name: "sendfile",
    parameters: ["i32", "i32", "pointer", "usize"],
    result: "isize",
    nonblocking: true,
  },
  ...LIBC_ERRNO_SYMBOLS,
} as const;
type Libc = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** Bytes one `sendfile` call moves: small enough to notice an abort quickly. */
export const kernelCopyChunkBytes = 8 * 1024 * 1024;

const O_RDONLY = 0;
const O_WRONLY = 1;
const O_CLOEXEC = 0o2000000;
const EINTR = 4;
const EINVAL = 22;
const ENOSYS = 38;
const EOPNOTSUPP = 95;
const ENOSPC = 28;

/** libc, bound once when this module loads (a binding costs a few hundred microseconds); null where FFI is not granted or libc is missing. */
const libc: Libc | null = (() => {
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
    return Deno.dlopen("libc.so.6", symbols).symbols;
  } catch {
    return null;
  }
})();

/** An error shaped like Deno's own (`<reason> (os error N): <op> '<path>'`), with `code` for ENOSPC. */
function osError(c: Libc, code: number, op: string, path: string): Error {
  const err = new Error(`${errnoText(c, code)} (os error ${code}): ${op} '${path}'`);
  if (code === ENOSPC) Object.assign(err, { code: "ENOSPC" });
  return err;
}

/** Options of {@linkcode kernelCopy}. */
export interface KernelCopyOptions {
  /** Fail when the source grows past this many bytes. */
  expectBytes?: number;
  /** Told the bytes of each chunk moved. */
  onChunk?: (bytes: number) => void;
  signal?: AbortSignal;
}

/**
 * Appends the whole of `src` to the file `dst` (which exists: the caller
 * created it, and fsyncs and closes it) inside the kernel. Returns the
 * bytes copied, or `null` when a kernel copy is not possible here and
 * nothing was written. Throws on a read or write error, an abort, or a
 * source that grew past `expectBytes`.
 */
export async function kernelCopy(
  src: string,
  dst: string,
  options: KernelCopyOptions = {},
): Promise<number | null> {
  if (libc === null) return null;
  return await copyWith(libc, src, dst, options);
}

async function copyWith(
  c: Libc,
  src: string,
  dst: string,
  options: KernelCopyOptions,
): Promise<number | null> {
  const inFd = c.open(new TextEncoder().encode(src + "\0"), O_RDONLY | O_CLOEXEC, 0);
  if (inFd < 0) throw osError(c, lastErrno(c), "open", src);
  try {
    const outFd = c.open(new TextEncoder().encode(dst + "\0"), O_WRONLY | O_CLOEXEC, 0);
    if (outFd < 0) throw osError(c, lastErrno(c), "open", dst);
    try {
      let copied = 0;
      for (;;) {
        options.signal?.throwIfAborted();
        let n = Number(await c.sendfileOnPool(outFd, inFd, null, BigInt(kernelCopyChunkBytes)));
        if (n < 0) {
          // The pool thread's errno is gone: try once more here, where errno can be read.
          n = Number(c.sendfile(outFd, inFd, null, BigInt(kernelCopyChunkBytes)));
          if (n < 0) {
            const code = lastErrno(c);
            if (code === EINTR) continue;
            if (copied === 0 && (code === EINVAL || code === ENOSYS || code === EOPNOTSUPP)) {
              return null;
            }
            throw osError(c, code, "copy to", dst);
          }
        }
        if (n === 0) return copied;
        copied += n;
        if (options.expectBytes !== undefined && copied > options.expectBytes) {
          throw new RangeError(
            `${src} grew while being copied (now over ${options.expectBytes} bytes)`,
          );
        }
        options.onChunk?.(n);
      }
    } finally {
      c.close(outFd);
    }
  } finally {
    c.close(inFd);
  }
}
