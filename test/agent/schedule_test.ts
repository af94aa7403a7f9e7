import { assertEquals, assertThrows } from "../assert.ts";
import { REPO_ROOT, run } from "../helpers.ts";
import { parseWindows, windowState } from "../../src/agent/schedule.ts";

/** A local time on 2026-03-10 (day offset, hours, minutes). */
const at = (h: number, m = 0, day = 0) => new Date(2026, 2, 10 + day, h, m).getTime();

Deno.test("no windows means the link is always open and never changes", () => {
  assertEquals(windowState([], at(3)), { open: true, changesAtMs: Infinity });
});

Deno.test("a daytime window is open inside, closes at its end, and opens next at its start", () => {
  const w = parseWindows(["06:00-07:30"]);
  assertEquals(windowState(w, at(6, 30)), { open: true, changesAtMs: at(7, 30) });
  assertEquals(windowState(w, at(5)), { open: false, changesAtMs: at(6) });
  assertEquals(windowState(w, at(8)), { open: false, changesAtMs: at(6, 0, 1) });
});

Deno.test("a window's start is inside it and its end is outside", () => {
  const w = parseWindows(["06:00-07:30"]);
  assertEquals(windowState(w, at(6)).open, true);
  assertEquals(windowState(w, at(7, 30)), { open: false, changesAtMs: at(6, 0, 1) });
});

Deno.test("a window crossing midnight is open late and early, and closes the next morning", () => {
  const w = parseWindows(["22:00-06:00"]);
  assertEquals(windowState(w, at(23)), { open: true, changesAtMs: at(6, 0, 1) });
  assertEquals(windowState(w, at(0)), { open: true, changesAtMs: at(6) });
  assertEquals(windowState(w, at(3)), { open: true, changesAtMs: at(6) });
  assertEquals(windowState(w, at(12)), { open: false, changesAtMs: at(22) });
  assertEquals(windowState(w, at(6)), { open: false, changesAtMs: at(22) });
});

Deno.test("of several windows the nearest edge counts, and overlapping windows act as one", () => {
  const w = parseWindows(["06:00-07:00", "18:00-19:00"]);
  assertEquals(windowState(w, at(12)), { open: false, changesAtMs: at(18) });
  assertEquals(windowState(w, at(20)), { open: false, changesAtMs: at(6, 0, 1) });
  const overlapping = parseWindows(["06:00-08:00", "07:00-09:00"]);
  assertEquals(windowState(overlapping, at(7, 30)), { open: true, changesAtMs: at(9) });
  const chained = parseWindows(["22:00-24:00", "00:00-02:00"]);
  assertEquals(windowState(chained, at(23)), { open: true, changesAtMs: at(2, 0, 1) });
});

Deno.test("a whole-day window never closes", () => {
  assertEquals(windowState(parseWindows(["00:00-24:00"]), at(13)), {
    open: true,
    changesAtMs: Infinity,
  });
});

Deno.test("malformed or empty windows are refused with the window named", () => {
  for (const bad of ["25:00-01:00", "6-7", "06:00-06:00", "06:60-07:00", "24:01-01:00", ""]) {
    assertThrows(() => parseWindows([bad]), SyntaxError, JSON.stringify(bad));
  }
});

Deno.test("on the day clocks go forward, a 06:00 window opens at 06:00 on the wall clock", async () => {
  // Europe/Berlin skips 02:00-03:00 on 2026-03-29: 23 hours from midnight to midnight.
  const code = `
    import { parseWindows, windowState } from "${REPO_ROOT}/src/agent/schedule.ts";
    const w = parseWindows(["06:00-07:00"]);
    const from = new Date(2026, 2, 29, 1, 0).getTime();
    const s = windowState(w, from);
    const opens = new Date(s.changesAtMs);
    console.log(JSON.stringify([s.open, opens.getHours(), opens.getMinutes(), (s.changesAtMs - from) / 3600000]));
  `;
  const r = await run(Deno.execPath(), ["eval", code], {
    env: { TZ: "Europe/Berlin", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
  });
  assertEquals(r.code, 0, r.stderr);
  assertEquals(JSON.parse(r.stdout), [false, 6, 0, 4]);
});
