/**
 * `deno task bench link`: the radio link protocol on the emulator
 * (simulated time, fixed seeds). Goodput against the bars for p = 0, 0.1,
 * 0.2, 0.3 and bursty loss; goodput on LoRa airtime; the deframer fuzz
 * over 100 MB of random bytes; duty-cycle use over several hours; and how
 * much a restart resends.
 * @module
 */

import type { BenchContext, BenchTable } from "./_harness.ts";
import { loraAirtime } from "../../src/link/airtime.ts";
import { CobsDeframer } from "../../src/link/cobs_link.ts";
import { linkLimitsDefault } from "../../src/link/limits.ts";
import type { LinkSessionResult, LinkStatus } from "../../src/link/session_types.ts";
import { Prng } from "../../hw/emulator/prng.ts";
import type { Side } from "../../hw/emulator/radio_channel.ts";
import { goodputCases, type GoodputResult, goodputRun } from "../../test/link/_goodput.ts";
import { Pair, type Peer } from "../../test/link/_scenario.ts";

const hourMs = 3_600_000;

/** Runs every link table. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  return [
    await goodputTable(ctx),
    await loraTable(ctx),
    fuzzTable(ctx),
    await dutyTable(ctx),
    await resumeTable(ctx),
  ];
}

async function goodputTable(ctx: BenchContext): Promise<BenchTable> {
  const seeds = ctx.quick ? [1] : [1, 2, 3, 4, 5];
  const sizes = ctx.quick ? [30_000, 30_000, 20_000] : [150_000, 150_000, 100_000, 50_000];
  const rows: (string | number)[][] = [];
  let failed = 0;
  for (const c of goodputCases) {
    ctx.say(`link goodput ${c.name}`);
    const started = performance.now();
    const results: GoodputResult[] = [];
    for (const seed of seeds) {
      results.push(await goodputRun({ loss: c.loss, seed, mtu: 255, turnaroundMs: 60 }, sizes));
    }
    const realS = (performance.now() - started) / 1000;
    const ratio = (r: (typeof results)[0]) =>
      r.bytesPerSecond / ((1 - c.p) * r.channelBytesPerSecond);
    const worst = Math.min(...results.map(ratio));
    const mean = results.reduce((n, r) => n + r.bytesPerSecond, 0) / results.length;
    const ok = worst >= c.bar &&
      results.every((r) => r.intact && r.packetsDelivered === r.packetsQueued);
    if (!ok) failed++;
    rows.push([
      c.name,
      pct(results.reduce((n, r) => n + r.lossObserved, 0) / results.length),
      mean.toFixed(1),
      results[0]!.channelBytesPerSecond.toFixed(1),
      worst.toFixed(3),
      c.bar.toFixed(2),
      ok ? "pass" : "FAIL",
      sum(results, (r) => r.retransmittedFrames),
      sum(results, (r) => r.turnTimeouts),
      realS.toFixed(1),
    ]);
  }
  return {
    title: "Link goodput on the emulator (255-byte MTU, half duplex, 60 ms turnaround, 5469 bit/s)",
    columns: [
      "loss",
      "frames lost (observed, both ways)",
      "goodput B/s (mean)",
      "C B/s",
      "goodput / ((1−p)·C), worst seed",
      "bar",
      "",
      "retransmitted frames",
      "turn timeouts",
      "real s",
    ],
    rows,
    notes: [
      `${seeds.length} seed(s) × ${sizes.length} packets (${sizes.join(", ")} bytes) per row. ` +
      "Goodput = payload bytes delivered and verified per second of simulated time, " +
      "until the last packet was stored. Overhead per data frame: 2 header + 4 CRC-32 bytes.",
      failed === 0 ? "All bars met." : `${failed} row(s) below the bar.`,
    ],
  };
}

async function loraTable(ctx: BenchContext): Promise<BenchTable> {
  const rows: (string | number)[][] = [];
  for (const sf of ctx.quick ? [7] : [7, 9, 12]) {
    ctx.say(`link LoRa SF${sf}`);
    const model = loraAirtime({ spreadingFactor: sf });
    const backToBack = 251 / (model.frameMs(255) / 1000);
    for (const p of [0, 0.1]) {
      const r = await goodputRun(
        {
          seed: 9,
          bitsPerSecond: model.bitsPerSecond,
          airtimeMs: model.frameMs,
          loss: p === 0 ? { kind: "none" } : { kind: "independent", p },
        },
        ctx.quick ? [20_000] : [60_000, 40_000],
      );
      rows.push([
        `SF${sf}`,
        p,
        r.bytesPerSecond.toFixed(1),
        (model.bitsPerSecond / 8).toFixed(1),
        backToBack.toFixed(1),
        (r.bytesPerSecond / ((1 - p) * backToBack)).toFixed(3),
      ]);
    }
  }
  return {
    title: "Link goodput with LoRa time on air (125 kHz, CR 4/5, preamble 8, CRC, explicit header)",
    columns: [
      "SF",
      "p",
      "goodput B/s",
      "raw B/s",
      "back-to-back B/s",
      "goodput / ((1−p)·back-to-back)",
    ],
    rows,
    notes: [
      "Informational: back-to-back = 251 payload-and-header bytes per 255-byte frame airtime; " +
      "the LoRa preamble and header make it about 0.93 of the raw rate at SF7.",
    ],
  };
}

function fuzzTable(ctx: BenchContext): BenchTable {
  const megabytes = ctx.quick ? 10 : 100;
  ctx.say(`link deframer fuzz ${megabytes} MB`);
  const rng = new Prng(2024);
  const deframer = new CobsDeframer(255);
  const chunk = new Uint8Array(1 << 20);
  let accepted = 0;
  let generateMs = 0;
  const started = performance.now();
  for (let i = 0; i < megabytes; i++) {
    const g = performance.now();
    rng.fill(chunk);
    generateMs += performance.now() - g;
    deframer.push(chunk, () => accepted++);
  }
  const seconds = (performance.now() - started - generateMs) / 1000;
  return {
    title: "COBS + CRC-32 deframer on random bytes",
    columns: ["MiB", "candidate segments", "accepted (false) frames", "deframer s", "MiB/s"],
    rows: [[
      megabytes,
      deframer.rejected + accepted,
      accepted,
      seconds.toFixed(2),
      (megabytes / seconds).toFixed(0),
    ]],
    notes: ["The unit test runs the same 100 MiB; a false frame would need a CRC-32 collision."],
  };
}

async function dutyTable(ctx: BenchContext): Promise<BenchTable> {
  const hours = ctx.quick ? 2 : 6;
  ctx.say(`link duty cycle ${hours} h`);
  const pair = await Pair.create({ seed: 77, dutyCycle: 0.01 });
  try {
    for (let i = 0; i < 8; i++) await pair.queue(pair.a, 40_000, 500 + i);
    const startMs = pair.clock.now();
    const untilMs = startMs + hours * hourMs;
    const used = (side: Side) =>
      pct(airtimeWithin(pair, side, startMs, untilMs) / (0.01 * hours * hourMs));
    const statuses: LinkStatus[] = [];
    const started = performance.now();
    const [, b] = await pair.clock.run(Promise.all([
      pair.session(pair.a, {
        untilMs,
        stopWhen: "never",
        statusEveryMs: hourMs,
        onStatus: (s) => statuses.push(s),
      })
        .run(),
      pair.session(pair.b, { untilMs, stopWhen: "never" }).run(),
    ]));
    const realS = (performance.now() - started) / 1000;
    const first = statuses[0]!;
    const achieved = b.stats.payloadBytesReceived / hours;
    return {
      title: `1 % duty cycle with a backlog, ${hours} simulated hours at SF7 rate`,
      columns: ["side", "worst sliding hour (s of 36)", "airtime used / allowed", "notes"],
      rows: [
        [
          "sender",
          (worstHourMs(pair, "a") / 1000).toFixed(3),
          used("a"),
          `${b.stats.packetsReceived} packets, ${b.stats.payloadBytesReceived} bytes delivered`,
        ],
        [
          "receiver",
          (worstHourMs(pair, "b") / 1000).toFixed(3),
          used("b"),
          "ACKs only",
        ],
      ],
      notes: [
        `At 1 h the sender reported ${(first.budgetLeftMs / 1000).toFixed(1)} s of budget left, ` +
        `${first.queueBytes} bytes queued and an estimated ${
          ((first.queueEmptyAtMs - first.atMs) / hourMs).toFixed(1)
        } h to empty; ` +
        `the achieved ${Math.round(achieved)} bytes per hour give ${
          (first.queueBytes / achieved).toFixed(1)
        } h. ` +
        `Real time for the run: ${realS.toFixed(1)} s.`,
      ],
    };
  } finally {
    await pair.cleanup();
  }
}

async function resumeTable(ctx: BenchContext): Promise<BenchTable> {
  const size = ctx.quick ? 50_000 : 200_000;
  const fragments = Math.ceil(size / 249);
  const rows: (string | number)[][] = [];
  for (
    const [label, victims] of [["receiver", ["b"]], ["sender", ["a"]], ["both", [
      "a",
      "b",
    ]]] as const
  ) {
    ctx.say(`link resume after a restart of: ${label}`);
    const pair = await Pair.create({ seed: 88 });
    try {
      await pair.queue(pair.a, size, 3);
      const kill = new AbortController();
      pair.clock.schedule(pair.clock.now() + fragments * 190, () => kill.abort());
      const runSide = async (peer: Peer): Promise<LinkSessionResult[]> => {
        const victim = (victims as readonly Side[]).includes(peer.side);
        const first = await pair.session(peer, victim ? { signal: kill.signal } : {}).run();
        if (!victim) return [first];
        pair.radio.reopen(peer.side);
        return [first, await pair.session(peer).run()];
      };
      const [, bs] = await pair.clock.run(Promise.all([runSide(pair.a), runSide(pair.b)]));
      const onAir = pair.radio.transmissions.filter((t) => t.from === "a" && (t.head & 0x80) !== 0)
        .length;
      const delivered = bs.reduce((n, r) => n + r.stats.packetsReceived, 0);
      rows.push([
        label,
        fragments,
        onAir,
        onAir - fragments,
        linkLimitsDefault.windowFramesMax,
        delivered,
      ]);
    } finally {
      await pair.cleanup();
    }
  }
  return {
    title: "Restart mid-transfer (killed half way, no flush; loss-free link)",
    columns: [
      "killed",
      "fragments",
      "data frames on air",
      "resent",
      "bound (one window)",
      "packets stored",
    ],
    rows,
  };
}

/** Airtime of `side` inside `[fromMs, toMs]`. */
function airtimeWithin(pair: Pair, side: Side, fromMs: number, toMs: number): number {
  let total = 0;
  for (const t of pair.radio.transmissions) {
    if (t.from === side) {
      total += Math.max(0, Math.min(t.endMs, toMs) - Math.max(t.startMs, fromMs));
    }
  }
  return total;
}

function worstHourMs(pair: Pair, side: Side): number {
  const tx = pair.radio.transmissions.filter((t) => t.from === side);
  let worst = 0;
  for (const t of tx) {
    let total = 0;
    for (const u of tx) {
      total += Math.max(0, Math.min(u.endMs, t.endMs) - Math.max(u.startMs, t.endMs - hourMs));
    }
    worst = Math.max(worst, total);
  }
  return worst;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

function sum<T>(items: T[], f: (t: T) => number): number {
  return items.reduce((n, t) => n + f(t), 0);
}
