/**
 * The turn timer's stale-frame window (a KISS TNC still holds this side's
 * turn): frames of one peer turn delay it once, a peer repeating its turn
 * cannot keep this side deaf, and the window has a hard end.
 */

import { assert, assertEquals } from "../assert.ts";
import { ManualClock } from "../../hw/mock/manual_clock.ts";
import { type DerivedLimits, linkLimitsDefault } from "../../src/link/limits.ts";
import { TurnTimer } from "../../src/link/turn_timer.ts";

const derived: DerivedLimits = {
  fragBytes: 200,
  dataFrameMs: 1_000,
  controlFrameMs: 400,
  replyTimeoutControlMs: 2_000,
  replyTimeoutDataMs: 3_000,
};

function timer(clock: ManualClock): TurnTimer {
  const limits = { ...linkLimitsDefault, linkLatencyMs: 500 };
  return new TurnTimer(limits, derived, clock, true, () => 0.5);
}

async function at(clock: ManualClock, ms: number): Promise<void> {
  await clock.advance(ms - clock.now());
}

Deno.test("frames of one peer turn that cross this side's queued turn delay it once", async () => {
  const clock = new ManualClock(0);
  const t = timer(clock);
  t.afterMyTurn(false, 0, 750); // 750 ms of this turn still in the TNC
  // The peer's turn of four data frames was already under way: it hears us only after it.
  for (const [ms, rem] of [[500, 3], [1_500, 2], [2_500, 1], [3_500, 0]] as const) {
    await at(clock, ms);
    assert(t.stale(rem, derived.dataFrameMs), `the frame at ${ms} ms predates our turn`);
  }
  // Our 750 ms went out after the peer's last frame ended (3.5 s): by 4.75 s, not later.
  await at(clock, 4_800);
  assertEquals(t.stale(0, derived.controlFrameMs), false);
  t.onFrame(0, derived.controlFrameMs);
  assertEquals(t.retries, 0);
});

Deno.test("a peer repeating its turn while this side's turn is queued cannot keep it deaf", async () => {
  const clock = new ManualClock(0);
  const t = timer(clock);
  t.afterMyTurn(false, 0, 750);
  // A four-frame turn crossing ours, then the same turn repeated every 6 s (the peer's
  // reply timeouts): before the fix each stale frame doubled the window and the deadline,
  // and every repeat was taken for stale again.
  let staleFrames = 0;
  let heard = -1;
  for (let turn = 0; turn < 10 && heard < 0; turn++) {
    const start = 300 + turn * 6_000;
    for (const [offset, rem] of [[0, 3], [1_000, 2], [2_000, 1], [3_000, 0]] as const) {
      await at(clock, start + offset);
      if (t.stale(rem, derived.dataFrameMs)) staleFrames++;
      else if (heard < 0) heard = clock.now();
    }
  }
  assertEquals(heard, 6_300, "the first repeat is heard as the reply");
  assertEquals(staleFrames, 4);
  assert(t.deadlineMs < 20_000, `deadline ${t.deadlineMs} ms`);
});

Deno.test("the stale window ends at most replyTimeoutMsMax after this side's own airtime", async () => {
  const clock = new ManualClock(0);
  const t = timer(clock);
  t.afterMyTurn(false, 0, 750);
  // A peer that never stops sending (each frame announces one more).
  let lastStaleMs = 0;
  for (let ms = 100; ms < 300_000; ms += 1_000) {
    await at(clock, ms);
    if (!t.stale(1, derived.dataFrameMs)) break;
    lastStaleMs = ms;
  }
  assert(
    lastStaleMs <= 750 + linkLimitsDefault.replyTimeoutMsMax,
    `frames were stale until ${lastStaleMs} ms`,
  );
  assert(lastStaleMs > 60_000, "a busy channel does delay the queued turn");
});
