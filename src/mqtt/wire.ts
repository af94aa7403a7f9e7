/**
 * The MQTT transport's wire format: topic names and the four binary
 * messages (DATA, OFFER, HAVE, ACK). Every message starts with the magic
 * `FMQ`, a version byte (1) and a kind byte; integers are big-endian; ids
 * are the raw 32 bytes.
 *
 * | kind | name  | after the 5-byte start                                                      |
 * | ---- | ----- | --------------------------------------------------------------------------- |
 * | 1    | DATA  | sender 32, packet 32, size u64, nice u8, chunk u32, offset u64, bytes…      |
 * | 2    | OFFER | sender 32, packet 32, size u64, nice u8, chunk u32                          |
 * | 3    | HAVE  | recipient 32, packet 32, size u64, done u64, frag u32, bitmap 8             |
 * | 4    | ACK   | recipient 32, packet 32, Ed25519 signature 64                               |
 *
 * Topics (prefix `ferry/v1` by default): `PREFIX/<to>/in/<from>` carries every
 * message from node `from` to node `to` (ids in base32); `PREFIX/<id>/presence`
 * is the retained presence of node `id`.
 *
 * ```ts
 * import { decodeMessage, encodeOffer } from "./wire.ts";
 * const id = new Uint8Array(32);
 * const m = decodeMessage(encodeOffer({ peer: id, packet: id, size: 10, nice: 96, chunk: 4 }));
 * console.assert(m.kind === "offer");
 * ```
 * @module
 */

/** The first bytes of every message. */
export const wireMagic = new Uint8Array([0x46, 0x4d, 0x51, 1]); // "FMQ" version 1
const START = wireMagic.length + 1;
const ID = 32;
/** Bytes of a DATA message before its payload. */
export const dataHeaderBytes = START + ID + ID + 8 + 1 + 4 + 8;
const OFFER_BYTES = START + ID + ID + 8 + 1 + 4;
const HAVE_BYTES = START + ID + ID + 8 + 8 + 4 + 8;
const ACK_BYTES = START + ID + ID + 64;
/** Fragments a HAVE bitmap covers after `done`. */
export const haveBitmapFrags = 64;

/** A chunk of a packet. */
export interface DataMessage {
  kind: "data";
  /** The sender's node id. */
  peer: Uint8Array;
  packet: Uint8Array;
  size: number;
  nice: number;
  /** The chunk size the sender counts in (fragment size at the receiver). */
  chunk: number;
  offset: number;
  bytes: Uint8Array;
}

/** A packet the sender wants to send: asks for a HAVE (or an ACK when it is already there). */
export interface OfferMessage {
  kind: "offer";
  peer: Uint8Array;
  packet: Uint8Array;
  size: number;
  nice: number;
  chunk: number;
}

/** What the recipient holds of a packet: all bytes below `done`, and fragments after it. */
export interface HaveMessage {
  kind: "have";
  /** The recipient's node id. */
  peer: Uint8Array;
  packet: Uint8Array;
  size: number;
  done: number;
  frag: number;
  bitmap: Uint8Array;
}

/** The recipient verified and stored the packet (signed; see `ack.ts`). */
export interface AckMessage {
  kind: "ack";
  peer: Uint8Array;
  packet: Uint8Array;
  signature: Uint8Array;
}

/** Any message. */
export type WireMessage = DataMessage | OfferMessage | HaveMessage | AckMessage;

const KINDS = { data: 1, offer: 2, have: 3, ack: 4 } as const;

/** Largest packet size the wire accepts (2^48 bytes: far beyond any disk). */
export const wirePacketBytesMax = 2 ** 48;

function start(kind: keyof typeof KINDS, length: number): { out: Uint8Array; view: DataView } {
  const out = new Uint8Array(length);
  out.set(wireMagic);
  out[wireMagic.length] = KINDS[kind];
  return { out, view: new DataView(out.buffer) };
}

/** Encodes a DATA message. */
export function encodeData(m: Omit<DataMessage, "kind">): Uint8Array {
  const out = new Uint8Array(dataHeaderBytes + m.bytes.length);
  writeDataHeader(m, out);
  out.set(m.bytes, dataHeaderBytes);
  return out;
}

/**
 * Writes a DATA message's header into the first {@linkcode dataHeaderBytes}
 * of `out`; the payload goes after it (a sender reads the packet's bytes
 * straight into a reused buffer).
 */
export function writeDataHeader(m: Omit<DataMessage, "kind" | "bytes">, out: Uint8Array): void {
  if (out.length < dataHeaderBytes) {
    throw new RangeError(`DATA buffer of ${out.length} bytes is shorter than its header`);
  }
  const view = new DataView(out.buffer, out.byteOffset, dataHeaderBytes);
  out.set(wireMagic);
  out[wireMagic.length] = KINDS.data;
  let at = START;
  out.set(m.peer.subarray(0, ID), at), at += ID;
  out.set(m.packet.subarray(0, ID), at), at += ID;
  view.setBigUint64(at, BigInt(m.size)), at += 8;
  view.setUint8(at, m.nice), at += 1;
  view.setUint32(at, m.chunk), at += 4;
  view.setBigUint64(at, BigInt(m.offset));
}

/** Encodes an OFFER message. */
export function encodeOffer(m: Omit<OfferMessage, "kind">): Uint8Array {
  const { out, view } = start("offer", OFFER_BYTES);
  let at = START;
  out.set(m.peer, at), at += ID;
  out.set(m.packet, at), at += ID;
  view.setBigUint64(at, BigInt(m.size)), at += 8;
  view.setUint8(at, m.nice), at += 1;
  view.setUint32(at, m.chunk);
  return out;
}

/** Encodes a HAVE message. */
export function encodeHave(m: Omit<HaveMessage, "kind">): Uint8Array {
  const { out, view } = start("have", HAVE_BYTES);
  let at = START;
  out.set(m.peer, at), at += ID;
  out.set(m.packet, at), at += ID;
  view.setBigUint64(at, BigInt(m.size)), at += 8;
  view.setBigUint64(at, BigInt(m.done)), at += 8;
  view.setUint32(at, m.frag), at += 4;
  out.set(m.bitmap.subarray(0, 8), at);
  return out;
}

/** Encodes an ACK message. */
export function encodeAck(m: Omit<AckMessage, "kind">): Uint8Array {
  const { out } = start("ack", ACK_BYTES);
  out.set(m.peer, START);
  out.set(m.packet, START + ID);
  out.set(m.signature, START + ID + ID);
  return out;
}

function u64(view: DataView, at: number, what: string): number {
  const v = view.getBigUint64(at);
  if (v > BigInt(wirePacketBytesMax)) throw new RangeError(`${what} ${v} is out of range`);
  return Number(v);
}

/**
 * Decodes one message; throws `SyntaxError` (wrong magic, kind or length) or
 * `RangeError` (fields out of range), naming what is wrong.
 */
export function decodeMessage(bytes: Uint8Array): WireMessage {
  if (bytes.length < START) throw new SyntaxError(`message of ${bytes.length} bytes is too short`);
  for (let i = 0; i < wireMagic.length; i++) {
    if (bytes[i] !== wireMagic[i]) {
      throw new SyntaxError("message does not start with FMQ version 1 (not a ferry message)");
    }
  }
  const kind = bytes[wireMagic.length];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (n: number, name: string) => {
    const ok = name === "DATA" ? bytes.length >= n : bytes.length === n;
    if (!ok) throw new SyntaxError(`${name} message has ${bytes.length} bytes, wants ${n}`);
  };
  const id = (at: number) => bytes.slice(at, at + ID);
  switch (kind) {
    case KINDS.data: {
      need(dataHeaderBytes, "DATA");
      const m: DataMessage = {
        kind: "data",
        peer: id(START),
        packet: id(START + ID),
        size: u64(view, START + 64, "size"),
        nice: view.getUint8(START + 72),
        chunk: view.getUint32(START + 73),
        offset: u64(view, START + 77, "offset"),
        bytes: bytes.subarray(dataHeaderBytes),
      };
      checkChunk(m.size, m.chunk);
      if (m.offset + m.bytes.length > m.size || m.bytes.length === 0) {
        throw new RangeError(
          `DATA of ${m.bytes.length} bytes at ${m.offset} does not fit a packet of ${m.size}`,
        );
      }
      return m;
    }
    case KINDS.offer: {
      need(OFFER_BYTES, "OFFER");
      const m: OfferMessage = {
        kind: "offer",
        peer: id(START),
        packet: id(START + ID),
        size: u64(view, START + 64, "size"),
        nice: view.getUint8(START + 72),
        chunk: view.getUint32(START + 73),
      };
      checkChunk(m.size, m.chunk);
      return m;
    }
    case KINDS.have: {
      need(HAVE_BYTES, "HAVE");
      const m: HaveMessage = {
        kind: "have",
        peer: id(START),
        packet: id(START + ID),
        size: u64(view, START + 64, "size"),
        done: u64(view, START + 72, "done"),
        frag: view.getUint32(START + 80),
        bitmap: bytes.slice(START + 84, START + 92),
      };
      checkChunk(m.size, m.frag);
      if (m.done > m.size) throw new RangeError(`HAVE done ${m.done} is beyond size ${m.size}`);
      return m;
    }
    case KINDS.ack:
      need(ACK_BYTES, "ACK");
      return {
        kind: "ack",
        peer: id(START),
        packet: id(START + ID),
        signature: bytes.slice(START + 64, START + 128),
      };
    default:
      throw new SyntaxError(`unknown message kind ${kind}`);
  }
}

function checkChunk(size: number, chunk: number): void {
  if (size < 1) throw new RangeError("packet size 0");
  if (chunk < 1) throw new RangeError("chunk size 0");
}

/** Topic names under a prefix. */
export class Topics {
  constructor(readonly prefix: string) {}
  /** Messages to `to` from `from`. */
  inbox(to: string, from: string): string {
    return `${this.prefix}/${to}/in/${from}`;
  }
  /** Everything to `to` (what `to` subscribes to). */
  inboxFilter(to: string): string {
    return `${this.prefix}/${to}/in/+`;
  }
  /** The retained presence of `node`. */
  presence(node: string): string {
    return `${this.prefix}/${node}/presence`;
  }
  /** Splits an inbox topic into `[to, from]`, or null when it is not one. */
  parseInbox(topic: string): [string, string] | null {
    const head = `${this.prefix}/`;
    if (!topic.startsWith(head)) return null;
    const parts = topic.slice(head.length).split("/");
    if (parts.length !== 3 || parts[1] !== "in") return null;
    return [parts[0]!, parts[2]!];
  }
  /** The node of a presence topic, or null. */
  parsePresence(topic: string): string | null {
    const head = `${this.prefix}/`;
    if (!topic.startsWith(head)) return null;
    const parts = topic.slice(head.length).split("/");
    if (parts.length !== 2 || parts[1] !== "presence") return null;
    return parts[0]!;
  }
}

/** Presence payloads (retained). */
export const PRESENCE = { online: "online", offline: "offline" } as const;
