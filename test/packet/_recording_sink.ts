/**
 * A payload sink that records what happened to it, to prove that a refused
 * packet delivered nothing.
 * @module
 */

import type { PayloadSink } from "../../src/packet/mod.ts";

/** The sink and its record. */
export interface RecordingSink extends PayloadSink {
  written: number;
  committed: boolean;
  aborted: boolean;
}

/** A fresh recording sink. */
export function recordingSink(): RecordingSink {
  const sink: RecordingSink = {
    written: 0,
    committed: false,
    aborted: false,
    write(chunk) {
      sink.written += chunk.length;
    },
    commit() {
      sink.committed = true;
    },
    abort() {
      sink.aborted = true;
    },
  };
  return sink;
}
