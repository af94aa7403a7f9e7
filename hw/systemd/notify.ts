/**
 * The systemd notify protocol: readiness (`READY=1`), liveness
 * (`WATCHDOG=1`), status text and stopping, sent as datagrams to the unix
 * socket named by `NOTIFY_SOCKET` (a path, or `@name` for the abstract
 * namespace). Deno has no stable unix datagram sockets, so this uses three
 * libc calls through FFI. Without `NOTIFY_SOCKET` (not under systemd) every
 * call does nothing.
 *
 * @example
 * ```ts ignore
 * import { createNotifier } from "./notify.ts";
 * const notify = createNotifier();
 * notify.send("READY=1\nSTATUS=serving");
 * ```
 * @module
 */

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
/** sockaddr_un is 2 bytes of family and 108 of path. */
const SUN_PATH_BYTES = 108;

type Libc = {
  socket(domain: number, type: number, protocol: number): number;
  sendto(
    fd: number,
    buf: Uint8Array,
    len: bigint,
    flags: number,
    addr: Uint8Array,
    addrlen: number,
  ): bigint;
  close(fd: number): number;
};

let libc: Libc | null = null;
function loadLibc(): Libc {
  if (libc) return libc;
  const lib = Deno.dlopen("libc.so.6", {
    socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
    sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
    close: { parameters: ["i32"], result: "i32" },
  });
  libc = lib.symbols as unknown as Libc;
  return libc;
}

/** Sends notify messages; a no-op outside systemd. */
export interface Notifier {
  /** True when `NOTIFY_SOCKET` is set. */
  readonly enabled: boolean;
  /** Sends one message (`KEY=VALUE` lines); returns false when it could not be sent. */
  send(message: string): boolean;
  /** The watchdog interval systemd asked for (`WATCHDOG_USEC`), in ms, or null. */
  readonly watchdogMs: number | null;
}

/** Builds the `sockaddr_un` for a `NOTIFY_SOCKET` value. */
export function socketAddress(target: string): { addr: Uint8Array; length: number } {
  const path = new TextEncoder().encode(target.startsWith("@") ? "\0" + target.slice(1) : target);
  if (path.length === 0 || path.length >= SUN_PATH_BYTES) {
    throw new RangeError(
      `NOTIFY_SOCKET ${JSON.stringify(target)} does not fit a unix socket address`,
    );
  }
  const addr = new Uint8Array(2 + SUN_PATH_BYTES);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(path, 2);
  // Abstract addresses are exactly as long as their name; paths carry their NUL.
  return { addr, length: 2 + path.length + (target.startsWith("@") ? 0 : 1) };
}

/** A notifier for the environment of this process. */
export function createNotifier(env: { get(key: string): string | undefined } = Deno.env): Notifier {
  const target = env.get("NOTIFY_SOCKET");
  const usec = Number(env.get("WATCHDOG_USEC"));
  const pid = env.get("WATCHDOG_PID");
  const watchdogMs =
    Number.isFinite(usec) && usec > 0 && (pid === undefined || Number(pid) === Deno.pid)
      ? usec / 1000
      : null;
  if (!target) return { enabled: false, send: () => false, watchdogMs };
  const { addr, length } = socketAddress(target);
  return {
    enabled: true,
    watchdogMs,
    send(message: string): boolean {
      const c = loadLibc();
      const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return false;
      try {
        const data = new TextEncoder().encode(message);
        return c.sendto(fd, data, BigInt(data.length), 0, addr, length) === BigInt(data.length);
      } finally {
        c.close(fd);
      }
    },
  };
}
