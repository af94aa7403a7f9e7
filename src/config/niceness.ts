/**
 * NNCP's niceness levels (1-255, lower is more urgent) and their text form:
 * a number, or `FLASH`/`F` (32), `PRIORITY`/`P` (96), `NORMAL`/`N` (160),
 * `BULK`/`B` (224) with an optional `+N`/`-N` delta, or `MAX` (255), case
 * insensitive.
 *
 * @example
 * ```ts
 * import { formatNiceness, parseNiceness } from "./niceness.ts";
 * console.assert(parseNiceness("F+5") === 37);
 * console.assert(parseNiceness("bulk") === 224);
 * console.assert(formatNiceness(97) === "P+1");
 * ```
 * @module
 */

/** Named levels. */
export const NICE = { FLASH: 32, PRIORITY: 96, NORMAL: 160, BULK: 224, MAX: 255 } as const;
/** Lowest (most urgent) and highest niceness. */
export const niceMin = 1;
export const niceMax = 255;

const WORDS: Record<string, number> = {
  F: NICE.FLASH,
  FLASH: NICE.FLASH,
  P: NICE.PRIORITY,
  PRIORITY: NICE.PRIORITY,
  N: NICE.NORMAL,
  NORMAL: NICE.NORMAL,
  B: NICE.BULK,
  BULK: NICE.BULK,
};

/**
 * Parses a niceness: a number 1-255 or a word with an optional delta.
 * @throws {RangeError} for a number out of range; {@linkcode SyntaxError} for
 * an unknown word. The message quotes the value and lists what is allowed.
 */
export function parseNiceness(value: string | number): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < niceMin || value > niceMax) {
      throw new RangeError(`niceness ${value} is out of range: use 1-255 or F, P, N, B, MAX`);
    }
    return value;
  }
  const text = value.trim().toUpperCase();
  if (/^\d+$/.test(text)) return parseNiceness(Number(text));
  if (text === "MAX") return NICE.MAX;
  const match = /^([A-Z]+)(?:([+-])(\d+))?$/.exec(text);
  const base = match ? WORDS[match[1]!] : undefined;
  if (!match || base === undefined) {
    throw new SyntaxError(
      `unknown niceness ${JSON.stringify(value)}: use 1-255, FLASH (F), PRIORITY (P), ` +
        `NORMAL (N), BULK (B) with an optional +N/-N, or MAX`,
    );
  }
  const delta = match[3] === undefined ? 0 : Number(match[3]) * (match[2] === "-" ? -1 : 1);
  if (delta < -31 || delta > 32) {
    throw new RangeError(`niceness ${JSON.stringify(value)}: the delta must be within -31..+32`);
  }
  return parseNiceness(base + delta);
}

/**
 * Formats a niceness the way NNCP 8.8.2 prints it: `MAX` for 255, `F`, `P`,
 * `N`, `B` with a delta of -30..+32, and a plain number for the four levels
 * in between (1, 65, 129, 193).
 */
export function formatNiceness(nice: number): string {
  if (nice === NICE.MAX) return "MAX";
  for (
    const [letter, base] of [["F", NICE.FLASH], ["P", NICE.PRIORITY], ["N", NICE.NORMAL], [
      "B",
      NICE.BULK,
    ]] as const
  ) {
    const delta = nice - base;
    if (delta >= -30 && delta <= 32) {
      return delta === 0 ? letter : `${letter}${delta > 0 ? "+" : ""}${delta}`;
    }
  }
  return String(nice);
}
