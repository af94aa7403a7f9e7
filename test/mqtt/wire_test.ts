/** The MQTT wire format: round trips, malformed messages refused with a reason, signed acks. */

import { assert, assertEquals, assertThrows } from "../assert.ts";
import { ed25519Sign, generateSignKeys } from "../../src/crypto/keys.ts";
import { ackText, signAck, verifyAck } from "../../src/mqtt/ack.ts";
import {
  decodeMessage,
  encodeAck,
  encodeData,
  encodeHave,
  encodeOffer,
  Topics,
} from "../../src/mqtt/wire.ts";

const a = new Uint8Array(32).fill(1);
const p = new Uint8Array(32).fill(2);

Deno.test("every message kind survives a round trip", () => {
  const data = {
    peer: a,
    packet: p,
    size: 1000,
    nice: 96,
    chunk: 256,
    offset: 512,
    bytes: new Uint8Array(256).fill(9),
  };
  assertEquals(decodeMessage(encodeData(data)), { kind: "data", ...data });
  const offer = { peer: a, packet: p, size: 1000, nice: 1, chunk: 256 };
  assertEquals(decodeMessage(encodeOffer(offer)), { kind: "offer", ...offer });
  const have = {
    peer: a,
    packet: p,
    size: 1000,
    done: 256,
    frag: 256,
    bitmap: new Uint8Array([1, 0, 0, 0, 0, 0, 0, 128]),
  };
  assertEquals(decodeMessage(encodeHave(have)), { kind: "have", ...have });
  const ack = { peer: a, packet: p, signature: new Uint8Array(64).fill(3) };
  assertEquals(decodeMessage(encodeAck(ack)), { kind: "ack", ...ack });
});

Deno.test("malformed messages are refused with a reason", () => {
  assertThrows(
    () => decodeMessage(new TextEncoder().encode("hello")),
    SyntaxError,
    "not a ferry message",
  );
  assertThrows(
    () => decodeMessage(new Uint8Array([0x46, 0x4d, 0x51, 1, 9])),
    SyntaxError,
    "unknown message kind",
  );
  const ack = encodeAck({ peer: a, packet: p, signature: new Uint8Array(64) });
  assertThrows(() => decodeMessage(ack.subarray(0, 50)), SyntaxError, "ACK message has 50 bytes");
  const beyond = encodeData({
    peer: a,
    packet: p,
    size: 100,
    nice: 1,
    chunk: 64,
    offset: 90,
    bytes: new Uint8Array(20),
  });
  assertThrows(() => decodeMessage(beyond), RangeError, "does not fit");
  const zero = encodeOffer({ peer: a, packet: p, size: 100, nice: 1, chunk: 0 });
  assertThrows(() => decodeMessage(zero), RangeError, "chunk size 0");
  const have = encodeHave({
    peer: a,
    packet: p,
    size: 10,
    done: 11,
    frag: 1,
    bitmap: new Uint8Array(8),
  });
  assertThrows(() => decodeMessage(have), RangeError, "beyond size");
});

Deno.test("an ack verifies only for its recipient, sender and packet", () => {
  const keys = generateSignKeys();
  const other = generateSignKeys();
  const sig = signAck(keys.prv, a, p, p);
  assert(verifyAck(keys.pub, a, p, p, sig));
  assert(!verifyAck(other.pub, a, p, p, sig), "another key");
  assert(!verifyAck(keys.pub, p, p, p, sig), "another recipient");
  assert(!verifyAck(keys.pub, a, a, p, sig), "another sender");
  assert(!verifyAck(keys.pub, a, p, a, sig), "another packet");
  assert(!verifyAck(keys.pub, a, p, p, new Uint8Array(64)), "a zero signature");
});

Deno.test("an ack signed natively is the same bytes as the JavaScript signer's", () => {
  for (let i = 0; i < 4; i++) {
    const keys = generateSignKeys();
    const packet = crypto.getRandomValues(new Uint8Array(32));
    const sig = signAck(keys.prv, a, p, packet);
    assertEquals(sig, ed25519Sign(keys.prv, ackText(a, p, packet)));
    assert(verifyAck(keys.pub, a, p, packet, sig));
  }
  assertThrows(() => signAck(new Uint8Array(32), a, p, p), RangeError, "private key");
});

Deno.test("topics split back into their parts and refuse others", () => {
  const t = new Topics("ferry/v1");
  assertEquals(t.parseInbox(t.inbox("TO", "FROM")), ["TO", "FROM"]);
  assertEquals(t.parsePresence(t.presence("N")), "N");
  assertEquals(t.parseInbox("ferry/v1/TO/out/FROM"), null);
  assertEquals(t.parseInbox("other/TO/in/FROM"), null);
});
