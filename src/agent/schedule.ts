/**
 * Daily time windows such as radio windows: `"06:00-07:30"`, `"22:00-06:00"`
 * (crossing midnight) in the machine's local time. An empty list means
 * always open.
 *
 * @example
 * ```ts
 * import { parseWindows, windowState } from "./schedule.ts";
 * const w = parseWindows(["22:00-06:00"]);
 * const at = new Date(2026, 0, 1, 23, 0).getTime();
 * console.assert(windowState(w, at).open);
 * ```
 * @module
 */

/** One daily window in minutes after local midnight; `end` may be below `start` (crosses midnight). */
export interface Window {
  startMin: number;
  endMin: number;
  text: string;
}

/** Parses `HH:MM-HH:MM` windows. @throws {SyntaxError} naming the bad one. */
export function parseWindows(texts: string[]): Window[] {
  return texts.map((text) => {
    const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(text.trim());
    const [h1, m1, h2, m2] = m
      ? m.slice(1).map(Number) as [number, number, number, number]
      : [NaN, NaN, NaN, NaN];
    if (
      !m || h1 > 24 || h2 > 24 || m1 > 59 || m2 > 59 || (h1 === 24 && m1 > 0) ||
      (h2 === 24 && m2 > 0)
    ) {
      throw new SyntaxError(
        `window ${JSON.stringify(text)} is not HH:MM-HH:MM (e.g. "06:00-07:30")`,
      );
    }
    const startMin = h1 * 60 + m1;
    const endMin = h2 * 60 + m2;
    if (startMin === endMin) throw new SyntaxError(`window ${JSON.stringify(text)} is empty`);
    return { startMin, endMin, text };
  });
}

/** Days around the current one whose window edges are candidates for the next change. */
const edgeDays = [-1, 0, 1, 2];

function insideAt(windows: Window[], atMs: number): boolean {
  const at = new Date(atMs);
  const minute = at.getHours() * 60 + at.getMinutes() + at.getSeconds() / 60 +
    at.getMilliseconds() / 60000;
  return windows.some((w) =>
    w.startMin < w.endMin
      ? minute >= w.startMin && minute < w.endMin
      : minute >= w.startMin || minute < w.endMin
  );
}

/**
 * Whether `atMs` is inside a window, and when that changes next (ms since
 * epoch; infinity when it never does). Edges are real local times, so a
 * window opens at 06:00 on the wall clock on the days daylight saving time
 * starts or ends too, and overlapping windows count as one.
 */
export function windowState(
  windows: Window[],
  atMs: number,
): { open: boolean; changesAtMs: number } {
  if (windows.length === 0) return { open: true, changesAtMs: Number.POSITIVE_INFINITY };
  const open = insideAt(windows, atMs);
  const at = new Date(atMs);
  const edges: number[] = [];
  for (const day of edgeDays) {
    for (const w of windows) {
      for (const min of [w.startMin, w.endMin]) {
        const edge = new Date(
          at.getFullYear(),
          at.getMonth(),
          at.getDate() + day,
          Math.floor(min / 60),
          min % 60,
        ).getTime();
        if (edge > atMs) edges.push(edge);
      }
    }
  }
  edges.sort((a, b) => a - b);
  const change = edges.find((edge) => insideAt(windows, edge) !== open);
  return { open, changesAtMs: change ?? Number.POSITIVE_INFINITY };
}
