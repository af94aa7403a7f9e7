/**
 * Moving packets between a ferry node and an NNCP node of a test world
 * through its medium folder, each side with its own program.
 * @module
 */

import { ferryOk, nncp, type World } from "../node/_world.ts";

/** One end of a hop: the node and whether NNCP (true) or ferry works it. */
export interface End {
  node: World["alice"];
  nncp: boolean;
}

/** Moves everything queued at `from` for `to` across the medium. */
export async function carry(w: World, from: End, to: End): Promise<void> {
  if (from.nncp) await nncp("xfer", from.node, ["-mkdir", "-tx", w.media]);
  else await ferryOk(from.node, ["xfer", "--mkdir", "--tx", w.media]);
  if (to.nncp) await nncp("xfer", to.node, ["-rx", w.media]);
  else await ferryOk(to.node, ["xfer", "--rx", w.media]);
}
