/**
 * End-to-end acknowledgements. A broker's PUBACK only says the broker took
 * a message; brokers drop queued messages silently when their limits are
 * hit. So a sender removes a packet from `tx/` only on an ACK signed with the
 * recipient's Ed25519 key (`signpriv`), checked against the recipient's
 * `signpub` from our configuration. The signed text binds the purpose, the
 * recipient, the sender and the packet, so an ACK cannot be replayed for
 * another packet, another sender, or lifted from another protocol:
 *
 * `"ferry mqtt ack v1" 0x00 || recipient id (32) || sender id (32) || packet id (32)`
 *
 * ```ts
 * import { ackText } from "./ack.ts";
 * const z = new Uint8Array(32);
 * console.assert(ackText(z, z, z).length === 18 + 96);
 * ```
 * @module
 */

import { ed25519SignNative, ed25519Verify } from "../crypto/keys.ts";

const PURPOSE = new TextEncoder().encode("ferry mqtt ack v1\0");

/** The bytes an ACK signs. */
export function ackText(recipient: Uint8Array, sender: Uint8Array, packet: Uint8Array): Uint8Array {
  const out = new Uint8Array(PURPOSE.length + 96);
  out.set(PURPOSE);
  out.set(recipient, PURPOSE.length);
  out.set(sender, PURPOSE.length + 32);
  out.set(packet, PURPOSE.length + 64);
  return out;
}

/** Signs an ACK as the recipient (`signPrv`: 64-byte NNCP sign key). */
export function signAck(
  signPrv: Uint8Array,
  recipient: Uint8Array,
  sender: Uint8Array,
  packet: Uint8Array,
): Uint8Array {
  return ed25519SignNative(signPrv, ackText(recipient, sender, packet));
}

/** True when `signature` is the recipient's ACK of `packet` from `sender`. */
export function verifyAck(
  signPub: Uint8Array,
  recipient: Uint8Array,
  sender: Uint8Array,
  packet: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return ed25519Verify(signPub, ackText(recipient, sender, packet), signature);
  } catch {
    return false;
  }
}
