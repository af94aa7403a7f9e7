import { assert, assertEquals, assertStringIncludes, assertThrows } from "../assert.ts";
import { run } from "../helpers.ts";
import { CronExpression, parseCron } from "../../src/schedule/mod.ts";

const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) =>
  new Date(y, mo - 1, d, h, mi, s).getTime();
const iso = (ms: number) => new Date(ms).toISOString();

function nextN(expr: string, from: number, n: number): string[] {
  return parseCron(expr).nextN(from, n).map(iso);
}

function expectTimes(expr: string, from: number, want: number[]): void {
  assertEquals(nextN(expr, from, want.length), want.map(iso), expr);
}

Deno.test("cron: five fields fire on the minute, strictly after the start", () => {
  expectTimes("*/10 * * * *", local(2026, 1, 1, 12, 3, 7), [
    local(2026, 1, 1, 12, 10),
    local(2026, 1, 1, 12, 20),
    local(2026, 1, 1, 12, 30),
  ]);
  // Exactly on a fire time: the next one, not the same.
  expectTimes("0 * * * *", local(2026, 1, 1, 12, 0, 0), [local(2026, 1, 1, 13)]);
  // Crossing midnight, month and year ends.
  expectTimes("30 23 * * *", local(2026, 12, 31, 23, 45), [local(2027, 1, 1, 23, 30)]);
});

Deno.test("cron: seven fields carry seconds and year; six fields carry a year", () => {
  expectTimes("*/15 * * * * * *", local(2026, 3, 1, 0, 0, 50), [
    local(2026, 3, 1, 0, 1, 0),
    local(2026, 3, 1, 0, 1, 15),
  ]);
  expectTimes("0 12 1 1 * 2030", local(2026, 6, 1), [local(2030, 1, 1, 12)]);
  assertEquals(parseCron("0 12 1 1 * 2030").next(local(2030, 1, 2)), null);
});

Deno.test("cron: names, ranges, steps, 7 as Sunday and the shorthands", () => {
  // 2026-03-02 is a Monday.
  expectTimes("0 9 * * MON-FRI", local(2026, 3, 6, 10), [local(2026, 3, 9, 9)]);
  expectTimes("0 9 * * sunday,7", local(2026, 3, 2), [local(2026, 3, 8, 9), local(2026, 3, 15, 9)]);
  expectTimes("0 0 1 jan-mar/2 *", local(2026, 1, 5), [local(2026, 3, 1), local(2027, 1, 1)]);
  expectTimes("5/20 * * * *", local(2026, 1, 1, 0, 6), [
    local(2026, 1, 1, 0, 25),
    local(2026, 1, 1, 0, 45),
    local(2026, 1, 1, 1, 5),
  ]);
  expectTimes("@daily", local(2026, 1, 1, 5), [local(2026, 1, 2)]);
  expectTimes("@weekly", local(2026, 3, 2), [local(2026, 3, 8)]);
  expectTimes("@hourly", local(2026, 1, 1, 5, 1), [local(2026, 1, 1, 6)]);
  expectTimes("@yearly", local(2026, 1, 1, 5), [local(2027, 1, 1)]);
  expectTimes("@monthly", local(2026, 1, 31), [local(2026, 2, 1)]);
});

Deno.test("cron: L, LW, W, last weekday of month and nth weekday", () => {
  expectTimes("0 0 L * *", local(2027, 1, 31, 1), [local(2027, 2, 28), local(2027, 3, 31)]);
  expectTimes("0 0 L 2 *", local(2027, 3, 1), [local(2028, 2, 29)]);
  // 2026-05-31 is a Sunday: the last weekday is Friday the 29th.
  expectTimes("0 0 LW 5 *", local(2026, 1, 1), [local(2026, 5, 29)]);
  // 2026-08-15 is a Saturday → Friday 14th; 2026-11-15 a Sunday → Monday 16th.
  expectTimes("0 0 15W 8,11 *", local(2026, 1, 1), [local(2026, 8, 14), local(2026, 11, 16)]);
  // 2026-08-01 is a Saturday: 1W does not leave the month, so Monday the 3rd.
  expectTimes("0 0 1W 8 *", local(2026, 1, 1), [local(2026, 8, 3)]);
  // Last Friday, third Friday.
  expectTimes("0 0 * 12 5L", local(2026, 1, 1), [local(2026, 12, 25)]);
  expectTimes("0 0 * 12 FRI#3", local(2026, 1, 1), [local(2026, 12, 18)]);
  // A day that never comes: no next time (February 31st).
  assertEquals(parseCron("0 0 31 2 *").next(local(2026, 1, 1)), null);
  // Leap day.
  expectTimes("0 0 29 2 *", local(2026, 1, 1), [local(2028, 2, 29), local(2032, 2, 29)]);
});

Deno.test("cron: both day fields restricted fire on either, as crontab does", () => {
  // 2026-12-01 is a Tuesday; Mondays of December and the 1st.
  expectTimes("0 0 1 12 1", local(2026, 11, 30, 1), [
    local(2026, 12, 1),
    local(2026, 12, 7),
    local(2026, 12, 14),
  ]);
});

Deno.test("cron: fields beyond the seventh are ignored and counted", () => {
  const e = parseCron("0 0 0 1 1 * 2030 extra more");
  assertEquals(e.ignoredFields, 2);
  assertEquals(e.next(local(2026, 1, 1)), local(2030, 1, 1));
});

Deno.test("cron: bad expressions are refused with the field and the reason", () => {
  const cases: [string, string][] = [
    ["", "needs at least 5"],
    ["* * * *", "has 4 field(s)"],
    ["61 * * * *", "minute field: 61 is out of range 0-59"],
    ["* 24 * * *", "hour field: 24 is out of range 0-23"],
    ["* * 0 * *", "day-of-month field: 0 is out of range 1-31"],
    ["* * * 13 *", "month field: 13 is out of range 1-12"],
    ["* * * * 8", "day-of-week field: 8 is out of range 0-7"],
    ["* * * * * 1969", "year field: 1969 is out of range 1970-2099"],
    ["5-1 * * * *", "runs backwards"],
    ["*/0 * * * *", "step 0 must be 1-59"],
    ["*/x * * * *", 'step "x" is not a number'],
    ["1,,2 * * * *", "empty item"],
    ["* * * foo *", 'month field: "foo" is not a number or a name'],
    ["* * 1-5W * *", "single day with W"],
    ["* * * * 5#6", "the week must be 1-5"],
    ["@fortnightly", "unknown shorthand"],
    ["1/2/3 * * * *", "cannot read"],
  ];
  for (const [expr, want] of cases) {
    const err = assertThrows(() => parseCron(expr), SyntaxError);
    assertStringIncludes(err.message, want, expr);
    assertStringIncludes(err.message, JSON.stringify(expr));
  }
});

Deno.test("cron: a local time skipped by daylight saving time is not a fire time", async () => {
  // Run in a zone with DST; 2026-03-08 02:00-03:00 does not exist in New York.
  const code = `
    import { parseCron } from ${
    JSON.stringify(new URL("../../src/schedule/mod.ts", import.meta.url).href)
  };
    const from = new Date(2026, 2, 7, 12, 0).getTime();
    console.log(parseCron("30 2 * * *").nextN(from, 2).map((t) => new Date(t).toISOString()).join(","));
  `;
  const r = await run(Deno.execPath(), ["eval", code], {
    env: { TZ: "America/New_York", PATH: Deno.env.get("PATH") ?? "" },
  });
  assertEquals(r.code, 0, r.stderr);
  // 2:30 EST on 7th is 07:30Z; none on the 8th; 2:30 EDT on the 9th is 06:30Z.
  assertEquals(r.stdout.trim(), "2026-03-09T06:30:00.000Z,2026-03-10T06:30:00.000Z");
});

/** Asks NNCP's own `nncp-cronexpr` for the next times and compares with ours from its "Now". */
async function againstNncp(expr: string, count: number): Promise<void> {
  const r = await run("nncp-cronexpr", ["-num", String(count), expr]);
  assertEquals(r.code, 0, `nncp-cronexpr ${expr}: ${r.stderr}`);
  const lines = r.stdout.trim().split("\n");
  const now = /^Now:\s+(\S+)/.exec(lines[0] ?? "");
  assert(now, `no Now: line in ${r.stdout}`);
  const theirs = lines.slice(1).map((l) => new Date(l.split("\t")[1]!).getTime()).map(iso);
  const fromMs = new Date(now[1]!.replace(/(\.\d{3})\d+/, "$1")).getTime();
  assertEquals(nextN(expr, fromMs, count), theirs, `${expr} from ${now[1]}`);
}

Deno.test("cron: the same next times as NNCP's nncp-cronexpr", async () => {
  const exprs = [
    "*/10 * * * *",
    "*/7 * * * * * *",
    "0 0 L * *",
    "0 0 LW * *",
    "0 0 15W * *",
    "0 0 1W * *",
    "0 0 * * 5L",
    "0 0 * * 5#3",
    "0 0 1 * 1",
    "0 0 29 2 *",
    "0 9-17/2 * * MON-FRI",
    "0 0 * * sun-wed/2",
    "0 0 * * 7",
    "30 4 1,15 * *",
    "@weekly",
    "@monthly",
    "0 12 * * * 2027-2029",
    "* * * * * * * extra",
    "0 0 ? * mon",
    "0 0 1-31/10 * *",
    "30 6 * jan,JUL wednesday",
    "0 0 LW,15 * *",
    "0 0 * * 1#1,5L",
    "@daily",
    "@hourly",
  ];
  for (const expr of exprs) await againstNncp(expr, 6);
});

Deno.test("cron: CronExpression keeps the parsed lists", () => {
  const e = new CronExpression("0 8-10 * * *");
  assertEquals(e.hours, [8, 9, 10]);
  assertEquals(e.minutes, [0]);
  assertEquals(e.seconds, [0]);
  assertEquals(e.text, "0 8-10 * * *");
});
