/**
 * Counters every frame driver keeps, and the frame checks they share.
 * @module
 */

/** What a frame driver has seen since it opened. */
export interface ModemStats {
  framesSent: number;
  sendFailures: number;
  framesReceived: number;
  /** Received frames dropped because nobody read them in time. */
  framesDropped: number;
  /** Received frames that could not be decoded. */
  framesMalformed: number;
  /** Lines or frames from the module the driver did not understand. */
  linesIgnored: number;
}

/** Zeroed counters. */
export function newStats(): ModemStats {
  return {
    framesSent: 0,
    sendFailures: 0,
    framesReceived: 0,
    framesDropped: 0,
    framesMalformed: 0,
    linesIgnored: 0,
  };
}

/** Throws `TypeError` for a non-`Uint8Array`, `RangeError` for an empty or over-MTU frame. */
export function checkFrame(modem: string, frame: Uint8Array, mtu: number): void {
  if (!(frame instanceof Uint8Array)) {
    throw new TypeError(`${modem}: send() needs a Uint8Array`);
  }
  if (frame.length === 0) {
    throw new RangeError(`${modem}: cannot send an empty frame`);
  }
  if (frame.length > mtu) {
    throw new RangeError(`${modem}: frame of ${frame.length} bytes exceeds the MTU of ${mtu}`);
  }
}
