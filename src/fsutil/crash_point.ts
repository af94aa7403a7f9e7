/**
 * Named crash points: places in the write paths where a crash matters
 * (between a write and its fsync, between a rename and the folder fsync,
 * between delivering a packet and recording it). A test aims at one with
 * `FERRY_CRASH_AT=NAME` (the first crossing) or `FERRY_CRASH_AT=NAME#N` (the
 * Nth), or at several with a comma-separated list (whichever comes first):
 * the process kills itself with SIGKILL right there, as a power cut or
 * `kill -9` would, so every window is hit on purpose instead of guessed
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
  media: [
    "media.exchanged", // import and export done, the medium not yet flushed
    "media.flushed", // medium flushed, status file not yet written: not yet safe
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
  sp: [
    "sp.committed", // a received packet in rx/, its DONE not yet sent
    "sp.done-received", // the peer's DONE taken, the packet not yet removed from tx/
  ],
  mqtt: [
    "mqtt.committed", // a received packet in rx/, its signed ack not yet published
    "mqtt.ack-verified", // a valid ack taken, the packet not yet removed from tx/
  ],
  bundle: [
    "bundle-rx.committed", // a bundle's packet in rx/
  ],
} as const;

/** Any declared crash point name. */
export type CrashPointName = (typeof CRASH_POINTS)[keyof typeof CRASH_POINTS][number];

interface Armed {
  /** Crossing number to die at, by point name. */
  targets: Map<string, number>;
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
  const targets = new Map<string, number>();
  for (const item of (at ?? "").split(",").filter((x) => x)) {
    const m = /^([a-z0-9.-]+)(?:#(\d+))?$/.exec(item);
    if (!m) throw new Error(`FERRY_CRASH_AT must be NAME[#N][,NAME[#N]...], got "${at}"`);
    targets.set(m[1]!, m[2] === undefined ? 1 : Number(m[2]));
  }
  return { targets, trace };
}

const encoder = new TextEncoder();

function armedPoint(armed: Armed): (name: CrashPointName) => void {
  const crossed = new Map<string, number>();
  return (name) => {
    if (armed.trace !== null) {
      Deno.writeFileSync(armed.trace, encoder.encode(`${name}\n`), { append: true });
    }
    const nth = armed.targets.get(name);
    if (nth === undefined) return;
    const count = (crossed.get(name) ?? 0) + 1;
    crossed.set(name, count);
    if (count === nth) Deno.kill(Deno.pid, "SIGKILL");
  };
}

const armed = armedFromEnv();

/** Marks a crash point; kills the process there when a test armed it. */
export const crashPoint: (name: CrashPointName) => void = armed === null
  ? () => {}
  : armedPoint(armed);
