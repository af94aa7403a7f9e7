/**
 * The few libc calls Deno has no API for, through Deno FFI (glibc, Linux):
 * raw file descriptors (so a job's stdin can be the job file itself,
 * positioned at the payload), `posix_spawnp` (so argv and environment pass as
 * raw bytes, and descriptors are placed exactly), `waitpid`, and the live
 * `environ`. Loaded on first use; needs `--allow-ffi`.
 * @module
 */

const SYMBOLS = {
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  strlen: { parameters: ["pointer"], result: "usize" },
  strerror: { parameters: ["i32"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
  posix_spawnp: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_adddup2: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setsigdefault: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_setsigmask: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_destroy: { parameters: ["buffer"], result: "i32" },
  sigemptyset: { parameters: ["buffer"], result: "i32" },
  sigaddset: { parameters: ["buffer", "i32"], result: "i32" },
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32", nonblocking: true },
  environ: { type: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
let lib: Deno.DynamicLibrary<typeof SYMBOLS> | null = null;

/** The libc symbols (opened on first call). */
export function libc(): Libc {
  lib ??= Deno.dlopen("libc.so.6", SYMBOLS);
  return lib.symbols;
}

/** `open(2)` flags and other constants (identical on x86_64 and aarch64 Linux). */
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_CLOEXEC = 0o2000000;
export const SEEK_SET = 0;
export const SIGPIPE = 13;
export const POSIX_SPAWN_SETSIGDEF = 0x04;
export const POSIX_SPAWN_SETSIGMASK = 0x08;
const EINTR = 4;
/** Most environment entries read from `environ` (Linux caps the whole environment near 2 MiB). */
const ENVIRON_ENTRIES_MAX = 1_000_000;

const encoder = new TextEncoder();

/** `text` (or bytes) with a terminating NUL, for C. */
export function cString(text: string | Uint8Array): Uint8Array {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** The calling thread's `errno` (read right after a failed synchronous call). */
export function errno(): number {
  const p = libc().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** `strerror(code)`. */
export function describeErrno(code: number): string {
  const p = libc().strerror(code);
  return p === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(p);
}

/** Throws the Deno error class matching `code` (NotFound, PermissionDenied, ...), naming `what`. */
export function throwErrno(code: number, what: string): never {
  const message = `${describeErrno(code)} (os error ${code}): ${what}`;
  const classes: Record<number, new (m: string) => Error> = {
    2: Deno.errors.NotFound,
    13: Deno.errors.PermissionDenied,
    17: Deno.errors.AlreadyExists,
    21: Deno.errors.IsADirectory,
  };
  throw new (classes[code] ?? Error)(message);
}

/** Calls `fn` again while it fails with EINTR; returns its result. */
export function retryEintr(fn: () => number | bigint): number {
  for (;;) {
    const r = Number(fn());
    if (r >= 0) return r;
    const code = errno();
    if (code !== EINTR) return -code;
  }
}

/** The pointer of `buf` as a number, for argv/envp arrays. */
export function addressOf(buf: Uint8Array): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)));
}

/** The process's current environment entries (`NAME=value`, raw bytes), in `environ` order. */
export function currentEnviron(): Uint8Array[] {
  const c = libc();
  const slot = c.environ;
  const list = slot === null ? null : new Deno.UnsafePointerView(slot).getPointer(0);
  if (list === null) return [];
  const view = new Deno.UnsafePointerView(list);
  const out: Uint8Array[] = [];
  for (let i = 0; i < ENVIRON_ENTRIES_MAX; i++) {
    const entry = view.getPointer(i * 8);
    if (entry === null) return out;
    const n = Number(c.strlen(entry));
    out.push(new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(entry, n)).slice());
  }
  throw new RangeError(`the environment has more than ${ENVIRON_ENTRIES_MAX} entries`);
}
