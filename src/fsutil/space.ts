/**
 * Free space on a filesystem, to refuse work that cannot fit before it
 * starts instead of failing half way, and the kind of filesystem a folder
 * is on. Both come from `statfs(2)`: through libc (Deno FFI) when it is
 * granted, which loads nothing else; otherwise through `node:fs/promises`.
 * @module
 */

/** What `statfs(2)` says of a filesystem. */
export interface FsStat {
  /** `f_type`: the filesystem's magic number (0x4d44 for FAT). */
  type: number;
  /** Block size the counts below are in. */
  bsize: number;
  /** Blocks free for unprivileged users. */
  bavail: number;
}

const symbols = {
  statfs: { parameters: ["buffer", "buffer"], result: "i32" },
} as const;
/** `struct statfs` is 120 bytes on x86_64 and aarch64: f_type, f_bsize, f_blocks, f_bfree, f_bavail, ... (8 bytes each). */
const STATFS_BYTES = 120;

/** libc's `statfs`, bound once when this module loads (a binding costs a few hundred microseconds). */
const libc: Deno.DynamicLibrary<typeof symbols> | null = (() => {
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
    return Deno.dlopen("libc.so.6", symbols);
  } catch {
    return null;
  }
})();

/** `statfs(2)` through libc, or null where FFI is not granted or it fails. */
function statFsNative(path: string): FsStat | null {
  if (libc === null) return null;
  const buf = new Uint8Array(STATFS_BYTES);
  if (libc.symbols.statfs(new TextEncoder().encode(path + "\0"), buf) !== 0) return null;
  const view = new DataView(buf.buffer);
  return {
    type: Number(view.getBigInt64(0, true) & 0xffffffffn),
    bsize: Number(view.getBigInt64(8, true)),
    bavail: Number(view.getBigUint64(32, true)),
  };
}

/** `statfs(2)` of the filesystem holding `path`. Throws like Deno when the path is not there. */
export async function statFs(path: string): Promise<FsStat> {
  const native = statFsNative(path);
  if (native !== null) return native;
  // Not here, or it failed: Node's binding raises the error with its usual words.
  // Imported here, when asked: a command that never asks loads no Node.js module.
  const { statfs } = await import("node:fs/promises");
  const s = await statfs(path);
  return { type: Number(s.type), bsize: Number(s.bsize), bavail: Number(s.bavail) };
}

/** Bytes available to unprivileged users on the filesystem holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const s = await statFs(path);
  return s.bavail * s.bsize;
}
