/**
 * Renders a job's creation time the way fspl shows it (chrono's formats):
 * `2026-11-25T13:11:22Z` in UTC and `2026-11-25T07:11:22-06:00` in local
 * time (from `TZ`, never `Z`). Fractions are dropped; a leap-second
 * nanosecond value (1e9 or more) shows as the next second, without carry,
 * as chrono does; years past 9999 get a `+` sign.
 *
 * @example
 * ```ts
 * import { formatCtimeUtc } from "./time_format.ts";
 * console.assert(formatCtimeUtc(1795612282n, 0) === "2026-11-25T13:11:22Z");
 * ```
 * @module
 */

/** Earliest and latest ctime seconds fspl can render (chrono's year range -262143..262142). */
export const CTIME_SECS_MIN = BigInt(Date.UTC(-262143, 0, 1) / 1000);
/** See {@linkcode CTIME_SECS_MIN}. */
export const CTIME_SECS_MAX = BigInt(Date.UTC(262142, 11, 31, 23, 59, 59) / 1000);

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function year(y: number): string {
  if (y > 9999) return `+${y}`;
  if (y < 0) return `-${pad(-y, 4)}`;
  return pad(y, 4);
}

function checkRange(secs: bigint): Date {
  if (secs < CTIME_SECS_MIN || secs > CTIME_SECS_MAX) {
    throw new RangeError(`ctime ${secs} is outside the years -262143..262142 that can be shown`);
  }
  return new Date(Number(secs) * 1000);
}

const leap = (nanos: number) => (nanos >= 1_000_000_000 ? 1 : 0);

/** `YYYY-MM-DDTHH:MM:SSZ` in UTC. */
export function formatCtimeUtc(secs: bigint, nanos: number): string {
  const d = checkRange(secs);
  return `${year(d.getUTCFullYear())}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds() + leap(nanos))}Z`;
}

/** `YYYY-MM-DDTHH:MM:SS±HH:MM` in the local time zone (`TZ`). */
export function formatCtimeLocal(secs: bigint, nanos: number): string {
  const d = checkRange(secs);
  const east = -Math.trunc(d.getTimezoneOffset());
  const sign = east < 0 ? "-" : "+";
  const abs = Math.abs(east);
  return `${year(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds() + leap(nanos))}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
