/**
 * The libc functions and constants ferry's serial layer calls through Deno
 * FFI. Loaded once, on first use, so importing this module costs nothing on
 * machines that never open a port.
 *
 * The constants are those of glibc and the Linux generic ioctl ABI. ferry
 * runs on x86_64 (development, CI) and aarch64 (Raspberry Pi); both use
 * the generic values, written out per architecture below so a new target
 * has to be checked against its headers before it is added.
 * @module
 */

const SYMBOLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  tcgetattr: { parameters: ["i32", "buffer"], result: "i32" },
  tcsetattr: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  tcflush: { parameters: ["i32", "i32"], result: "i32" },
  cfmakeraw: { parameters: ["buffer"], result: "void" },
  cfsetispeed: { parameters: ["buffer", "u32"], result: "i32" },
  cfsetospeed: { parameters: ["buffer", "u32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  // Runs on a thread of Deno's blocking pool: waiting never blocks the event loop.
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  strerror: { parameters: ["i32"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

/** The loaded library's symbols. */
export type LibcSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let loaded: LibcSymbols | undefined;

/** Opens libc on first use. Throws when FFI is not allowed or libc is missing. */
export function libc(): LibcSymbols {
  if (loaded) return loaded;
  if (Deno.build.os !== "linux") {
    throw new Error(`Serial ports need Linux (glibc); this is ${Deno.build.os}`);
  }
  loaded = Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  return loaded;
}

/** The calling thread's `errno`, read right after a failed synchronous call. */
export function errno(): number {
  const ptr = libc().__errno_location();
  if (ptr === null) return 0;
  return new Deno.UnsafePointerView(ptr).getInt32(0);
}

/** The C library's text for an errno value. */
export function strerror(code: number): string {
  const ptr = libc().strerror(code);
  return ptr === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(ptr);
}

/** errno values (identical on x86_64 and aarch64 Linux). */
export const E = {
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
  EPIPE: 32,
} as const;

/** Flags and request numbers the serial layer needs, for one architecture. */
export interface LibcConstants {
  O_RDWR: number;
  O_NOCTTY: number;
  O_NONBLOCK: number;
  O_CLOEXEC: number;
  TCSANOW: number;
  TCIOFLUSH: number;
  /** glibc `struct termios`: size and the offsets ferry touches. */
  termiosBytes: number;
  cflagOffset: number;
  ccOffset: number;
  VTIME: number;
  VMIN: number;
  CSIZE: number;
  CS8: number;
  CSTOPB: number;
  CREAD: number;
  PARENB: number;
  HUPCL: number;
  CLOCAL: number;
  CRTSCTS: number;
  CBAUD: number;
  /** Kernel `struct termios` read by TCGETS, to check what the driver applied. */
  TCGETS: bigint;
  TIOCEXCL: bigint;
  TIOCNXCL: bigint;
  TIOCOUTQ: bigint;
  TIOCMGET: bigint;
  TIOCMBIS: bigint;
  TIOCMBIC: bigint;
  TIOCM_DTR: number;
  TIOCM_RTS: number;
  TIOCM_CTS: number;
  TIOCM_DSR: number;
  TIOCM_CD: number;
  TIOCM_RI: number;
  POLLIN: number;
  POLLOUT: number;
  POLLERR: number;
  POLLHUP: number;
  POLLNVAL: number;
}

// The generic Linux ABI (asm-generic/termbits.h, ioctls.h, fcntl.h) with
// glibc's `struct termios` (NCCS 32, c_line, c_cc, c_ispeed, c_ospeed).
const GENERIC: LibcConstants = {
  O_RDWR: 0o2,
  O_NOCTTY: 0o400,
  O_NONBLOCK: 0o4000,
  O_CLOEXEC: 0o2000000,
  TCSANOW: 0,
  TCIOFLUSH: 2,
  termiosBytes: 60,
  cflagOffset: 8,
  ccOffset: 17,
  VTIME: 5,
  VMIN: 6,
  CSIZE: 0o60,
  CS8: 0o60,
  CSTOPB: 0o100,
  CREAD: 0o200,
  PARENB: 0o400,
  HUPCL: 0o2000,
  CLOCAL: 0o4000,
  CRTSCTS: 0o20000000000,
  CBAUD: 0o10017,
  TCGETS: 0x5401n,
  TIOCEXCL: 0x540cn,
  TIOCNXCL: 0x540dn,
  TIOCOUTQ: 0x5411n,
  TIOCMGET: 0x5415n,
  TIOCMBIS: 0x5416n,
  TIOCMBIC: 0x5417n,
  TIOCM_DTR: 0x002,
  TIOCM_RTS: 0x004,
  TIOCM_CTS: 0x020,
  TIOCM_CD: 0x040,
  TIOCM_RI: 0x080,
  TIOCM_DSR: 0x100,
  POLLIN: 0x001,
  POLLOUT: 0x004,
  POLLERR: 0x008,
  POLLHUP: 0x010,
  POLLNVAL: 0x020,
};

const BY_ARCH: Record<string, LibcConstants> = {
  // glibc sysdeps/unix/sysv/linux/x86_64: generic termios and ioctls.
  x86_64: GENERIC,
  // glibc sysdeps/unix/sysv/linux/aarch64: generic termios and ioctls.
  aarch64: GENERIC,
};

/** The constants for the running architecture. Throws on an unchecked one. */
export function constants(): LibcConstants {
  const found = BY_ARCH[Deno.build.arch];
  if (!found) {
    throw new Error(
      `Serial ports are not supported on ${Deno.build.arch}: ferry knows the termios layout of ` +
        `x86_64 and aarch64 only`,
    );
  }
  return found;
}
