/**
 * Cron expressions as NNCP's `calls` section writes them (NNCP reads them
 * with the gorhill/cronexpr rules): 5, 6 or 7 fields
 *
 * ```
 * [second] minute hour day-of-month month day-of-week [year]
 * ```
 *
 * Five fields get second 0 and any year; six fields are minute … year (second
 * 0); seven fields start with the second. Fields past the seventh are ignored,
 * as NNCP does ({@linkcode CronExpression.ignoredFields} counts them). Each
 * field is a comma list of `*` (or `?`), `N`, `N-M`, `*∕S`, `N∕S`, `N-M∕S`;
 * months and weekdays also take names (`jan`, `january`, `mon`, `monday`, any
 * case), weekday 7 is Sunday. Day of month also takes `L` (last day), `LW`
 * (last weekday), `15W` (weekday nearest the 15th, not crossing the month);
 * day of week also takes `5L` (last Friday) and `5#3` (third Friday). When
 * both day fields are restricted, a day matching either one fires, as in
 * crontab(5). `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily` and
 * `@hourly` stand for their usual expressions. Years run 1970-2099.
 *
 * Times are the machine's local time; a local time that does not exist (the
 * hour skipped when daylight saving time starts) is skipped.
 *
 * @example
 * ```ts
 * import { parseCron } from "./cron.ts";
 * const every10 = parseCron("*\/10 * * * *");
 * const from = new Date(2026, 0, 1, 12, 3, 0).getTime();
 * console.assert(every10.next(from) === new Date(2026, 0, 1, 12, 10, 0).getTime());
 * ```
 * @module
 */

/** One field's name and range. */
interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = {};
[
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
].forEach((m, i) => {
  MONTHS[m] = i + 1;
  MONTHS[m.slice(0, 3)] = i + 1;
});
const DAYS: Record<string, number> = {};
["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"].forEach(
  (d, i) => {
    DAYS[d] = i;
    DAYS[d.slice(0, 3)] = i;
  },
);

const SECOND: FieldSpec = { name: "second", min: 0, max: 59 };
const MINUTE: FieldSpec = { name: "minute", min: 0, max: 59 };
const HOUR: FieldSpec = { name: "hour", min: 0, max: 23 };
const DOM: FieldSpec = { name: "day-of-month", min: 1, max: 31 };
const MONTH: FieldSpec = { name: "month", min: 1, max: 12, names: MONTHS };
// 7 is accepted as Sunday and folded to 0.
const DOW: FieldSpec = { name: "day-of-week", min: 0, max: 7, names: DAYS };
const YEAR: FieldSpec = { name: "year", min: 1970, max: 2099 };

/** First and last year a cron expression can name. */
export const cronYearMin = 1970;
/** Last year a cron expression can name; {@linkcode CronExpression.next} returns null past it. */
export const cronYearMax = 2099;

const ALIASES: Record<string, string> = {
  "@yearly": "0 0 0 1 1 * *",
  "@annually": "0 0 0 1 1 * *",
  "@monthly": "0 0 0 1 * * *",
  "@weekly": "0 0 0 * * 0 *",
  "@daily": "0 0 0 * * * *",
  "@hourly": "0 0 * * * * *",
};

function bad(expr: string, why: string): SyntaxError {
  return new SyntaxError(`cron expression ${JSON.stringify(expr)}: ${why}`);
}

function value(token: string, spec: FieldSpec, expr: string): number {
  const t = token.toLowerCase();
  let v: number | undefined;
  if (/^\d{1,4}$/.test(t)) v = Number(t);
  else if (spec.names && t in spec.names) v = spec.names[t];
  if (v === undefined) {
    const hint = spec.names ? ` or a name such as ${Object.keys(spec.names)[1]}` : "";
    throw bad(expr, `${spec.name} field: ${JSON.stringify(token)} is not a number${hint}`);
  }
  if (v < spec.min || v > spec.max) {
    throw bad(
      expr,
      `${spec.name} field: ${v} is out of range ${spec.min}-${spec.max}`,
    );
  }
  return v;
}

function step(token: string, spec: FieldSpec, expr: string): number {
  if (!/^\d{1,4}$/.test(token)) {
    throw bad(expr, `${spec.name} field: step ${JSON.stringify(token)} is not a number`);
  }
  const s = Number(token);
  if (s < 1 || s > spec.max) {
    throw bad(expr, `${spec.name} field: step ${s} must be 1-${spec.max}`);
  }
  return s;
}

/** Parses one plain list entry (`*`, `N`, `N-M`, with an optional `/S`) into `out`. */
function entry(item: string, spec: FieldSpec, expr: string, out: Set<number>): boolean {
  const [range, stepText, extra] = item.split("/");
  if (extra !== undefined || range === undefined || range === "") {
    throw bad(expr, `${spec.name} field: cannot read ${JSON.stringify(item)}`);
  }
  const by = stepText === undefined ? 1 : step(stepText, spec, expr);
  let lo: number, hi: number;
  let wildcard = false;
  if (range === "*" || range === "?") {
    [lo, hi] = [spec.min, spec.max === 7 ? 6 : spec.max];
    wildcard = stepText === undefined;
  } else if (range.includes("-")) {
    const [a, b, more] = range.split("-");
    if (more !== undefined || !a || !b) {
      throw bad(expr, `${spec.name} field: cannot read range ${JSON.stringify(range)}`);
    }
    lo = value(a, spec, expr);
    hi = value(b, spec, expr);
    if (hi < lo) {
      throw bad(
        expr,
        `${spec.name} field: range ${
          JSON.stringify(range)
        } runs backwards; write ${lo}-${spec.max},${spec.min}-${hi}`,
      );
    }
  } else {
    lo = value(range, spec, expr);
    hi = stepText === undefined ? lo : spec.max;
  }
  for (let v = lo; v <= hi; v += by) out.add(spec === DOW ? v % 7 : v);
  return wildcard;
}

function list(field: string, spec: FieldSpec, expr: string): number[] {
  const out = new Set<number>();
  for (const item of splitItems(field, spec, expr)) entry(item, spec, expr, out);
  return [...out].sort((a, b) => a - b);
}

function splitItems(field: string, spec: FieldSpec, expr: string): string[] {
  const items = field.split(",");
  if (items.some((i) => i === "")) {
    throw bad(expr, `${spec.name} field: empty item in ${JSON.stringify(field)}`);
  }
  return items;
}

/** The day-of-month field. */
interface DomRule {
  restricted: boolean;
  days: Set<number>;
  /** Days `NW`: the weekday nearest day N. */
  workdays: Set<number>;
  last: boolean;
  lastWorkday: boolean;
}

/** The day-of-week field. */
interface DowRule {
  restricted: boolean;
  days: Set<number>;
  /** `D#N`: encoded as (N-1)*7 + D. */
  nth: Set<number>;
  /** `DL`: the last D of the month. */
  last: Set<number>;
}

function domRule(field: string, expr: string): DomRule {
  const rule: DomRule = {
    restricted: true,
    days: new Set(),
    workdays: new Set(),
    last: false,
    lastWorkday: false,
  };
  for (const item of splitItems(field, DOM, expr)) {
    const t = item.toLowerCase();
    if (t === "l") rule.last = true;
    else if (t === "lw") rule.lastWorkday = true;
    else if (/^\d+w$/.test(t)) rule.workdays.add(value(t.slice(0, -1), DOM, expr));
    else if (t.includes("w") || t.includes("l")) {
      throw bad(
        expr,
        `day-of-month field: ${
          JSON.stringify(item)
        } is not L, LW or a single day with W (e.g. 15W)`,
      );
    } else if (entry(item, DOM, expr, rule.days)) rule.restricted = false;
  }
  return rule;
}

function dowRule(field: string, expr: string): DowRule {
  const rule: DowRule = { restricted: true, days: new Set(), nth: new Set(), last: new Set() };
  for (const item of splitItems(field, DOW, expr)) {
    const t = item.toLowerCase();
    const lastM = /^(.+)l$/.exec(t);
    const nthM = /^(.+)#(.*)$/.exec(t);
    if (nthM) {
      const d = value(nthM[1]!, DOW, expr) % 7;
      if (!/^[1-5]$/.test(nthM[2]!)) {
        throw bad(expr, `day-of-week field: in ${JSON.stringify(item)} the week must be 1-5`);
      }
      rule.nth.add((Number(nthM[2]) - 1) * 7 + d);
    } else if (lastM) {
      rule.last.add(value(lastM[1]!, DOW, expr) % 7);
    } else if (entry(item, DOW, expr, rule.days)) rule.restricted = false;
  }
  return rule;
}

/** The weekday nearest `day` of the month, not leaving the month (cronexpr's rule). */
function workdayNear(year: number, month: number, day: number, lastDay: number): number {
  const dow = new Date(year, month - 1, day).getDay();
  if (dow === 6) return day > 1 ? day - 1 : day + 2;
  if (dow === 0) return day < lastDay ? day + 1 : day - 2;
  return day;
}

/** A parsed cron expression. */
export class CronExpression {
  /** The text it was parsed from. */
  readonly text: string;
  /** Fields past the seventh, which NNCP ignores too (the config check warns). */
  readonly ignoredFields: number;
  readonly seconds: number[];
  readonly minutes: number[];
  readonly hours: number[];
  readonly months: number[];
  readonly years: number[];
  readonly #dom: DomRule;
  readonly #dow: DowRule;

  /** Parses `text`. @throws {SyntaxError} naming the field and what is wrong. */
  constructor(text: string) {
    this.text = text;
    let norm = text;
    for (const [alias, full] of Object.entries(ALIASES)) norm = norm.replaceAll(alias, full);
    const fields = norm.trim().split(/\s+/).filter((f) => f !== "");
    if (fields.some((f) => f.startsWith("@"))) {
      throw bad(
        text,
        `unknown shorthand; known: ${Object.keys(ALIASES).join(", ")}`,
      );
    }
    if (fields.length < 5) {
      throw bad(
        text,
        `has ${fields.length} field(s), needs at least 5: minute hour day-of-month month day-of-week (e.g. "*/10 * * * *")`,
      );
    }
    this.ignoredFields = Math.max(0, fields.length - 7);
    const f = fields.slice(0, 7);
    const withSeconds = f.length === 7;
    let i = 0;
    this.seconds = withSeconds ? list(f[i++]!, SECOND, text) : [0];
    this.minutes = list(f[i++]!, MINUTE, text);
    this.hours = list(f[i++]!, HOUR, text);
    this.#dom = domRule(f[i++]!, text);
    this.months = list(f[i++]!, MONTH, text);
    this.#dow = dowRule(f[i++]!, text);
    this.years = i < f.length ? list(f[i]!, YEAR, text) : [];
    if (this.years.length === 0) {
      for (let y = YEAR.min; y <= YEAR.max; y++) this.years.push(y);
    }
  }

  /** The days of `month` (1-12) of `year` this expression fires on, ascending. */
  daysOf(year: number, month: number): number[] {
    const lastDay = new Date(year, month, 0).getDate();
    const dom = this.#dom, dow = this.#dow;
    if (!dom.restricted && !dow.restricted) {
      return Array.from({ length: lastDay }, (_, k) => k + 1);
    }
    const out = new Set<number>();
    if (dom.restricted) {
      if (dom.last) out.add(lastDay);
      if (dom.lastWorkday) out.add(workdayNear(year, month, lastDay, lastDay));
      for (const d of dom.days) if (d <= lastDay) out.add(d);
      for (const d of dom.workdays) if (d <= lastDay) out.add(workdayNear(year, month, d, lastDay));
    }
    if (dow.restricted) {
      const firstDow = new Date(year, month - 1, 1).getDay();
      for (let d = 1; d <= lastDay; d++) {
        const wd = (firstDow + d - 1) % 7;
        if (dow.days.has(wd)) out.add(d);
        if (dow.nth.has(Math.floor((d - 1) / 7) * 7 + wd)) out.add(d);
        if (dow.last.has(wd) && d + 7 > lastDay) out.add(d);
      }
    }
    return [...out].sort((a, b) => a - b);
  }

  /**
   * The first time strictly after `fromMs` (ms since the epoch) that matches,
   * in whole seconds; null when none is left before the end of
   * {@linkcode cronYearMax}.
   */
  next(fromMs: number): number | null {
    const start = new Date(Math.floor(fromMs / 1000) * 1000 + 1000);
    const sy = start.getFullYear(), sm = start.getMonth() + 1, sd = start.getDate();
    for (const year of this.years) {
      if (year < sy) continue;
      for (const month of this.months) {
        if (year === sy && month < sm) continue;
        for (const day of this.daysOf(year, month)) {
          const sameDay = year === sy && month === sm && day === sd;
          if (year === sy && month === sm && day < sd) continue;
          const hit = sameDay
            ? this.#firstInDay(year, month, day, start)
            : this.#firstInDay(year, month, day, null);
          if (hit !== null) return hit;
        }
      }
    }
    return null;
  }

  /** The first matching second of one local day, at or after `notBefore` when given. */
  #firstInDay(year: number, month: number, day: number, notBefore: Date | null): number | null {
    const notBeforeMs = notBefore?.getTime() ?? -Infinity;
    const bh = notBefore?.getHours() ?? 0, bm = notBefore?.getMinutes() ?? 0;
    for (const h of this.hours) {
      if (h < bh) continue;
      for (const m of this.minutes) {
        if (h === bh && m < bm) continue;
        for (const s of this.seconds) {
          const t = new Date(year, month - 1, day, h, m, s);
          // A local time skipped by daylight saving time normalises to another hour: not a match.
          if (t.getHours() !== h || t.getMinutes() !== m || t.getDate() !== day) continue;
          if (t.getTime() >= notBeforeMs) return t.getTime();
        }
      }
    }
    return null;
  }

  /** The next `n` fire times after `fromMs` (fewer when the years run out). */
  nextN(fromMs: number, n: number): number[] {
    const out: number[] = [];
    let at = fromMs;
    while (out.length < n) {
      const t = this.next(at);
      if (t === null) break;
      out.push(t);
      at = t;
    }
    return out;
  }
}

/** Parses a cron expression. @throws {SyntaxError} naming the field and what is wrong. */
export function parseCron(text: string): CronExpression {
  return new CronExpression(text);
}
