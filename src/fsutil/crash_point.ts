/**
 * Named crash points: places in the write paths where a crash matters
 * (between a write and its fsync, between a rename and the folder fsync,
 * between delivering a packet and recording it). A test aims at one with
 * `FERRY_CRASH_AT=NAME` (the first crossing) or `FERRY_CRASH_AT=NAME#N` (the
 * Nth): the process kills itself with SIGKILL right there, as a power cut
 * or `kill -9` would, so every window is hit on purpose instead of guessed
 * with timers. `FERRY_CRASH_TRACE=FILE` appends the name of every crossing
 * to FILE (one line each), so a test can list what a run crossed and fail
 * when a declared point was never reached.
 *
 * Off in production: without either variable {@linkcode crashPoint} is an
 * empty function.
 *
 * ```ts
 * import { crashPoint } from "./crash_point.ts";
 * crashPoint("toss.delivered"); // does nothing unless a test armed it
 * ```
 * @module
 */

/** Every crash point, by write path. Tests check each one is crossed. */
export const CRASH_POINTS = {
  toss: [
    "toss.file-synced", // payload in its temp file, fsynced, not yet linked to its name
    "toss.file-linked", // final name linked, folder not yet fsynced
    "toss.delivered", // delivery finished (file in place, exec run), nothing recorded
    "toss.seen-marked", // seen marker written, packet still in rx/
    "toss.rx-removed", // packet removed from rx/, folder not yet fsynced, not logged
  ],
  xferRx: [
    "xfer-rx.copied", // medium packet copied and fsynced to a temp in the spool
    "xfer-rx.committed", // packet in rx/, still on the medium
    "xfer-rx.source-removed", // removed from the medium
  ],
  xferTx: [
    "xfer-tx.copied", // copy on the medium under its temp name, fsynced
    "xfer-tx.renamed", // copy under its final name on the medium
    "xfer-tx.verified", // read back and checked, spool copy still there
    "xfer-tx.spool-removed", // spool copy removed
  ],
  store: [
    "store.persisted", // partial's bytes synced and its resume state written
    "store.verified", // complete partial checked against its id, not yet renamed
    "store.committed", // renamed into the inbound folder, state file still there
  ],
  queue: [
    "queue.job-done", // job command finished, not yet recorded
    "queue.next-advanced", // next sequence number advanced, job file still there
  ],
  bundle: [
    "bundle-rx.committed", // a bundle's packet in rx/
  ],
} as const;

/** Any declared crash point name. */
export type CrashPointName = (typeof CRASH_POINTS)[keyof typeof CRASH_POINTS][number];

interface Armed {
  name: string | null;
  nth: number;
  trace: string | null;
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no permission to read the environment: never armed
  }
}

function armedFromEnv(): Armed | null {
  const at = readEnv("FERRY_CRASH_AT");
  const trace = readEnv("FERRY_CRASH_TRACE") ?? null;
  if (!at && !trace) return null;
  let name: string | null = null;
  let nth = 1;
  if (at) {
    const m = /^([a-z0-9.-]+)(?:#(\d+))?$/.exec(at);
    if (!m) throw new Error(`FERRY_CRASH_AT must be NAME or NAME#N, got "${at}"`);
    name = m[1]!;
    nth = m[2] === undefined ? 1 : Number(m[2]);
  }
  return { name, nth, trace };
}

const encoder = new TextEncoder();

function armedPoint(armed: Armed): (name: CrashPointName) => void {
  let crossed = 0;
  return (name) => {
    if (armed.trace !== null) {
      Deno.writeFileSync(armed.trace, encoder.encode(`${name}\n`), { append: true });
    }
    if (name === armed.name && ++crossed === armed.nth) {
      Deno.kill(Deno.pid, "SIGKILL");
    }
  };
}

const armed = armedFromEnv();

/** Marks a crash point; kills the process there when a test armed it. */
export const crashPoint: (name: CrashPointName) => void = armed === null
  ? () => {}
  : armedPoint(armed);
