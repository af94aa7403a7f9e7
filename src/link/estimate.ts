/**
 * Estimates when the outgoing queue will be empty, from the bytes left,
 * the frame airtime, the turn overhead, the loss seen so far and the
 * airtime budget (once the budget left in the window is spent, airtime
 * comes back at the duty cycle's rate).
 *
 * @example
 * ```ts
 * import { estimateQueueEmptyAt } from "./estimate.ts";
 * const at = estimateQueueEmptyAt({
 *   nowMs: 0, queueBytes: 249 * 32, fragBytes: 249, dataFrameMs: 373, controlFrameMs: 30,
 *   turnaroundMs: 60, burstFramesMax: 32, lossRate: 0, budget: null,
 * });
 * console.assert(at > 32 * 373 && at < 33 * 373);
 * ```
 * @module
 */

import type { AirtimeBudget } from "./budget.ts";

/** Inputs of {@linkcode estimateQueueEmptyAt}. */
export interface EstimateInputs {
  nowMs: number;
  queueBytes: number;
  fragBytes: number;
  dataFrameMs: number;
  controlFrameMs: number;
  turnaroundMs: number;
  burstFramesMax: number;
  /** Fraction of data frames that had to be sent again so far. */
  lossRate: number;
  budget: AirtimeBudget | null;
}

/** Highest loss rate the estimate believes (beyond it the estimate would explode). */
export const estimateLossRateMax = 0.9;

/** Estimated clock time (ms) at which `queueBytes` will have been sent. */
export function estimateQueueEmptyAt(x: EstimateInputs): number {
  if (x.queueBytes <= 0) return x.nowMs;
  const loss = Math.min(Math.max(x.lossRate, 0), estimateLossRateMax);
  const frames = Math.ceil(x.queueBytes / x.fragBytes) / (1 - loss);
  const turns = Math.ceil(frames / x.burstFramesMax);
  const airMs = frames * x.dataFrameMs + turns * x.controlFrameMs;
  let spanMs = airMs + turns * (2 * x.turnaroundMs + x.controlFrameMs);
  if (x.budget) {
    const left = x.budget.availableMs(x.nowMs);
    if (airMs > left) spanMs = Math.max(spanMs, (airMs - left) / x.budget.dutyCycle);
  }
  return x.nowMs + spanMs;
}
