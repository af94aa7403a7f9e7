import { assert, assertEquals, assertThrows } from "../assert.ts";
import { DelayEstimator } from "../../src/link/rtt.ts";
import { RadioChannel } from "../../hw/emulator/radio_channel.ts";
import { SimClock } from "../../hw/emulator/sim_clock.ts";
import { TncStation } from "../../hw/emulator/tnc_station.ts";
import { Pair } from "./_scenario.ts";
import { kissLatencyMs } from "../../src/radio/run_link.ts";
import type { LinkSettings } from "../../src/config/ferry_links.ts";

// A KISS TNC at 1200 bit/s as Dire Wolf is set up by default: 300 ms TXDELAY,
// persistence 63 (a free slot is taken with probability 1/4), 100 ms slots.
const direwolfLike = { txDelayMs: 300, persistence: 63, slotTimeMs: 100 };
// What `ferry link` derives for such a TNC: TXDELAY and one slot on each side.
const limits = { linkLatencyMs: 2 * (300 + 100) };

Deno.test("delay estimator follows RFC 6298: first sample, smoothing, 4·RTTVAR, clamping and bounded back-off", () => {
  const e = new DelayEstimator({ initialMs: 1000, minMs: 200, maxMs: 10_000 });
  assertEquals(e.timeoutMs, 1000);
  e.sample(400); // SRTT = R, RTTVAR = R/2
  assertEquals([e.srttMs, e.rttvarMs, e.timeoutMs], [400, 200, 1200]);
  e.sample(800); // RTTVAR = 3/4·200 + 1/4·|400−800| = 250; SRTT = 7/8·400 + 1/8·800 = 450
  assertEquals([e.srttMs, e.rttvarMs, e.timeoutMs], [450, 250, 1450]);
  e.backoff();
  e.backoff();
  e.backoff(); // at most two doublings in a row
  assertEquals(e.timeoutMs, 5800);
  for (let i = 0; i < 60; i++) e.sample(10);
  assertEquals(e.timeoutMs, 200, "clamped to the model's minimum");
  const big = new DelayEstimator({ initialMs: 1000, minMs: 0, maxMs: 3000 });
  big.sample(5000);
  assertEquals(big.timeoutMs, 3000, "clamped to the maximum");
  assertThrows(() => new DelayEstimator({ initialMs: 1, minMs: 5, maxMs: 1 }), RangeError);
});

Deno.test("emulated TNC: send returns at once, CSMA waits for a clear channel, TXDELAY before the first frame only", async () => {
  const clock = new SimClock();
  const radio = new RadioChannel({ clock, bitsPerSecond: 1200, mtu: 256 });
  const a = new TncStation(radio, "a", { txDelayMs: 300, persistence: 255, slotTimeMs: 100 });
  const b = new TncStation(radio, "b", { txDelayMs: 300, persistence: 255, slotTimeMs: 100 });
  await clock.run((async () => {
    for (let i = 0; i < 3; i++) await a.send(new Uint8Array(150)); // 1 s of airtime each
    assertEquals(clock.now(), 0, "the TNC took all three frames at once");
    await clock.sleep(10);
    await b.send(new Uint8Array(15)); // b hears a's carrier and waits for it to end
    for (let i = 0; i < 3; i++) assertEquals((await radio.b.receive())?.length, 150);
    assertEquals((await radio.a.receive())?.length, 15);
  })());
  const tx = radio.transmissions;
  assertEquals(tx.map((t) => [t.from, t.startMs, t.endMs]), [
    ["a", 100, 1400], // one slot, then TXDELAY + first frame
    ["a", 1400, 2400],
    ["a", 2400, 3400],
    ["b", 3500, 3900], // a slot after a's carrier: TXDELAY + 100 ms frame
  ]);
  assertEquals(tx.every((t) => t.fate === "delivered"), true);
  assertEquals([a.keyUps, b.keyUps], [1, 1]);
  await a.close();
  await b.close();
});

Deno.test("a link through KISS TNCs (TXDELAY, p-persistence, queueing) at 1200 bit/s: no spurious retransmission, the timers learn the latency", async () => {
  for (const seed of [3, 4]) {
    const pair = await Pair.create({
      seed,
      bitsPerSecond: 1200,
      mtu: 256,
      tnc: direwolfLike,
      limits,
    });
    try {
      const toBob = [await pair.queue(pair.a, 16_384, 1), await pair.queue(pair.a, 40, 2, 1)];
      const toAlice = [await pair.queue(pair.b, 2_000, 3), await pair.queue(pair.b, 17, 4)];
      const [a, b] = await pair.clock.run(
        Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
      );
      assertEquals([a.reason, b.reason], ["idle", "idle"], `seed ${seed}`);
      for (const p of toBob) assertEquals(await pair.inbound(pair.b, p.id), p.bytes);
      for (const p of toAlice) assertEquals(await pair.inbound(pair.a, p.id), p.bytes);
      assertEquals(
        [a.stats.retransmittedFrames, b.stats.retransmittedFrames],
        [0, 0],
        `seed ${seed}: nothing was lost, so nothing may be sent twice`,
      );
      assert(
        pair.radio.transmissions.every((t) => t.fate === "delivered"),
        `seed ${seed}: no collision on the air`,
      );
      for (const r of [a, b]) {
        const t = r.stats.timer!;
        assert(t.replySamples > 0 && t.replySrttMs! >= 300, `seed ${seed}: ${JSON.stringify(t)}`);
      }
    } finally {
      await pair.cleanup();
    }
  }
});

Deno.test("through lossy KISS TNCs every retransmission answers a frame really lost", async () => {
  const pair = await Pair.create({
    seed: 9,
    bitsPerSecond: 1200,
    mtu: 256,
    tnc: direwolfLike,
    limits,
    loss: { kind: "independent", p: 0.1 },
  });
  try {
    const toBob = [await pair.queue(pair.a, 12_000, 1)];
    const toAlice = [await pair.queue(pair.b, 3_000, 2)];
    const [a, b] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    assertEquals([a.reason, b.reason], ["idle", "idle"]);
    for (const p of toBob) assertEquals(await pair.inbound(pair.b, p.id), p.bytes);
    for (const p of toAlice) assertEquals(await pair.inbound(pair.a, p.id), p.bytes);
    const lost = (side: "a" | "b") =>
      pair.radio.transmissions.filter((t) => t.from === side && t.fate !== "delivered").length;
    assert(lost("a") > 0, "the channel lost frames");
    assert(
      a.stats.retransmittedFrames <= lost("a"),
      `alice sent ${a.stats.retransmittedFrames} frames again but only ${lost("a")} were lost`,
    );
    assert(b.stats.retransmittedFrames <= lost("b"));
  } finally {
    await pair.cleanup();
  }
});

Deno.test("ferry link derives the TNCs' least latency from the KISS options", () => {
  const settings = (options: Record<string, unknown>) => ({ options }) as unknown as LinkSettings;
  assertEquals(kissLatencyMs(settings({ callsign: "N0CALL" })), 2 * (300 + 100));
  assertEquals(
    kissLatencyMs(settings({ callsign: "N0CALL", tnc: { txDelayMs: 200, slotTimeMs: 50 } })),
    500,
  );
  assertEquals(kissLatencyMs(settings({})), 0, "an RNode (raw frames) adds no fixed latency");
});

Deno.test("a frame sent before the peer heard this side's queued turn does not pass the turn (no doubled turns)", async () => {
  // Seed 3 at 10 % loss once made both sides take turns at once: each answered the other's
  // repeated turn, every burst went out twice and the session ended with the peer lost.
  const pair = await Pair.create({
    seed: 3,
    bitsPerSecond: 1200,
    mtu: 256,
    tnc: direwolfLike,
    limits,
    loss: { kind: "independent", p: 0.1 },
  });
  try {
    const big = await pair.queue(pair.a, 16_384, 1);
    await pair.queue(pair.a, 40, 2, 1);
    await pair.queue(pair.b, 17, 4, 1);
    const [a, b] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    assertEquals([a.reason, b.reason], ["idle", "idle"]);
    assertEquals(await pair.inbound(pair.b, big.id), big.bytes);
    const lost = pair.radio.transmissions.filter((t) => t.from === "a" && t.fate !== "delivered");
    assert(
      a.stats.retransmittedFrames <= lost.length,
      `${a.stats.retransmittedFrames} frames sent again, ${lost.length} lost`,
    );
    assert(a.stats.staleFrames + b.stats.staleFrames > 0, "stale frames were seen and set aside");
  } finally {
    await pair.cleanup();
  }
});
