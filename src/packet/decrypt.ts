/**
 * Reading encrypted packets, streaming: `decryptPacket` checks the header
 * (magic, recipient, sender, signature) before decrypting anything, then
 * authenticates block after block and routes the plaintext to a sink that
 * the caller picks once the plain header is known. The sink is committed
 * only after the last block, the size and the padding check out; on any
 * failure it is aborted and a typed {@linkcode PacketError} is thrown.
 * Memory does not grow with the packet.
 *
 * @example
 * ```ts
 * import { decryptPacket, memorySink } from "./mod.ts";
 * import { decodeBase32 } from "../encoding/base32.ts";
 * const vectors = new URL("../../test/vectors/nncp/", import.meta.url);
 * const bob = JSON.parse(await Deno.readTextFile(new URL("cfg/bob.hjson", vectors)));
 * const packet = await Deno.readFile(new URL(
 *   "packets/file-small.QOVCEAEVTP6MPRWEXVNZOBIH2V6EDFI3CSBEJ27KJOPM3WFZQ5VQ", vectors));
 * const sink = memorySink(1024);
 * const result = await decryptPacket(packet, {
 *   self: { id: decodeBase32(bob.self.id), exchPrv: decodeBase32(bob.self.exchprv) },
 *   senders: () => ({ signPub: decodeBase32(bob.neigh.alice.signpub) }),
 *   open: () => sink,
 * });
 * console.assert(result.payloadBytes === 34 && sink.bytes()?.length === 34);
 * ```
 * @module
 */

import { encodeBase32 } from "../encoding/base32.ts";
import type { EncryptedHeader } from "./enc_header.ts";
import { type HashMode, HashPipe } from "./hash_pipe.ts";
import {
  checkHeader,
  keysForHeader,
  type KnownSender,
  type ReceiverIdentity,
  type SenderLookup,
} from "./header_check.ts";
import { type ByteInput, readFull, toByteSource } from "./io.ts";
import {
  ENC_HEADER_BYTES,
  GC_INTERVAL_BYTES,
  READ_BATCH_BYTES,
  SEALED_BLOCK_BYTES,
} from "./limits.ts";
import { ReadAhead } from "./read_ahead.ts";
import { PacketOpener } from "./opener.ts";
import { PayloadRouter } from "./payload_router.ts";
import type { PlainHeader } from "./plain_header.ts";
import type { PayloadSink } from "./sink.ts";
import { GcPacer } from "./young_gc.ts";

/** Sealed blocks per read: reads start on block boundaries, so blocks decrypt in place. */
const READ_BLOCKS = Math.floor(READ_BATCH_BYTES / SEALED_BLOCK_BYTES);

/** What is known about a packet once its plain header is decrypted. */
export interface OpenedPacket {
  header: EncryptedHeader;
  plain: PlainHeader;
  /** The sender's keys; undefined for an allowed unknown sender. */
  sender: KnownSender | undefined;
  signatureVerified: boolean;
}

/** What `decryptPacket` needs. */
export interface DecryptOptions {
  /** The reading node: packets for any other id are refused. */
  self: ReceiverIdentity;
  /** Known nodes by id; packets from others are refused unless `allowUnknownSender`. */
  senders: SenderLookup;
  /** Accept unknown senders without a signature check (NNCP's area `allow-unknown`). */
  allowUnknownSender?: boolean;
  /**
   * Called once the plain header is authenticated; returns where the payload
   * goes. Throwing here refuses the packet.
   */
  open: (packet: OpenedPacket) => PayloadSink | Promise<PayloadSink>;
  /** Also compute the packet id (MTH of the packet bytes), and where. Default: not computed. */
  computeId?: HashMode | false;
  /** The packet's size when known (a file): read buffers are then no bigger than it needs. */
  inputBytes?: number;
}

/** A packet read and verified end to end. */
export interface DecryptResult extends OpenedPacket {
  /** Payload bytes delivered to the sink (plain header excluded). */
  payloadBytes: number;
  /** Padding bytes the packet carried (zeros inside the last block, then the BLAKE3 stream). */
  padBytes: number;
  /** Packet bytes read. */
  size: number;
  /** base32 MTH of the packet, when `computeId` was set. */
  id?: string;
}

/**
 * Decrypts and verifies one packet from `input`, delivering its payload to
 * the sink `options.open` returns.
 *
 * @throws {PacketError} subclasses for every kind of bad packet; the sink
 * (if opened) is aborted first. Errors of the sink itself pass through.
 */
export async function decryptPacket(
  input: ByteInput,
  options: DecryptOptions,
): Promise<DecryptResult> {
  const source = toByteSource(input);
  const hash = options.computeId ? new HashPipe({ mode: options.computeId }) : null;
  let router: PayloadRouter | null = null;
  try {
    const head = new Uint8Array(ENC_HEADER_BYTES);
    const headBytes = await readFull(source, head);
    const checked = checkHeader(head.subarray(0, headBytes), {
      selfId: options.self.id,
      senders: options.senders,
      ...(options.allowUnknownSender ? { allowUnknownSender: true } : {}),
    });
    await hash?.update(head);
    const { header, sender, signatureVerified } = checked;
    const queue: Uint8Array[] = [];
    const opener = new PacketOpener(keysForHeader(header, options.self.exchPrv), {
      emit: (plaintext) => queue.push(plaintext),
    });
    const route = new PayloadRouter((plain) =>
      options.open({ header, plain, sender, signatureVerified })
    );
    router = route;
    const batch = READ_BLOCKS * SEALED_BLOCK_BYTES;
    const rest = options.inputBytes === undefined ? batch : options.inputBytes - ENC_HEADER_BYTES;
    const reader = new ReadAhead(source, () => batch, Math.max(1, Math.min(batch, rest + 1)));
    const gc = new GcPacer(GC_INTERVAL_BYTES);
    for (let chunk; (chunk = await reader.next()) !== null;) {
      opener.push(chunk);
      await hash?.update(chunk);
      for (const plaintext of queue.splice(0)) await route.feed(plaintext);
      gc.add(chunk.length);
    }
    const size = ENC_HEADER_BYTES + reader.bytesRead;
    const sizes = opener.end();
    for (const plaintext of queue.splice(0)) await route.feed(plaintext);
    await route.commit();
    const result: DecryptResult = {
      header,
      plain: route.plain!,
      sender,
      signatureVerified,
      payloadBytes: route.payloadBytes,
      padBytes: sizes.padBytes,
      size,
    };
    if (hash !== null) result.id = encodeBase32(await hash.digest());
    return result;
  } catch (err) {
    await router?.abort(err);
    throw err;
  } finally {
    hash?.close();
  }
}
