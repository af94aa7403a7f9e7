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

/** Whether `atMs` is inside a window, and when that changes next (ms since epoch). */
export function windowState(
  windows: Window[],
  atMs: number,
): { open: boolean; changesAtMs: number } {
  if (windows.length === 0) return { open: true, changesAtMs: Number.POSITIVE_INFINITY };
  const at = new Date(atMs);
  const minute = at.getHours() * 60 + at.getMinutes() + at.getSeconds() / 60 +
    at.getMilliseconds() / 60000;
  const inside = (w: Window) =>
    w.startMin < w.endMin
      ? minute >= w.startMin && minute < w.endMin
      : minute >= w.startMin || minute < w.endMin;
  const open = windows.some(inside);
  // The next boundary: the nearest start (when closed) or end (when open) of any window.
  let best = Number.POSITIVE_INFINITY;
  for (const w of windows) {
    for (const edge of open ? [w.endMin] : [w.startMin]) {
      let delta = edge - minute;
      if (delta <= 0) delta += 24 * 60;
      best = Math.min(best, delta);
    }
  }
  return { open, changesAtMs: atMs + Math.ceil(best * 60_000) };
}
