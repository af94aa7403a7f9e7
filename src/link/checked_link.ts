/**
 * The link the protocol talks to: a {@linkcode FrameLink} whose received
 * frames have passed a CRC-32 check, so a corrupted frame is never
 * accepted. {@linkcode crcFrameLink} adds the check on top of a frame link
 * (a modem driver); `cobsFrameLink` (in `cobs_link.ts`) builds one on a
 * byte stream.
 *
 * Overhead per frame: 4 bytes of CRC-32 here; the protocol's own header
 * comes on top (see `frames.ts`).
 *
 * @example
 * ```ts
 * import { crcFrameLink } from "./checked_link.ts";
 * import type { ByteLink, FrameLink } from "../../hw/link/link.ts";
 * declare const modem: FrameLink;
 * const link = crcFrameLink(modem);
 * console.assert(link.mtu === modem.mtu - 4);
 * ```
 * @module
 */

import type { ByteLink, FrameLink } from "../../hw/link/link.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import { cobsFrameLink } from "./cobs_link.ts";
import { appendCrc32, stripCrc32 } from "../encoding/crc32.ts";

/** A frame link that only ever delivers frames whose check passed. */
export interface CheckedLink extends FrameLink {
  /** Bytes the link adds to every frame on the wire (check, stuffing, delimiters), at most. */
  readonly overheadBytes: number;
  /** Frames (or byte runs) dropped because they failed the check. */
  readonly droppedFrames: number;
}

/** Bytes of the CRC-32 appended to each frame. */
export const crcBytes = 4;

/** Wraps a frame link: appends a CRC-32 to each sent frame, drops received frames that fail it. */
export function crcFrameLink(inner: FrameLink, log: Logger = silentLogger): CheckedLink {
  if (inner.mtu < crcBytes + 1) {
    throw new RangeError(`Link mtu ${inner.mtu} is too small for a ${crcBytes}-byte check`);
  }
  let dropped = 0;
  return {
    mtu: inner.mtu - crcBytes,
    overheadBytes: crcBytes,
    get droppedFrames() {
      return dropped;
    },
    send(frame: Uint8Array, signal?: AbortSignal): Promise<void> {
      if (frame.length > inner.mtu - crcBytes) {
        return Promise.reject(
          new RangeError(
            `Frame of ${frame.length} bytes exceeds the mtu of ${inner.mtu - crcBytes}`,
          ),
        );
      }
      return inner.send(appendCrc32(frame), signal);
    },
    async receive(signal?: AbortSignal): Promise<Uint8Array | null> {
      for (;;) {
        const frame = await inner.receive(signal);
        if (frame === null) return null;
        const body = stripCrc32(frame);
        if (body) return body;
        dropped++;
        log.info("link-frame-bad-check", { bytes: frame.length });
      }
    },
    close: () => inner.close(),
  };
}

/** What a link driver hands over: whole frames (a modem) or a byte stream (a cable, a UART radio). */
export type AnyLink =
  | { frames: FrameLink }
  | {
    bytes: ByteLink;
    /** Largest encoded frame on the wire, delimiter included (the radio's packet size). Default 255. */
    encodedBytesMax?: number;
  };

/**
 * The checked link for whatever a driver returned: CRC-32 on a frame link,
 * COBS + CRC-32 + delimiters on a byte stream.
 */
export function openCheckedLink(link: AnyLink, log: Logger = silentLogger): CheckedLink {
  if ("frames" in link) return crcFrameLink(link.frames, log);
  return cobsFrameLink(link.bytes, {
    log,
    ...(link.encodedBytesMax !== undefined ? { encodedBytesMax: link.encodedBytesMax } : {}),
  });
}
