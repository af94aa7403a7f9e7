/**
 * A packet toss refuses on purpose (no incoming folder, unknown exec handle,
 * freq outside `freq.path`, ...): the packet stays in `rx/` and the reason
 * goes to the log, so an operator can fix the configuration and toss again.
 * @module
 */

/** Raised by toss handlers to refuse a packet; `event` is the log event name. */
export class TossRefusal extends Error {
  override name = "TossRefusal";
  constructor(readonly event: string, message: string) {
    super(message);
  }
}
