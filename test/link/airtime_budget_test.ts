import { assert, assertEquals, assertThrows } from "../assert.ts";
import { bitrateAirtime, loraAirtime } from "../../src/link/airtime.ts";
import { AirtimeBudget } from "../../src/link/budget.ts";
import { estimateQueueEmptyAt } from "../../src/link/estimate.ts";
import { Prng } from "../../hw/emulator/prng.ts";

Deno.test("LoRa airtime of a 255-byte frame matches the table for SF7 to SF12 at 125 kHz, CR 4/5", () => {
  const table: [number, number, number][] = [
    [7, 5469, 400],
    [8, 3125, 707],
    [9, 1758, 1250],
    [10, 977, 2296],
    [11, 537, 5001],
    [12, 293, 9019],
  ];
  for (const [sf, bps, ms] of table) {
    const model = loraAirtime({ spreadingFactor: sf });
    assert(Math.abs(model.frameMs(255) - ms) < 1, `SF${sf}: ${model.frameMs(255)} ms`);
    assert(Math.abs(model.bitsPerSecond - bps) < 1, `SF${sf}: ${model.bitsPerSecond} bit/s`);
  }
});

Deno.test("LoRa airtime turns low data-rate optimisation on by itself above 16 ms symbols", () => {
  const auto = loraAirtime({ spreadingFactor: 11 });
  const forced = loraAirtime({ spreadingFactor: 11, lowDataRateOptimize: true });
  const off = loraAirtime({ spreadingFactor: 11, lowDataRateOptimize: false });
  assertEquals(auto.frameMs(100), forced.frameMs(100));
  assert(off.frameMs(100) < auto.frameMs(100));
  assertThrows(() => loraAirtime({ spreadingFactor: 13 }), RangeError, "spreading factor");
  assertThrows(() => loraAirtime({ spreadingFactor: 7, codingRate: 5 }), RangeError, "coding rate");
});

Deno.test("bit-rate airtime is bytes times bits per byte over the rate", () => {
  assertEquals(bitrateAirtime({ bitsPerSecond: 9600, bitsPerByte: 10 }).frameMs(96), 100);
  assertThrows(() => bitrateAirtime({ bitsPerSecond: 0 }), RangeError);
});

Deno.test("a 1 % budget refuses what would exceed 36 s in the hour and says when it fits again", () => {
  const budget = new AirtimeBudget({ dutyCycle: 0.01 });
  budget.record(0, 30_000);
  assertEquals(budget.availableMs(30_000), 6_000);
  assert(budget.canStart(6_000, 30_000));
  assert(!budget.canStart(6_001, 30_000));
  // 10 s more fits once 4 s of the first transmission have aged out.
  assertEquals(budget.earliestStart(10_000, 30_000), 3_594_000);
  assert(budget.canStart(10_000, 3_594_000));
  assertEquals(budget.earliestStart(40_000, 0), Infinity);
});

Deno.test("transmissions gated by the budget never exceed the duty cycle in any sliding hour", () => {
  const rng = new Prng(8);
  const budget = new AirtimeBudget({ dutyCycle: 0.01, entriesMax: 50 });
  const sent: [number, number][] = [];
  let now = 0;
  for (let i = 0; i < 3000; i++) {
    const d = 10 + rng.next() * 900;
    now = budget.earliestStart(d, now + rng.next() * 20_000);
    budget.record(now, d);
    sent.push([now, now + d]);
    now += d;
  }
  let worst = 0;
  for (const [, end] of sent) {
    let sum = 0;
    for (const [s, e] of sent) sum += Math.max(0, Math.min(e, end) - Math.max(s, end - 3_600_000));
    worst = Math.max(worst, sum);
  }
  assert(worst <= 36_000 + 1e-6, `worst hour had ${worst} ms`);
  assert(worst > 35_000, `the test must push the budget (worst ${worst} ms)`);
});

Deno.test("a budget restored from its history keeps counting the earlier transmissions", () => {
  const first = new AirtimeBudget({ dutyCycle: 0.01 });
  first.record(1_000, 20_000);
  const again = new AirtimeBudget({ dutyCycle: 0.01, history: first.history() });
  assertEquals(again.availableMs(30_000), 16_000);
  assertThrows(() => new AirtimeBudget({ dutyCycle: 0 }), RangeError, "Duty cycle");
});

Deno.test("the queue-empty estimate follows the link rate, the loss and the duty cycle", () => {
  const base = {
    nowMs: 0,
    queueBytes: 249 * 320,
    fragBytes: 249,
    dataFrameMs: 373,
    controlFrameMs: 30,
    turnaroundMs: 60,
    burstFramesMax: 32,
    lossRate: 0,
    budget: null,
  };
  const clear = estimateQueueEmptyAt(base);
  assert(clear > 320 * 373 && clear < 330 * 373, `${clear}`);
  assert(estimateQueueEmptyAt({ ...base, lossRate: 0.5 }) > 1.9 * clear);
  const budget = new AirtimeBudget({ dutyCycle: 0.01 });
  const limited = estimateQueueEmptyAt({ ...base, budget });
  // About 120 s of airtime: 36 s now, the remaining 84 s at 36 s per hour.
  assert(limited > 2.2 * 3_600_000 && limited < 2.5 * 3_600_000, `${limited}`);
  assertEquals(estimateQueueEmptyAt({ ...base, queueBytes: 0, nowMs: 5 }), 5);
});
