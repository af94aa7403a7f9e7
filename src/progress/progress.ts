/**
 * Progress bars for long copies, drawn on standard error only when it is a
 * terminal (and never under systemd or in pipes), at most a few times a
 * second, cleared when done.
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

/** True when progress bars should be drawn by default. */
export function progressWanted(): boolean {
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
  const draw = () => {
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
      if (t - last >= progressRedrawMs) {
        last = t;
        draw();
      }
    },
    done() {
      write("\r\x1b[K");
    },
  };
}
