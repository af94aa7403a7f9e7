/**
 * Human sizes the way NNCP prints them in its log messages (`1008 B`,
 * `4.5 KiB`, `200 KiB`): powers of 1024, one decimal below ten.
 *
 * @example
 * ```ts
 * import { humanBytes } from "./humanize.ts";
 * console.assert(humanBytes(4576) === "4.5 KiB");
 * console.assert(humanBytes(1008) === "1008 B");
 * ```
 * @module
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/** Formats a byte count as NNCP (go-humanize `IBytes`) does. */
export function humanBytes(bytes: number): string {
  if (bytes < 10) return `${bytes} B`;
  const e = Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), UNITS.length - 1);
  const value = Math.floor((bytes / 1024 ** e) * 10 + 0.5) / 10;
  return `${value < 10 ? value.toFixed(1) : roundHalfEven(value)} ${UNITS[e]}`;
}

/** Go's `%.0f`: the nearest whole number, halves to the even one. */
function roundHalfEven(value: number): string {
  const whole = Math.floor(value);
  const frac = value - whole;
  if (Math.abs(frac - 0.5) < 1e-9) return String(whole % 2 === 0 ? whole : whole + 1);
  return String(Math.round(value));
}
