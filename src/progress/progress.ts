/**
 * Progress bars for long copies, drawn on standard error only when it is a
 * terminal (and never under systemd or in pipes), at most a few times a
 * second. A bar that was on screen for a while ends with its final state on
 * its own line, as NNCP's do; one for a copy that was over at once is cleared.
 *
 * @example
 * ```ts
 * import { createProgress } from "./progress.ts";
 * const bar = createProgress("xfer tx ABC", 1000, { enabled: false });
 * bar.add(500);
 * bar.done();
 * ```
 * @module
 */

import { humanBytes } from "../log/humanize.ts";

/** Redraws at most this often. */
export const progressRedrawMs = 200;

/** A running progress display. */
export interface Progress {
  /** Adds `bytes` to the count. */
  add(bytes: number): void;
  /** Clears the bar. */
  done(): void;
}

/** Options for {@linkcode createProgress}. */
export interface ProgressOptions {
  /** Force on or off; default: on when standard error is a terminal and NO_PROGRESS is unset. */
  enabled?: boolean;
  /** Where to draw; default standard error. */
  write?: (text: string) => void;
  /** Clock in milliseconds; default `performance.now`. */
  now?: () => number;
}

const enc = new TextEncoder();

let switchedOff = false;

/**
 * Turns progress bars off for the rest of the process (`--noprogress`,
 * `--quiet`, `noprogress: true` in the configuration), or back on to the
 * default.
 */
export function setProgressEnabled(on: boolean): void {
  switchedOff = !on;
}

/** True when progress bars should be drawn by default. */
export function progressWanted(): boolean {
  if (switchedOff) return false;
  try {
    return Deno.stderr.isTerminal() && !Deno.env.get("NO_PROGRESS") &&
      !Deno.env.get("JOURNAL_STREAM");
  } catch {
    return false;
  }
}

/** Starts a progress bar for `total` bytes labelled `label`. */
export function createProgress(
  label: string,
  total: number,
  options: ProgressOptions = {},
): Progress {
  const enabled = options.enabled ?? progressWanted();
  if (!enabled) return { add() {}, done() {} };
  const write = options.write ?? ((t: string) => void Deno.stderr.writeSync(enc.encode(t)));
  const now = options.now ?? (() => performance.now());
  const started = now();
  let count = 0;
  let last = -Infinity;
  let drawn = false;
  const draw = () => {
    drawn = true;
    const elapsedS = Math.max((now() - started) / 1000, 0.001);
    const pct = total > 0 ? Math.min(100, Math.floor((count / total) * 100)) : 100;
    const width = 20;
    const filled = Math.round((pct / 100) * width);
    const rate = humanBytes(Math.round(count / elapsedS));
    write(
      `\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${pct}% ` +
        `${humanBytes(count)}/${humanBytes(total)} ${rate}/s\x1b[K`,
    );
  };
  return {
    add(bytes: number) {
      count += bytes;
      const t = now();
      // The last bytes are drawn at once: a fast copy into the page cache can finish
      // between two redraws, and the flush after it may take long; the bar must not
      // sit at an old percentage meanwhile.
      if (t - last >= progressRedrawMs || (drawn && count >= total)) {
        last = t;
        draw();
      }
    },
    done() {
      if (!drawn) return;
      drawn = false;
      if (now() - started < progressRedrawMs) {
        write("\r\x1b[K"); // over at once: clear it, so many small copies leave no lines
        return;
      }
      // A bar people watched ends on its final state (what was really copied).
      draw();
      write("\n");
    },
  };
}

/** A byte source (as the packet codec reads) that counts what passes into `progress`. */
export function countedSource<S extends { read(into: Uint8Array): Promise<number | null> }>(
  source: S,
  progress: Progress,
): { read(into: Uint8Array): Promise<number | null> } {
  return {
    async read(into) {
      const n = await source.read(into);
      if (n !== null) progress.add(n);
      return n;
    },
  };
}
