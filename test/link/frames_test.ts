import { assertEquals, assertThrows } from "../assert.ts";
import {
  type ControlFrame,
  controlFrameBytes,
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameError,
} from "../../src/link/frames.ts";

const id = new Uint8Array(32).map((_, i) => i + 1);
const bitmap = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 0x80]);

Deno.test("every frame kind survives encoding and decoding", () => {
  const frames: Frame[] = [
    { kind: "data", rem: 63, epoch: 1, seq: 255, payload: new Uint8Array([1, 2, 3]) },
    { kind: "data", rem: 0, epoch: 0, seq: 0, payload: new Uint8Array(249) },
    {
      kind: "hello",
      rem: 2,
      idle: false,
      version: 1,
      established: true,
      nonce: 0xdeadbeef,
      echo: 7,
      fromTag: 1,
      toTag: 0xffffffff,
    },
    { kind: "offer", rem: 1, idle: false, id, size: 2 ** 40 + 3, nice: 96, fragBytes: 249 },
    {
      kind: "accept",
      rem: 0,
      idle: true,
      id,
      offset: 123_456_789_012,
      base: 70_000,
      fragBytes: 249,
      epoch: 200,
      bitmap,
    },
    { kind: "reject", rem: 0, idle: true, id, reason: 2 },
    { kind: "ack", rem: 5, idle: false, tag: 0x01020304, epoch: 7, base: 4_000_000_000, bitmap },
    { kind: "verified", rem: 0, idle: true, id },
    { kind: "turn", rem: 0, idle: true },
    { kind: "hold", rem: 1, idle: false, ms: 3_600_000 },
    { kind: "bye", rem: 0, idle: true },
  ];
  for (const frame of frames) assertEquals(decodeFrame(encodeFrame(frame)), frame);
});

Deno.test("a data frame's header is 2 bytes and a control frame has its fixed length", () => {
  const data = encodeFrame({
    kind: "data",
    rem: 3,
    epoch: 1,
    seq: 200,
    payload: new Uint8Array(249),
  });
  assertEquals(data.length, 251);
  assertEquals(controlFrameBytes("ack"), 19);
  assertEquals(controlFrameBytes("turn"), 2);
});

Deno.test("decoding names what is wrong: too short, unknown type, wrong length, reserved bit, huge size", () => {
  const code = (bytes: number[]) =>
    assertThrows(() => decodeFrame(new Uint8Array(bytes)), FrameError).code;
  assertEquals(code([]), "short");
  assertEquals(code([0x80, 1]), "short");
  assertEquals(code([0x55, 0]), "unknown-type");
  assertEquals(code([0, 0]), "unknown-type");
  assertEquals(code([7, 0, 1]), "bad-length");
  assertEquals(code([7, 0x80]), "bad-field");
  const offer = encodeFrame({
    kind: "offer",
    rem: 0,
    idle: false,
    id,
    size: 1,
    nice: 1,
    fragBytes: 16,
  });
  offer[34] = 0xff; // high word of the size: far beyond 2^53
  assertEquals(assertThrows(() => decodeFrame(offer), FrameError).code, "bad-field");
});

Deno.test("encoding refuses out-of-range fields as programming errors", () => {
  assertThrows(
    () => encodeFrame({ kind: "data", rem: 64, epoch: 0, seq: 0, payload: new Uint8Array(1) }),
    RangeError,
  );
  assertThrows(
    () => encodeFrame({ kind: "data", rem: 0, epoch: 0, seq: 256, payload: new Uint8Array(1) }),
    RangeError,
  );
  const short = { kind: "verified", rem: 0, idle: false, id: new Uint8Array(3) } as ControlFrame;
  assertThrows(() => encodeFrame(short), RangeError);
});
