/**
 * MQTT 5 properties: read in place from a packet body. Every property the
 * broker sends is checked against its type; an unknown identifier, a
 * property not allowed in that packet or one that runs past the end throws
 * `SyntaxError` naming it.
 *
 * ```ts
 * import { readProperties } from "./properties.ts";
 * // length 3, receive maximum (0x21) = 10
 * const p = readProperties(new Uint8Array([3, 0x21, 0, 10]), 0, 4, "CONNACK");
 * console.assert(p.values.get(0x21) === 10 && p.end === 4);
 * ```
 * @module
 */

import { readVarint } from "./frame.ts";

type Kind = "byte" | "u16" | "u32" | "varint" | "string" | "binary" | "pair";

/** Property identifiers ferry reads or sends. */
export const Prop = {
  payloadFormat: 0x01,
  messageExpiry: 0x02,
  contentType: 0x03,
  responseTopic: 0x08,
  correlationData: 0x09,
  subscriptionId: 0x0b,
  sessionExpiry: 0x11,
  assignedClientId: 0x12,
  serverKeepAlive: 0x13,
  authMethod: 0x15,
  authData: 0x16,
  responseInfo: 0x1a,
  serverReference: 0x1c,
  reasonString: 0x1f,
  receiveMaximum: 0x21,
  topicAliasMaximum: 0x22,
  topicAlias: 0x23,
  maximumQos: 0x24,
  retainAvailable: 0x25,
  userProperty: 0x26,
  maximumPacketSize: 0x27,
  wildcardAvailable: 0x28,
  subscriptionIdAvailable: 0x29,
  sharedAvailable: 0x2a,
} as const;

const KINDS = new Map<number, Kind>([
  [0x01, "byte"],
  [0x02, "u32"],
  [0x03, "string"],
  [0x08, "string"],
  [0x09, "binary"],
  [0x0b, "varint"],
  [0x11, "u32"],
  [0x12, "string"],
  [0x13, "u16"],
  [0x15, "string"],
  [0x16, "binary"],
  [0x1a, "string"],
  [0x1c, "string"],
  [0x1f, "string"],
  [0x21, "u16"],
  [0x22, "u16"],
  [0x23, "u16"],
  [0x24, "byte"],
  [0x25, "byte"],
  [0x26, "pair"],
  [0x27, "u32"],
  [0x28, "byte"],
  [0x29, "byte"],
  [0x2a, "byte"],
]);

/** Properties each packet from the broker may carry. */
const ALLOWED: Record<string, ReadonlySet<number>> = {
  CONNACK: new Set([
    0x11,
    0x12,
    0x13,
    0x15,
    0x16,
    0x1a,
    0x1c,
    0x1f,
    0x21,
    0x22,
    0x24,
    0x25,
    0x26,
    0x27,
    0x28,
    0x29,
    0x2a,
  ]),
  // No topic alias (0x23): we announce a topic alias maximum of 0.
  PUBLISH: new Set([0x01, 0x02, 0x03, 0x08, 0x09, 0x0b, 0x26]),
  PUBACK: new Set([0x1f, 0x26]),
  SUBACK: new Set([0x1f, 0x26]),
  DISCONNECT: new Set([0x11, 0x1c, 0x1f, 0x26]),
};

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Properties read: numbers and strings by identifier (user properties are skipped). */
export interface Properties {
  values: Map<number, number | string>;
  /** Where the properties end (the rest of the body starts). */
  end: number;
}

/**
 * Reads the property block at `at` (its length first) of packet `packet`,
 * which must end by `end`. With `keep` false nothing is collected (a
 * PUBLISH's properties are only checked).
 */
export function readProperties(
  buf: Uint8Array,
  at: number,
  end: number,
  packet: string,
  keep = true,
): Properties {
  const len = readVarint(buf, at, end);
  if (!len) throw new SyntaxError(`${packet} ends inside its property length`);
  let p = at + len[1];
  const stop = p + len[0];
  if (stop > end) throw new SyntaxError(`${packet} properties run past the packet`);
  const values = new Map<number, number | string>();
  const allowed = ALLOWED[packet];
  const need = (n: number, id: number) => {
    if (p + n > stop) {
      throw new SyntaxError(`${packet} property 0x${id.toString(16)} runs past the properties`);
    }
  };
  while (p < stop) {
    const idv = readVarint(buf, p, stop);
    if (!idv) throw new SyntaxError(`${packet} ends inside a property identifier`);
    const id = idv[0];
    p += idv[1];
    const kind = KINDS.get(id);
    if (!kind || !allowed?.has(id)) {
      throw new SyntaxError(`${packet} carries property 0x${id.toString(16)}, not allowed there`);
    }
    let value: number | string | null = null;
    switch (kind) {
      case "byte":
        need(1, id);
        value = buf[p]!;
        p += 1;
        break;
      case "u16":
        need(2, id);
        value = (buf[p]! << 8) | buf[p + 1]!;
        p += 2;
        break;
      case "u32":
        need(4, id);
        value = ((buf[p]! << 24) >>> 0) + (buf[p + 1]! << 16) + (buf[p + 2]! << 8) + buf[p + 3]!;
        p += 4;
        break;
      case "varint": {
        const v = readVarint(buf, p, stop);
        if (!v) throw new SyntaxError(`${packet} property 0x${id.toString(16)} is cut short`);
        value = v[0];
        p += v[1];
        break;
      }
      case "string":
      case "binary":
      case "pair": {
        for (let k = kind === "pair" ? 2 : 1; k > 0; k--) {
          need(2, id);
          const n = (buf[p]! << 8) | buf[p + 1]!;
          need(2 + n, id);
          if (kind === "string" && keep) value = decoder.decode(buf.subarray(p + 2, p + 2 + n));
          p += 2 + n;
        }
        break;
      }
    }
    if (keep && value !== null) {
      if (values.has(id) && id !== Prop.subscriptionId) {
        throw new SyntaxError(`${packet} carries property 0x${id.toString(16)} twice`);
      }
      values.set(id, value);
    }
  }
  return { values, end: stop };
}
