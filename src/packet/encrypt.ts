/**
 * Creating encrypted packets, streaming: `encryptPacket` reads the payload
 * once, encrypts it block by block, writes the packet and computes its id
 * (MTH) on the way, with memory independent of the payload size. Routes
 * through relays (`via`) nest the packet in transit packets, and area
 * messages nest it in an area packet, exactly as NNCP 8.8.2 does; the
 * `minSize` padding goes into the innermost packet so that the outermost
 * one reaches the size.
 *
 * The payload size need not be known in advance (NNCP 8's format puts the
 * SIZE block at the end), so standard input streams straight through.
 *
 * @example
 * ```ts
 * import { encryptPacket, filePlain, NICE } from "./mod.ts";
 * import { generateExchKeys, generateSignKeys } from "../crypto/keys.ts";
 * const sign = generateSignKeys();
 * const chunks: Uint8Array[] = [];
 * const result = await encryptPacket({
 *   sender: { id: new Uint8Array(32), signPrv: sign.prv },
 *   recipient: { id: new Uint8Array(32), exchPub: generateExchKeys().pub },
 *   nice: NICE.bulk,
 *   plain: filePlain("hello.txt", NICE.bulk),
 *   payload: new TextEncoder().encode("hello"),
 * }, new WritableStream({ write: (c) => void chunks.push(c) }));
 * console.assert(result.size === 172 + 276 + 5 + 16 + 16 && result.id.length === 52);
 * ```
 * @module
 */

import { blake2b256 } from "../crypto/blake2b.ts";
import { generateExchKeys, x25519Shared } from "../crypto/keys.ts";
import { encodeBase32 } from "../encoding/base32.ts";
import { BatchOutput } from "./batch_output.ts";
import { buildEncryptedHeader, type EncryptedHeader } from "./enc_header.ts";
import { PacketAuthError } from "./errors.ts";
import { type HashMode, HashPipe } from "./hash_pipe.ts";
import { type ByteInput, type ByteOutput, toByteSource, toWholeWriter } from "./io.ts";
import { BLOCK_BYTES, GC_INTERVAL_BYTES, PLAIN_HEADER_BYTES, READ_BATCH_BYTES } from "./limits.ts";
import { ReadAhead } from "./read_ahead.ts";
import { derivePacketKeys } from "./packet_keys.ts";
import { areaPlain, trnsPlain } from "./plain_builders.ts";
import { encodePlainHeader, type PlainHeader } from "./plain_header.ts";
import { PacketSealer } from "./sealer.ts";
import { GcPacer } from "./young_gc.ts";

/** The sending node's identity. */
export interface SenderIdentity {
  /** Node id (BLAKE2b-256 of the signing public key). */
  id: Uint8Array;
  /** 64-byte Ed25519 private key (seed then public key), as NNCP stores `signprv`. */
  signPrv: Uint8Array;
}

/** A node (or area) a packet can be encrypted to. */
export interface PacketPeer {
  id: Uint8Array;
  /** X25519 exchange public key (`exchpub`, or an area's `pub`). */
  exchPub: Uint8Array;
}

/** What to encrypt and for whom. */
export interface EncryptOptions {
  sender: SenderIdentity;
  /** The node the plain packet is for (for area messages: the subscriber it is sent to). */
  recipient: PacketPeer;
  /** Relays in the order the packet travels (first hop first), like NNCP's `via`. */
  via?: PacketPeer[];
  /** Send the plain packet to this area (its `id` and `pub`) inside an area packet. */
  area?: PacketPeer;
  /** Niceness of the encrypted packet(s), 1–255. */
  nice: number;
  /** The plain header: build it with `filePlain`, `execPlain`, `freqPlain`, `ackPlain`, ... */
  plain: PlainHeader;
  /** The payload (file contents, exec body, freq name; empty for ack). */
  payload: ByteInput;
  /** Pad so that the packet that leaves this node has at least this many bytes. */
  minSize?: number;
  /** Refuse payloads longer than this many bytes. */
  payloadBytesMax?: number;
  /** Where the id is computed; default `auto`. */
  hash?: HashMode;
}

/** What `encryptPacket` made. */
export interface EncryptResult {
  /** Packet id: base32 MTH of all bytes written (the spool file name). */
  id: string;
  /** Bytes written. */
  size: number;
  /** Payload bytes read. */
  payloadBytes: number;
  /** Header of the written (outermost) packet; `raw` is what `hdr/ID` files hold. */
  header: EncryptedHeader;
  /** For area messages: base32 BLAKE2b-256 of the area-addressed packet's header. */
  areaMsgHash?: string;
}

interface Layer {
  to: PacketPeer;
  plain: PlainHeader;
  minSize: number;
  wrappers: number;
}

function layersFor(options: EncryptOptions): Layer[] {
  const hops = [options.recipient, ...(options.via ?? []).slice().reverse()];
  const minSize = options.minSize ?? 0;
  const layers: Layer[] = [];
  if (options.area !== undefined) {
    layers.push({ to: options.area, plain: options.plain, minSize: 0, wrappers: 0 });
    layers.push({
      to: hops[0]!,
      plain: areaPlain(options.area.id),
      minSize,
      wrappers: hops.length + 1,
    });
  } else {
    layers.push({ to: hops[0]!, plain: options.plain, minSize, wrappers: hops.length });
  }
  for (let i = 1; i < hops.length; i++) {
    layers.push({ to: hops[i]!, plain: trnsPlain(hops[i - 1]!.id), minSize: 0, wrappers: 0 });
  }
  return layers;
}

/**
 * Encrypts one packet (with its transit or area wrappers) to `output`.
 *
 * @throws {PacketFormatError} (`too-big`) past `payloadBytesMax`.
 * @throws {PacketAuthError} (`bad-key`) when a recipient's exchange key is unusable.
 */
export async function encryptPacket(
  options: EncryptOptions,
  output: ByteOutput,
): Promise<EncryptResult> {
  const layers = layersFor(options);
  const hash = new HashPipe({ mode: options.hash ?? "auto" });
  try {
    const out = new BatchOutput(toWholeWriter(output), hash);
    const sealers: PacketSealer[] = [];
    const headers: EncryptedHeader[] = [];
    let emit = out.emit;
    for (let i = layers.length - 1; i >= 0; i--) {
      const { header, sealer } = startLayer(options, layers[i]!, emit, i === 0);
      headers[i] = header;
      sealers[i] = sealer;
      emit = (chunk) => sealer.push(chunk);
    }
    const innermost = sealers[0]!;
    const reader = new ReadAhead(
      toByteSource(options.payload),
      (read) => READ_BATCH_BYTES - ((PLAIN_HEADER_BYTES + read) % BLOCK_BYTES),
    );
    const gc = new GcPacer(GC_INTERVAL_BYTES);
    for (let chunk; (chunk = await reader.next()) !== null;) {
      innermost.push(chunk);
      await out.drain();
      gc.add(chunk.length);
    }
    const payloadBytes = reader.bytesRead;
    for (const sealer of sealers) sealer.finish();
    await out.drain(true);
    const result: EncryptResult = {
      id: encodeBase32(await hash.digest()),
      size: out.bytes,
      payloadBytes,
      header: headers[headers.length - 1]!,
    };
    if (options.area !== undefined) result.areaMsgHash = encodeBase32(blake2b256(headers[0]!.raw));
    return result;
  } finally {
    hash.close();
  }
}

/** Writes one layer's header through `emit` and returns its sealer, primed with the plain header. */
function startLayer(
  options: EncryptOptions,
  layer: Layer,
  emit: (chunk: Uint8Array) => void,
  innermost: boolean,
): { header: EncryptedHeader; sealer: PacketSealer } {
  const eph = generateExchKeys();
  const shared = x25519Shared(eph.prv, layer.to.exchPub);
  if (shared === null) {
    throw new PacketAuthError(
      "bad-key",
      `Cannot encrypt packet to ${encodeBase32(layer.to.id)}: its exchange key is unusable`,
    );
  }
  const { sender, nice } = options;
  const header = buildEncryptedHeader(nice, sender.id, layer.to.id, eph.pub, sender.signPrv);
  emit(header.raw);
  const max = options.payloadBytesMax;
  const sealer = new PacketSealer(derivePacketKeys(shared, header.tbs), {
    emit,
    minSize: layer.minSize,
    wrappers: layer.wrappers,
    ...(innermost && max !== undefined ? { plainBytesMax: max + PLAIN_HEADER_BYTES } : {}),
  });
  sealer.push(encodePlainHeader(layer.plain));
  return { header, sealer };
}
