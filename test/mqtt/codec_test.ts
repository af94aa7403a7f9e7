/**
 * ferry's MQTT 5 codec: variable byte integers, framing in place, the
 * packets it sends and reads, and hostile bytes refused with a reason.
 * @module
 */

import { assert, assertEquals, assertThrows } from "../assert.ts";
import { findFrame, readVarint, writeVarint } from "../../src/mqtt/client/frame.ts";
import {
  decodeConnack,
  decodeDisconnect,
  decodePuback,
  decodePublish,
  decodeSuback,
  encodeConnect,
  encodeDisconnect,
  encodePuback,
  encodeSubscribe,
  publishHeaderBytes,
  writePublishHeader,
} from "../../src/mqtt/client/packets.ts";

Deno.test("variable byte integers round trip at every length and a fifth byte is refused", () => {
  for (const n of [0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455]) {
    const out = new Uint8Array(4);
    const len = writeVarint(out, 0, n);
    assertEquals(readVarint(out, 0, len), [n, len]);
    if (len > 1) assertEquals(readVarint(out, 0, len - 1), null, "cut short: wait for more");
  }
  assertThrows(() => writeVarint(new Uint8Array(4), 0, 268_435_456), RangeError, "out of range");
  assertThrows(
    () => readVarint(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x01]), 0, 5),
    SyntaxError,
    "more than 4 bytes",
  );
});

Deno.test("frames are found in place; too large, reserved type and bad lengths are refused", () => {
  const buf = new Uint8Array([0xd0, 0x00, 0x40, 0x02, 0x00]);
  assertEquals(findFrame(buf, 0, 5, 100), { type: 13, flags: 0, bodyAt: 2, end: 2 });
  assertEquals(findFrame(buf, 2, 5, 100), { total: 4 }, "PUBACK body not all here");
  assertEquals(findFrame(buf, 5, 5, 100), null);
  assertThrows(
    () => findFrame(new Uint8Array([0x30, 0xff, 0xff, 0x7f]), 0, 4, 1024),
    RangeError,
    "larger than our maximum packet size 1024",
  );
  assertThrows(() => findFrame(new Uint8Array([0x00, 0x00]), 0, 2, 1024), SyntaxError, "reserved");
  assertThrows(
    () => findFrame(new Uint8Array([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]), 0, 6, 1 << 30),
    SyntaxError,
    "more than 4 bytes",
  );
});

Deno.test("CONNECT carries clean start false, will (retained, QoS 1), credentials and properties", () => {
  const c = encodeConnect({
    clientId: "ferry-x",
    cleanStart: false,
    keepaliveSec: 30,
    sessionExpirySec: 604_800,
    receiveMaximum: 32,
    maximumPacketBytes: 4_259_840,
    will: { topic: "p", payload: new Uint8Array([1]), qos: 1, retain: true },
    username: "u",
    password: "pw",
  });
  const f = findFrame(c, 0, c.length, 1 << 20);
  assert(f && "type" in f && f.type === 1 && f.end === c.length);
  const b = c.subarray(f.bodyAt);
  assertEquals([...b.subarray(0, 7)], [0, 4, 0x4d, 0x51, 0x54, 0x54, 5]);
  assertEquals(b[7], 0x80 | 0x40 | 0x20 | 0x08 | 0x04, "user, password, will retain+QoS 1, will");
  assertEquals([b[8], b[9]], [0, 30]);
  // properties: session expiry, receive maximum, maximum packet size, topic alias maximum 0
  assertEquals([...b.subarray(10, 27)], [
    16,
    0x11,
    0,
    9,
    0x3a,
    0x80,
    0x21,
    0,
    32,
    0x27,
    0,
    0x41,
    0,
    0,
    0x22,
    0,
    0,
  ]);
  assertEquals(new TextDecoder().decode(b.subarray(b.length - 2)), "pw");
});

Deno.test("CONNACK: flags, reason code and the broker's limits; hostile properties refused", () => {
  // session present, success, receive maximum 20, maximum packet size 65536, assigned id "a"
  const body = new Uint8Array([1, 0, 12, 0x21, 0, 20, 0x27, 0, 1, 0, 0, 0x12, 0, 1, 0x61]);
  assertEquals(decodeConnack(body, 0, body.length), {
    sessionPresent: true,
    reasonCode: 0,
    receiveMaximum: 20,
    maximumPacketBytes: 65_536,
    assignedClientId: "a",
  });
  const bare = new Uint8Array([0, 0x87, 0]);
  assertEquals(decodeConnack(bare, 0, 3).reasonCode, 0x87);
  assertEquals(decodeConnack(bare, 0, 3).receiveMaximum, 65_535);
  assertThrows(
    () => decodeConnack(new Uint8Array([0, 0, 2, 0x7f, 0]), 0, 5),
    SyntaxError,
    "0x7f",
  );
  assertThrows(
    () => decodeConnack(new Uint8Array([0, 0, 6, 0x21, 0, 1, 0x21, 0, 2]), 0, 9),
    SyntaxError,
    "twice",
  );
  assertThrows(
    () => decodeConnack(new Uint8Array([0, 0, 9, 0x21, 0, 1]), 0, 6),
    SyntaxError,
    "past the packet",
  );
  assertThrows(
    () => decodeConnack(new Uint8Array([0, 0, 3, 0x21, 0, 0]), 0, 6),
    SyntaxError,
    "receive maximum 0",
  );
  assertThrows(() => decodeConnack(new Uint8Array([2, 0, 0]), 0, 3), SyntaxError, "reserved");
});

Deno.test("PUBLISH header and payload round trip; the payload is a view, not a copy", () => {
  const topic = new TextEncoder().encode("ferry/v1/a/in/b");
  for (const [qos, size] of [[1, 262_144 + 97], [0, 3], [1, 0]] as const) {
    const payload = new Uint8Array(size).map((_, i) => i & 255);
    const headBytes = publishHeaderBytes(topic.length, qos, size);
    const wire = new Uint8Array(headBytes + size);
    assertEquals(writePublishHeader(wire, topic, qos, true, 513, size), headBytes);
    wire.set(payload, headBytes);
    const f = findFrame(wire, 0, wire.length, 1 << 20);
    assert(f && "type" in f && f.type === 3 && f.end === wire.length);
    const p = decodePublish(wire, f.flags, f.bodyAt, f.end);
    assertEquals(p, {
      topic: "ferry/v1/a/in/b",
      qos,
      retain: true,
      id: qos ? 513 : 0,
      payloadAt: headBytes,
    });
    const view = wire.subarray(p.payloadAt, f.end);
    assertEquals(view, payload);
    assert(view.buffer === wire.buffer);
  }
});

Deno.test("hostile PUBLISH bodies are refused: QoS 2, topic alias, no topic, bad UTF-8, cut short", () => {
  const body = (...b: number[]) => new Uint8Array(b);
  const pub = (flags: number, b: Uint8Array) => decodePublish(b, flags, 0, b.length);
  assertThrows(() => pub(4, body(0, 1, 0x61, 0, 1, 0)), SyntaxError, "QoS 2");
  assertThrows(() => pub(2, body(0, 1, 0x61, 0, 1, 3, 0x23, 0, 1)), SyntaxError, "0x23");
  assertThrows(() => pub(0, body(0, 0, 0)), SyntaxError, "without a topic");
  assertThrows(() => pub(0, body(0, 1, 0xff, 0)), SyntaxError, "not UTF-8");
  assertThrows(() => pub(0, body(0, 9, 0x61)), SyntaxError, "runs past");
  assertThrows(() => pub(2, body(0, 1, 0x61, 0, 0, 0)), SyntaxError, "identifier 0");
  assertThrows(() => pub(0, body(0, 1, 0x61)), SyntaxError, "before its properties");
});

Deno.test("PUBACK, SUBSCRIBE/SUBACK and DISCONNECT encode and decode", () => {
  const a = encodePuback(65_535);
  assertEquals(decodePuback(a, 2, 4), { id: 65_535, reasonCode: 0 });
  assertEquals(decodePuback(new Uint8Array([0, 7, 0x87, 0]), 0, 4), { id: 7, reasonCode: 0x87 });
  const s = encodeSubscribe(9, [{ topic: "a/+", qos: 1 }]);
  assertEquals([...s], [0x82, 9, 0, 9, 0, 0, 3, 0x61, 0x2f, 0x2b, 1]);
  assertEquals(decodeSuback(new Uint8Array([0, 9, 0, 1, 0x87]), 0, 5), {
    id: 9,
    reasonCodes: [1, 0x87],
  });
  assertEquals([...encodeDisconnect()], [0xe0, 0]);
  const d = encodeDisconnect(0x82);
  assertEquals(decodeDisconnect(d, 2, d.length), { reasonCode: 0x82 });
  const why = new Uint8Array([0x8e, 5, 0x1f, 0, 2, 0x68, 0x69]);
  assertEquals(decodeDisconnect(why, 0, why.length), { reasonCode: 0x8e, reasonString: "hi" });
});
