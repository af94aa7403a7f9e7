/**
 * Frame loss models for the link emulator: independent loss with a fixed
 * probability, and bursty loss (a Gilbert-Elliott two-state chain: every
 * frame is lost in the bad state, none in the good one).
 *
 * @example
 * ```ts
 * import { createLossModel } from "./loss.ts";
 * import { Prng } from "./prng.ts";
 * const loss = createLossModel({ kind: "bursty", p: 0.2, burstFramesMean: 5 }, new Prng(1));
 * let lost = 0;
 * for (let i = 0; i < 10_000; i++) if (loss.lose()) lost++;
 * console.assert(lost > 1_500 && lost < 2_500);
 * ```
 * @module
 */

import type { Prng } from "./prng.ts";

/** How frames get lost on one direction of an emulated link. */
export type LossSpec =
  | { kind: "none" }
  /** Each frame is lost with probability `p`, independently. */
  | { kind: "independent"; p: number }
  /**
   * Losses come in bursts: on average a fraction `p` of frames is lost, in
   * runs of `burstFramesMean` frames on average (geometric run lengths).
   */
  | { kind: "bursty"; p: number; burstFramesMean: number };

/** A stateful loss decision per frame. */
export interface LossModel {
  /** True when the next frame is lost. */
  lose(): boolean;
}

/** Builds a loss model from its description; throws `RangeError` on impossible values. */
export function createLossModel(spec: LossSpec, random: Prng): LossModel {
  switch (spec.kind) {
    case "none":
      return { lose: () => false };
    case "independent": {
      checkProbability(spec.p, "p");
      return { lose: () => random.next() < spec.p };
    }
    case "bursty": {
      checkProbability(spec.p, "p");
      if (!(spec.burstFramesMean >= 1)) {
        throw new RangeError(
          `Bursty loss needs burstFramesMean >= 1, got ${spec.burstFramesMean}`,
        );
      }
      if (spec.p >= 1) return { lose: () => true };
      // Bad -> good with 1/L per frame gives runs of mean L; the good -> bad
      // rate is chosen so that the chain spends a fraction p in the bad state.
      const leaveBad = 1 / spec.burstFramesMean;
      const enterBad = spec.p * leaveBad / (1 - spec.p);
      let bad = random.next() < spec.p;
      return {
        lose: () => {
          const lost = bad;
          bad = bad ? random.next() >= leaveBad : random.next() < enterBad;
          return lost;
        },
      };
    }
  }
}

function checkProbability(p: number, name: string): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`Loss ${name} must be in [0, 1], got ${p}`);
}
