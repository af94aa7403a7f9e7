/**
 * NNCP's LAN announcement (MCD): one UDP datagram of 40 bytes, the XDR form
 * of a magic number and the sender's node id,
 *
 * ```
 * +------------------------------+--------------------+
 * | "NNCPD" 0x00 0x00 0x01 (8 B) | sender id (32 B)   |
 * +------------------------------+--------------------+
 * ```
 *
 * sent to `[ff02::4e4e:4350]:5400` on a link, from the announcing daemon's
 * link-local address and its listening port, so the datagram's source is
 * the address to call.
 *
 * @example
 * ```ts
 * import { decodeAnnouncement, encodeAnnouncement } from "./codec.ts";
 * const id = new Uint8Array(32).fill(7);
 * console.assert(decodeAnnouncement(encodeAnnouncement(id))[0] === 7);
 * ```
 * @module
 */

/** The multicast group announcements go to ("NNCP" in hexadecimal ASCII). */
export const mcdGroup = "ff02::4e4e:4350";
/** The UDP port announcements go to. */
export const mcdPort = 5400;
/** `NNCPD` 0 0 1: the magic of version 1 announcements. */
export const mcdMagic = new Uint8Array([0x4e, 0x4e, 0x43, 0x50, 0x44, 0x00, 0x00, 0x01]);
/** Bytes of one announcement. */
export const mcdPacketBytes = mcdMagic.length + 32;

/** A datagram that is not an announcement. */
export class BadAnnouncementError extends Error {
  override name = "BadAnnouncementError";
}

/** The announcement of node `id` (32 bytes). */
export function encodeAnnouncement(id: Uint8Array): Uint8Array {
  if (id.length !== 32) throw new RangeError(`a node id is 32 bytes, not ${id.length}`);
  const out = new Uint8Array(mcdPacketBytes);
  out.set(mcdMagic, 0);
  out.set(id, mcdMagic.length);
  return out;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The sender id of an announcement (a copy).
 * @throws {BadAnnouncementError} for a datagram of the wrong size or magic.
 */
export function decodeAnnouncement(datagram: Uint8Array): Uint8Array {
  if (datagram.length !== mcdPacketBytes) {
    throw new BadAnnouncementError(
      `announcement of ${datagram.length} bytes, expected ${mcdPacketBytes}`,
    );
  }
  const magic = datagram.subarray(0, mcdMagic.length);
  if (!magic.every((b, i) => b === mcdMagic[i])) {
    throw new BadAnnouncementError(
      `announcement magic ${hex(magic)} is not ${hex(mcdMagic)} (NNCPD version 1)`,
    );
  }
  return datagram.slice(mcdMagic.length);
}
