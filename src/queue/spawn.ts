/**
 * Starts a command with `posix_spawnp` and waits for it. Unlike
 * `Deno.Command`, argv and environment pass as raw bytes (a job's
 * `FSPL_SET_*` value need not be UTF-8), and any open descriptor can become
 * the child's stdin, stdout or stderr. The child gets SIGPIPE back at its
 * default action and an empty signal mask, as a shell would give it.
 *
 * The child's environment is built like fspl's (Rust's `Command`): the
 * current environment plus the job's variables, which win on a clash,
 * sorted by name bytes.
 *
 * @example
 * ```ts
 * import { spawnProcess, waitProcess } from "./spawn.ts";
 * const enc = new TextEncoder();
 * const pid = spawnProcess({ file: enc.encode("true"), argv: [enc.encode("true")], env: [] });
 * console.assert((await waitProcess(pid)).code === 0);
 * ```
 * @module
 */

import {
  addressOf,
  cString,
  describeErrno,
  libc,
  POSIX_SPAWN_SETSIGDEF,
  POSIX_SPAWN_SETSIGMASK,
  SIGPIPE,
} from "./_libc.ts";

/** What to start. */
export interface SpawnRequest {
  /** The program, looked up in `PATH` when it has no slash. */
  file: Uint8Array;
  /** argv, including argv[0]. */
  argv: Uint8Array[];
  /** Environment entries, `NAME=value`. */
  env: Uint8Array[];
  /** Descriptor for the child's stdin; inherited when absent. */
  stdinFd?: number;
  /** Descriptor for the child's stdout and stderr; inherited when absent. */
  outputFd?: number;
}

/** How a child ended: an exit code, or the signal that killed it. */
export interface WaitStatus {
  /** Exit code, or `null` when killed by a signal. */
  code: number | null;
  /** Signal number, or `null` when it exited. */
  signal: number | null;
}

/** The command could not be started (not found, not executable, ...). */
export class SpawnError extends Error {
  override name = "SpawnError";
}

const ATTR_BYTES = 1024; // posix_spawnattr_t is 336 bytes on glibc
const ACTIONS_BYTES = 256; // posix_spawn_file_actions_t is 80 bytes on glibc
const SIGSET_BYTES = 256; // sigset_t is 128 bytes on glibc

function pointerArray(items: Uint8Array[]): Uint8Array {
  const arr = new BigUint64Array(items.length + 1);
  items.forEach((item, i) => (arr[i] = addressOf(item)));
  return new Uint8Array(arr.buffer);
}

/** Starts the command; returns its pid. Throws {@linkcode SpawnError} when it cannot start. */
export function spawnProcess(req: SpawnRequest): number {
  const c = libc();
  const actions = new Uint8Array(ACTIONS_BYTES);
  const attr = new Uint8Array(ATTR_BYTES);
  const sigdef = new Uint8Array(SIGSET_BYTES);
  const sigmask = new Uint8Array(SIGSET_BYTES);
  c.posix_spawn_file_actions_init(actions);
  c.posix_spawnattr_init(attr);
  try {
    if (req.stdinFd !== undefined) c.posix_spawn_file_actions_adddup2(actions, req.stdinFd, 0);
    if (req.outputFd !== undefined) {
      c.posix_spawn_file_actions_adddup2(actions, req.outputFd, 1);
      c.posix_spawn_file_actions_adddup2(actions, req.outputFd, 2);
    }
    c.sigemptyset(sigdef);
    c.sigaddset(sigdef, SIGPIPE);
    c.sigemptyset(sigmask);
    c.posix_spawnattr_setsigdefault(attr, sigdef);
    c.posix_spawnattr_setsigmask(attr, sigmask);
    c.posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    const argv = req.argv.map((a) => cString(a));
    const env = req.env.map((e) => cString(e));
    const pid = new Int32Array(1);
    const file = cString(req.file);
    const rc = c.posix_spawnp(
      new Uint8Array(pid.buffer),
      file,
      actions,
      attr,
      pointerArray(argv),
      pointerArray(env),
    );
    if (rc !== 0) {
      const name = new TextDecoder().decode(req.file);
      throw new SpawnError(
        `cannot run ${JSON.stringify(name)}: ${describeErrno(rc)} (os error ${rc})`,
      );
    }
    return pid[0]!;
  } finally {
    c.posix_spawnattr_destroy(attr);
    c.posix_spawn_file_actions_destroy(actions);
  }
}

const WAIT_RETRIES_MAX = 100;

/** Waits for child `pid` to end (on a worker thread, so the event loop keeps running). */
export async function waitProcess(pid: number): Promise<WaitStatus> {
  const status = new Int32Array(1);
  for (let attempt = 0; attempt < WAIT_RETRIES_MAX; attempt++) {
    const r = await libc().waitpid(pid, new Uint8Array(status.buffer), 0);
    if (r === pid) {
      const s = status[0]!;
      const sig = s & 0x7f;
      return sig === 0 ? { code: (s >> 8) & 0xff, signal: null } : { code: null, signal: sig };
    }
    // -1 with EINTR: try again. (errno of the worker thread is not visible here.)
  }
  throw new Error(`waitpid(${pid}) kept failing; the child may have been reaped elsewhere`);
}

const EQ = 0x3d;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Merges `base` entries (`NAME=value`) with `vars` (which win), sorted by
 * name, as fspl's children see it. Entries without `=` are dropped.
 */
export function mergeEnvironment(
  base: Uint8Array[],
  vars: [Uint8Array, Uint8Array][],
): Uint8Array[] {
  const byName = new Map<string, [Uint8Array, Uint8Array]>();
  const key = (name: Uint8Array) => {
    let k = ""; // one UTF-16 unit per byte: a lossless map key
    for (let i = 0; i < name.length; i += 4096) {
      k += String.fromCharCode(...name.subarray(i, i + 4096));
    }
    return k;
  };
  for (const entry of base) {
    const eq = entry.indexOf(EQ, 1);
    if (eq < 0) continue;
    byName.set(key(entry.subarray(0, eq)), [entry.subarray(0, eq), entry.subarray(eq + 1)]);
  }
  for (const [name, value] of vars) byName.set(key(name), [name, value]);
  const sorted = [...byName.values()].sort((a, b) => compareBytes(a[0], b[0]));
  return sorted.map(([name, value]) => {
    const out = new Uint8Array(name.length + 1 + value.length);
    out.set(name, 0);
    out[name.length] = EQ;
    out.set(value, name.length + 1);
    return out;
  });
}
