/**
 * Goodput runs shared by the goodput test and the link benchmark.
 * @module
 */

import type { LossSpec } from "../../hw/emulator/loss.ts";
import { Pair, type PairOptions } from "./_scenario.ts";

/** Outcome of {@linkcode goodputRun}. */
export interface GoodputResult {
  /** Payload bytes verified per second of simulated time. */
  bytesPerSecond: number;
  /** Raw channel rate in bytes per second (C). */
  channelBytesPerSecond: number;
  seconds: number;
  packetsDelivered: number;
  packetsQueued: number;
  /** All delivered packets are byte-identical to what was queued. */
  intact: boolean;
  /** Fraction of frames on the air that did not arrive (both directions). */
  lossObserved: number;
  dataFramesSent: number;
  retransmittedFrames: number;
  turnTimeouts: number;
  reasons: [string, string];
}

/**
 * Sends `sizes` from ALICE to BOB on a fresh pair until both are idle and
 * measures goodput: payload bytes delivered and verified per second of
 * simulated time, up to the moment the last packet was stored.
 */
export async function goodputRun(o: PairOptions, sizes: number[]): Promise<GoodputResult> {
  const pair = await Pair.create(o);
  try {
    const queued = [];
    for (let i = 0; i < sizes.length; i++) {
      queued.push(await pair.queue(pair.a, sizes[i]!, 1000 + i));
    }
    const start = pair.clock.now();
    const [ra, rb] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    let intact = true;
    let delivered = 0;
    for (const q of queued) {
      const got = await pair.inbound(pair.b, q.id);
      if (got === null) continue;
      delivered++;
      if (got.length !== q.bytes.length || got.some((b, i) => b !== q.bytes[i])) intact = false;
    }
    const seconds = ((rb.stats.lastReceivedAtMs ?? pair.clock.now()) - start) / 1000;
    const total = sizes.reduce((a, b) => a + b, 0);
    const tx = pair.radio.transmissions;
    return {
      bytesPerSecond: total / seconds,
      channelBytesPerSecond: pair.bitsPerSecond / 8,
      seconds,
      packetsDelivered: delivered,
      packetsQueued: sizes.length,
      intact,
      lossObserved: tx.filter((t) => t.fate !== "delivered").length / tx.length,
      dataFramesSent: ra.stats.dataFramesSent,
      retransmittedFrames: ra.stats.retransmittedFrames,
      turnTimeouts: ra.stats.turnTimeouts + rb.stats.turnTimeouts,
      reasons: [ra.reason, rb.reason],
    };
  } finally {
    await pair.cleanup();
  }
}

/** The goodput scenarios of the link's requirements: name, loss, nominal p, bar. */
export const goodputCases: { name: string; loss: LossSpec; p: number; bar: number }[] = [
  { name: "p = 0", loss: { kind: "none" }, p: 0, bar: 0.85 },
  { name: "p = 0.1", loss: { kind: "independent", p: 0.1 }, p: 0.1, bar: 0.85 },
  { name: "p = 0.2", loss: { kind: "independent", p: 0.2 }, p: 0.2, bar: 0.85 },
  { name: "p = 0.3", loss: { kind: "independent", p: 0.3 }, p: 0.3, bar: 0.75 },
  {
    name: "bursty, p = 0.2, bursts of 5 frames",
    loss: { kind: "bursty", p: 0.2, burstFramesMean: 5 },
    p: 0.2,
    bar: 0.75,
  },
];
