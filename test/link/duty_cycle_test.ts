import { assert, assertEquals } from "../assert.ts";
import type { LinkStatus } from "../../src/link/session_types.ts";
import type { Side } from "../../hw/emulator/radio_channel.ts";
import { Pair } from "./_scenario.ts";

const hourMs = 3_600_000;

/** The most airtime `side` used in any sliding hour, from the emulator's own record. */
function worstHourMs(pair: Pair, side: Side): number {
  const tx = pair.radio.transmissions.filter((t) => t.from === side);
  let worst = 0;
  for (const t of tx) {
    let sum = 0;
    for (const u of tx) {
      sum += Math.max(0, Math.min(u.endMs, t.endMs) - Math.max(u.startMs, t.endMs - hourMs));
    }
    worst = Math.max(worst, sum);
  }
  return worst;
}

Deno.test("with a backlog, a 1 % budget is never exceeded in any sliding hour and at least 95 % of it is used over 4 hours", async () => {
  const pair = await Pair.create({ seed: 31, dutyCycle: 0.01 });
  try {
    for (let i = 0; i < 6; i++) await pair.queue(pair.a, 40_000, 300 + i);
    const start = pair.clock.now();
    const hours = 4;
    const untilMs = start + hours * hourMs;
    const statuses: LinkStatus[] = [];
    const [a, b] = await pair.clock.run(Promise.all([
      pair.session(pair.a, {
        untilMs,
        stopWhen: "never",
        statusEveryMs: hourMs,
        onStatus: (s) => statuses.push(s),
      }).run(),
      pair.session(pair.b, { untilMs, stopWhen: "never" }).run(),
    ]));
    assertEquals([a.reason, b.reason], ["deadline", "deadline"]);
    for (const side of ["a", "b"] as const) {
      const worst = worstHourMs(pair, side);
      assert(worst <= 36_000 + 1e-6, `${side} used ${worst} ms in one hour`);
    }
    const used = pair.radio.airtimeMs("a") / (0.01 * hours * hourMs);
    assert(used >= 0.95, `only ${(used * 100).toFixed(1)} % of the budget was used`);
    assert(b.stats.packetsReceived >= 2, "packets must get through within the budget");

    // Status: budget left and a queue-empty estimate, consistent with what the link achieved.
    assert(statuses.length >= 4);
    const first = statuses[0]!;
    assert(first.budgetLeftMs >= 0 && first.budgetLeftMs <= first.budgetLimitMs);
    assertEquals(first.budgetLimitMs, 36_000);
    const achievedBytesPerHour = b.stats.payloadBytesReceived / hours;
    const predictedMs = (first.queueBytes / achievedBytesPerHour) * hourMs;
    const estimatedMs = first.queueEmptyAtMs - first.atMs;
    assert(
      estimatedMs > 0.7 * predictedMs && estimatedMs < 1.3 * predictedMs,
      `estimate ${(estimatedMs / hourMs).toFixed(2)} h, achieved rate says ${
        (predictedMs / hourMs).toFixed(2)
      } h`,
    );
    assert(pair.a.lines.some((l) => l.includes("link-status") && l.includes("budgetLeftMs=")));
  } finally {
    await pair.cleanup();
  }
});

Deno.test("an idle permanent link polls at a growing interval and stays far below its budget", async () => {
  const pair = await Pair.create({ seed: 32, dutyCycle: 0.01 });
  try {
    const untilMs = pair.clock.now() + hourMs;
    const [a, b] = await pair.clock.run(Promise.all([
      pair.session(pair.a, { untilMs, stopWhen: "never" }).run(),
      pair.session(pair.b, { untilMs, stopWhen: "never" }).run(),
    ]));
    assertEquals([a.reason, b.reason], ["deadline", "deadline"]);
    const frames = pair.radio.transmissions.length;
    assert(frames < 100, `${frames} frames in an idle hour`);
    assert(pair.radio.airtimeMs("a") < 0.1 * 36_000);
  } finally {
    await pair.cleanup();
  }
});
