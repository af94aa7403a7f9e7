/**
 * The MQTT 5 packets ferry's client sends and reads: CONNECT, CONNACK,
 * PUBLISH (QoS 0 and 1, no topic aliases), PUBACK, SUBSCRIBE, SUBACK,
 * PINGREQ, PINGRESP and DISCONNECT. Encoders return bytes (a PUBLISH only
 * its header: the payload is written after it as it is); decoders read a
 * body in place and throw `SyntaxError` for anything malformed.
 *
 * ```ts
 * import { decodePuback, encodePuback } from "./packets.ts";
 * const p = encodePuback(7);
 * console.assert(decodePuback(p, 2, p.length).id === 7);
 * ```
 * @module
 */

import { Builder, PacketType, varintBytes, writeVarint } from "./frame.ts";
import { Prop, readProperties } from "./properties.ts";

/** A last will. */
export interface Will {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  retain: boolean;
}

/** What goes into CONNECT. */
export interface ConnectFields {
  clientId: string;
  cleanStart: boolean;
  keepaliveSec: number;
  sessionExpirySec: number;
  /** QoS 1 messages the broker may have unacknowledged towards us. */
  receiveMaximum: number;
  /** Largest packet we accept, bytes. */
  maximumPacketBytes: number;
  will?: Will;
  username?: string;
  password?: string;
}

/** Encodes CONNECT (MQTT 5). */
export function encodeConnect(c: ConnectFields): Uint8Array {
  let flags = c.cleanStart ? 0x02 : 0;
  if (c.will) flags |= 0x04 | (c.will.qos << 3) | (c.will.retain ? 0x20 : 0);
  if (c.username !== undefined) flags |= 0x80;
  if (c.password !== undefined) flags |= 0x40;
  const props = new Builder()
    .u8(Prop.sessionExpiry).u32(c.sessionExpirySec)
    .u8(Prop.receiveMaximum).u16(c.receiveMaximum)
    .u8(Prop.maximumPacketSize).u32(c.maximumPacketBytes)
    .u8(Prop.topicAliasMaximum).u16(0);
  const b = new Builder().string("MQTT").u8(5).u8(flags).u16(c.keepaliveSec).block(props)
    .string(c.clientId);
  if (c.will) b.block(new Builder()).string(c.will.topic).binary(c.will.payload);
  if (c.username !== undefined) b.string(c.username);
  if (c.password !== undefined) b.string(c.password);
  return b.packet(PacketType.connect << 4);
}

/** What the broker said in CONNACK. */
export interface Connack {
  sessionPresent: boolean;
  reasonCode: number;
  /** QoS 1 messages we may have unacknowledged towards the broker (65535 when not given). */
  receiveMaximum: number;
  /** Largest packet the broker accepts, bytes (MQTT's largest when not given). */
  maximumPacketBytes: number;
  /** Client id the broker chose for us, when we sent an empty one. */
  assignedClientId?: string;
  /** Keepalive the broker wants instead of ours. */
  serverKeepaliveSec?: number;
  reasonString?: string;
}

/** Decodes a CONNACK body `[at, end)`. */
export function decodeConnack(buf: Uint8Array, at: number, end: number): Connack {
  if (end - at < 3) throw new SyntaxError(`CONNACK of ${end - at} bytes is too short`);
  const flags = buf[at]!;
  if (flags & 0xfe) throw new SyntaxError(`CONNACK flags 0x${flags.toString(16)} are reserved`);
  const props = readProperties(buf, at + 2, end, "CONNACK");
  if (props.end !== end) throw new SyntaxError("CONNACK has bytes after its properties");
  const v = props.values;
  const out: Connack = {
    sessionPresent: (flags & 1) === 1,
    reasonCode: buf[at + 1]!,
    receiveMaximum: (v.get(Prop.receiveMaximum) as number | undefined) ?? 65_535,
    maximumPacketBytes: (v.get(Prop.maximumPacketSize) as number | undefined) ?? 268_435_460,
  };
  if (out.receiveMaximum === 0) throw new SyntaxError("CONNACK receive maximum 0");
  if (out.maximumPacketBytes === 0) throw new SyntaxError("CONNACK maximum packet size 0");
  const assigned = v.get(Prop.assignedClientId);
  if (typeof assigned === "string") out.assignedClientId = assigned;
  const keep = v.get(Prop.serverKeepAlive);
  if (typeof keep === "number") out.serverKeepaliveSec = keep;
  const why = v.get(Prop.reasonString);
  if (typeof why === "string") out.reasonString = why;
  return out;
}

/** Bytes of a PUBLISH header for a topic of `topicBytes` bytes and `payloadBytes` of payload. */
export function publishHeaderBytes(topicBytes: number, qos: 0 | 1, payloadBytes: number): number {
  const rest = 2 + topicBytes + (qos ? 2 : 0) + 1 + payloadBytes;
  return 1 + varintBytes(rest) + rest - payloadBytes;
}

/**
 * Writes a PUBLISH header (fixed header, topic, packet id, empty
 * properties) into `out` at 0; the payload follows it on the wire.
 * Returns the header's length.
 */
export function writePublishHeader(
  out: Uint8Array,
  topic: Uint8Array,
  qos: 0 | 1,
  retain: boolean,
  id: number,
  payloadBytes: number,
): number {
  const rest = 2 + topic.length + (qos ? 2 : 0) + 1 + payloadBytes;
  out[0] = (PacketType.publish << 4) | (qos << 1) | (retain ? 1 : 0);
  let p = writeVarint(out, 1, rest);
  out[p++] = topic.length >> 8;
  out[p++] = topic.length & 0xff;
  out.set(topic, p);
  p += topic.length;
  if (qos) {
    out[p++] = id >> 8;
    out[p++] = id & 0xff;
  }
  out[p++] = 0; // no properties
  return p;
}

/** An incoming PUBLISH; the payload is `[payloadAt, end)` of the read buffer. */
export interface PublishView {
  topic: string;
  qos: 0 | 1;
  retain: boolean;
  id: number;
  payloadAt: number;
}

const strict = new TextDecoder("utf-8", { fatal: true });

/** Decodes a PUBLISH with fixed-header `flags` and body `[at, end)`. */
export function decodePublish(
  buf: Uint8Array,
  flags: number,
  at: number,
  end: number,
): PublishView {
  const qos = (flags >> 1) & 3;
  if (qos > 1) throw new SyntaxError(`PUBLISH at QoS ${qos}: we subscribe at QoS 1 at most`);
  if (end - at < 2) throw new SyntaxError("PUBLISH ends inside its topic length");
  const n = (buf[at]! << 8) | buf[at + 1]!;
  let p = at + 2 + n;
  if (p > end) throw new SyntaxError("PUBLISH topic runs past the packet");
  if (n === 0) throw new SyntaxError("PUBLISH without a topic (we accept no topic aliases)");
  let topic: string;
  try {
    topic = strict.decode(buf.subarray(at + 2, p));
  } catch {
    throw new SyntaxError("PUBLISH topic is not UTF-8");
  }
  let id = 0;
  if (qos) {
    if (p + 2 > end) throw new SyntaxError("PUBLISH ends inside its packet identifier");
    id = (buf[p]! << 8) | buf[p + 1]!;
    if (id === 0) throw new SyntaxError("PUBLISH at QoS 1 with packet identifier 0");
    p += 2;
  }
  if (p >= end) throw new SyntaxError("PUBLISH ends before its properties");
  // Properties are checked, not kept.
  const props = buf[p] === 0 ? p + 1 : readProperties(buf, p, end, "PUBLISH", false).end;
  return { topic, qos: qos as 0 | 1, retain: (flags & 1) === 1, id, payloadAt: props };
}

/** Encodes a PUBACK (success, short form) into `out` (4 bytes) or a new array. */
export function encodePuback(id: number, out = new Uint8Array(4)): Uint8Array {
  out[0] = PacketType.puback << 4;
  out[1] = 2;
  out[2] = id >> 8;
  out[3] = id & 0xff;
  return out;
}

/** Decodes a PUBACK body: packet id and reason code. */
export function decodePuback(
  buf: Uint8Array,
  at: number,
  end: number,
): { id: number; reasonCode: number } {
  if (end - at < 2) throw new SyntaxError(`PUBACK of ${end - at} bytes is too short`);
  const id = (buf[at]! << 8) | buf[at + 1]!;
  const reasonCode = end - at > 2 ? buf[at + 2]! : 0;
  if (end - at > 3) readProperties(buf, at + 3, end, "PUBACK", false);
  return { id, reasonCode };
}

/** Encodes SUBSCRIBE for `filters`, each at its maximum QoS. */
export function encodeSubscribe(id: number, filters: { topic: string; qos: 0 | 1 }[]): Uint8Array {
  if (filters.length === 0) throw new RangeError("SUBSCRIBE needs at least one topic filter");
  const b = new Builder().u16(id).block(new Builder());
  for (const f of filters) b.string(f.topic).u8(f.qos);
  return b.packet((PacketType.subscribe << 4) | 0x02);
}

/** Decodes a SUBACK body: packet id and a reason code per filter. */
export function decodeSuback(
  buf: Uint8Array,
  at: number,
  end: number,
): { id: number; reasonCodes: number[] } {
  if (end - at < 3) throw new SyntaxError(`SUBACK of ${end - at} bytes is too short`);
  const id = (buf[at]! << 8) | buf[at + 1]!;
  const props = readProperties(buf, at + 2, end, "SUBACK");
  return { id, reasonCodes: [...buf.subarray(props.end, end)] };
}

/** PINGREQ. */
export const PINGREQ: Uint8Array = new Uint8Array([PacketType.pingreq << 4, 0]);

/** Encodes DISCONNECT with a reason code (0: normal). */
export function encodeDisconnect(reasonCode = 0): Uint8Array {
  if (reasonCode === 0) return new Uint8Array([PacketType.disconnect << 4, 0]);
  return new Builder().u8(reasonCode).block(new Builder()).packet(PacketType.disconnect << 4);
}

/** Decodes a DISCONNECT body: reason code and reason string. */
export function decodeDisconnect(
  buf: Uint8Array,
  at: number,
  end: number,
): { reasonCode: number; reasonString?: string } {
  if (end === at) return { reasonCode: 0 };
  const reasonCode = buf[at]!;
  if (end - at === 1) return { reasonCode };
  const why = readProperties(buf, at + 1, end, "DISCONNECT").values.get(Prop.reasonString);
  return typeof why === "string" ? { reasonCode, reasonString: why } : { reasonCode };
}
