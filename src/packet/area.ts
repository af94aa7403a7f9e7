/**
 * Reading area (multicast) messages. An area packet's payload is a second
 * encrypted packet, addressed to the area id and encrypted to the area's
 * key; {@linkcode areaPayloadSink} is a {@linkcode PayloadSink} for that
 * payload which checks and decrypts the inner packet as it streams and
 * hands its payload to a sink of the caller's choice. Its message hash
 * (BLAKE2b-256 of the inner 172-byte header, base32) is what NNCP records in
 * `area/AREA/` to drop duplicates.
 *
 * To relay the area packet and read it too, combine a spool file sink and
 * this sink with `teeSink`.
 *
 * @example
 * ```ts
 * import { areaMsgHash } from "./area.ts";
 * console.assert(areaMsgHash(new Uint8Array(172)).length === 52);
 * ```
 * @module
 */

import { blake2b256 } from "../crypto/blake2b.ts";
import { encodeBase32 } from "../encoding/base32.ts";
import type { OpenedPacket } from "./decrypt.ts";
import { PacketFormatError } from "./errors.ts";
import { checkHeader, keysForHeader, type SenderLookup } from "./header_check.ts";
import { ENC_HEADER_BYTES } from "./limits.ts";
import { PacketOpener } from "./opener.ts";
import { PayloadRouter } from "./payload_router.ts";
import type { PayloadSink } from "./sink.ts";

/** An area message once its inner plain header is known. */
export interface OpenedAreaMessage extends OpenedPacket {
  /** base32 BLAKE2b-256 of the inner header: the message's identity in the area. */
  msgHash: string;
}

/** What {@linkcode areaPayloadSink} needs. */
export interface AreaReadOptions {
  /** The area's id and private key (`prv` in the configuration). */
  area: { id: Uint8Array; prv: Uint8Array };
  /** Known nodes; the message's originator is looked up here. */
  senders: SenderLookup;
  /** Accept messages from unknown originators without a signature check (`allow-unknown`). */
  allowUnknownSender?: boolean;
  /** Called once the inner plain header is authenticated; returns where its payload goes. */
  open: (message: OpenedAreaMessage) => PayloadSink | Promise<PayloadSink>;
}

/** The message hash of an area-addressed packet, from its 172-byte header. */
export function areaMsgHash(innerHeader: Uint8Array): string {
  return encodeBase32(blake2b256(innerHeader.subarray(0, ENC_HEADER_BYTES)));
}

/** A sink for an area packet's payload that decrypts the message inside. */
export function areaPayloadSink(options: AreaReadOptions): PayloadSink {
  const head = new Uint8Array(ENC_HEADER_BYTES);
  let headFill = 0;
  let opener: PacketOpener | null = null;
  let router: PayloadRouter | null = null;
  const queue: Uint8Array[] = [];

  function start(): void {
    const checked = checkHeader(head, {
      selfId: options.area.id,
      senders: options.senders,
      ...(options.allowUnknownSender ? { allowUnknownSender: true } : {}),
    });
    const { header, sender, signatureVerified } = checked;
    const msgHash = areaMsgHash(header.raw);
    opener = new PacketOpener(keysForHeader(header, options.area.prv), {
      emit: (plaintext) => queue.push(plaintext),
    });
    router = new PayloadRouter((plain) =>
      options.open({ header, plain, sender, signatureVerified, msgHash })
    );
  }

  return {
    async write(chunk) {
      if (opener === null) {
        const take = Math.min(ENC_HEADER_BYTES - headFill, chunk.length);
        head.set(chunk.subarray(0, take), headFill);
        headFill += take;
        chunk = chunk.subarray(take);
        if (headFill < ENC_HEADER_BYTES) return;
        start();
      }
      opener!.push(chunk);
      for (const plaintext of queue.splice(0)) await router!.feed(plaintext);
    },
    async commit() {
      if (opener === null) {
        throw new PacketFormatError(
          "truncated",
          `Cannot accept area message: it ends after ${headFill} of ${ENC_HEADER_BYTES} header bytes`,
        );
      }
      opener.end();
      for (const plaintext of queue.splice(0)) await router!.feed(plaintext);
      await router!.commit();
    },
    async abort(reason) {
      await router?.abort(reason);
    },
  };
}
