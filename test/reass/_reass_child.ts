/**
 * The process the reassembly crash test kills: reassembles one meta and
 * prints each step on standard output. Given a step name, it stops right
 * after that step (and waits to be killed), so a kill lands exactly there.
 *
 * Usage: deno run -A _reass_child.ts META [STEP]
 * @module
 */

import { reassemble } from "../../src/reass/mod.ts";

const [meta, stopAt] = Deno.args;
const enc = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(enc.encode(`${line}\n`));
say("start");
await reassemble(meta!, {
  onStep: async (step) => {
    say(step);
    if (step === stopAt) {
      say("paused");
      await new Promise((resolve) => setTimeout(resolve, 60_000));
    }
  },
});
say("finished");
