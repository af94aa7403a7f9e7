/**
 * The link contracts of ferry's hardware layer (DESIGN §5).
 *
 * - A {@linkcode ByteLink} is a byte stream: a serial port, a pty, a cable,
 *   a transparent UART radio module. Reads return whatever bytes arrived;
 *   there are no message boundaries.
 * - A {@linkcode FrameLink} carries whole frames of at most `mtu` bytes: a
 *   modem driver (KISS TNC, RN2483, RAK3172) or ferry's own framing on top of
 *   a ByteLink. A frame may be lost or arrive corrupted; it never arrives
 *   split or merged with another.
 *
 * The link protocol in `src/link/` sees only these contracts; concrete
 * drivers are chosen in one place from the configuration.
 * @module
 */

/** Raised when a link is used after `close()`, or when the device went away. */
export class LinkClosedError extends Error {
  override name = "LinkClosedError";
}

/** Raised when a second write starts before the first one finished. */
export class OverlappingWriteError extends Error {
  override name = "OverlappingWriteError";
}

/** A bidirectional byte stream. */
export interface ByteLink {
  /**
   * Resolves with the next bytes that arrived (at least one byte), or `null`
   * at end of stream (hang-up, unplug, peer closed). Rejects with the
   * signal's reason when `signal` aborts. At most one read may be pending.
   */
  read(signal?: AbortSignal): Promise<Uint8Array | null>;
  /**
   * Writes all of `bytes`, resolving once they are handed to the device.
   * Rejects with {@linkcode OverlappingWriteError} if another write is still
   * pending and with {@linkcode LinkClosedError} after close or hang-up.
   */
  write(bytes: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** Releases the device. Pending reads resolve `null`. Safe to call twice. */
  close(): Promise<void>;
}

/** A channel of whole frames, each at most `mtu` bytes. */
export interface FrameLink {
  /** Largest frame `send` accepts, in bytes. */
  readonly mtu: number;
  /**
   * Sends one frame. Resolves when the frame has been handed to the medium
   * (for a radio: when transmission finished, if the driver can tell).
   * Rejects with `RangeError` when the frame is longer than `mtu`, with
   * {@linkcode OverlappingWriteError} on a concurrent send, and with
   * {@linkcode LinkClosedError} after close.
   */
  send(frame: Uint8Array, signal?: AbortSignal): Promise<void>;
  /**
   * Resolves with the next received frame, or `null` once the link is
   * closed. A frame may be corrupted (the link protocol checks it).
   */
  receive(signal?: AbortSignal): Promise<Uint8Array | null>;
  /** Releases the link. Pending receives resolve `null`. Safe to call twice. */
  close(): Promise<void>;
}
