import { assert, assertEquals, assertThrows } from "../assert.ts";
import { decodeMeta, formatCtimeLocal, formatCtimeUtc } from "../../src/queue/mod.ts";

// Hand-built MessagePack, so these tests do not depend on ferry's writer.
const enc = new TextEncoder();
const s = (t: string) => [0xa0 | t.length, ...enc.encode(t)];
const bytesArr = (t: string) => [0x90 | t.length, ...enc.encode(t)];
const CTIME = [0x92, 0xce, 0x6b, 0x06, 0xde, 0x7a, 0x05]; // [1795612282, 5]
const meta = (...parts: number[][]) => new Uint8Array(parts.flat());
const top = (seq: number[], cmd: number[]) =>
  meta([0x83], s("seq"), seq, s("ctime"), CTIME, s("cmd_type"), cmd);

Deno.test("the metadata reader accepts the variations fspl's reader accepts", () => {
  const command = (body: number[]) => [0x81, ...s("Command"), ...body];
  const params = [0x91, ...bytesArr("x")];
  const cases: [string, Uint8Array, string, string[]][] = [
    ["variant by index", top([7], [1]), "NOP", []],
    ["unit variant as a map with nil", top([7], [0x81, ...s("Fail"), 0xc0]), "Fail", []],
    ["Command by index in a map", top([7], [0x81, 0x00, 0x92, ...params, 0x90]), "Command", ["x"]],
    ["Command body as an array", top([7], command([0x92, ...params, 0x90])), "Command", ["x"]],
    ["struct keys as indexes", meta([0x83, 0x00, 0x07, 0x01], CTIME, [0x02], s("NOP")), "NOP", []],
    ["top level as an array", meta([0x93, 0x07], CTIME, s("NOP")), "NOP", []],
    ["wider integers than needed", top([0xcf, 0, 0, 0, 0, 0, 0, 0, 7], s("NOP")), "NOP", []],
    ["seq as a signed integer", top([0xd0, 0x07], s("NOP")), "NOP", []],
    [
      "keys as str8 and bin",
      meta(
        [0x83, 0xd9, 3],
        [...enc.encode("seq")],
        [7, 0xc4, 5],
        [...enc.encode("ctime")],
        CTIME,
        s("cmd_type"),
        s("NOP"),
      ),
      "NOP",
      [],
    ],
    [
      "unknown keys are skipped",
      meta(
        [0x84],
        s("seq"),
        [7],
        s("extra"),
        [0x92, 0xc3, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0],
        s("ctime"),
        CTIME,
        s("cmd_type"),
        s("NOP"),
      ),
      "NOP",
      [],
    ],
    ["trailing bytes are ignored", meta(Array.from(top([7], s("NOP"))), [0xc1, 0xff]), "NOP", []],
    [
      "a byte written as u16",
      top([7], command([0x82, ...s("params"), 0x91, 0x91, 0xcd, 0x00, 0x78, ...s("env"), 0x90])),
      "Command",
      ["x"],
    ],
  ];
  for (const [name, bytes, kind, paramText] of cases) {
    const m = decodeMeta(bytes);
    assertEquals([m.seq, m.ctimeSecs, m.ctimeNanos, m.kind], [7n, 1795612282n, 5, kind], name);
    assertEquals(m.params.map((p) => new TextDecoder().decode(p)), paramText, name);
  }
});

Deno.test("the metadata reader refuses what fspl refuses and names the field", () => {
  const command = (body: number[]) => [0x81, ...s("Command"), ...body];
  const cases: [string, Uint8Array, string][] = [
    [
      "param as bin",
      top([7], command([0x92, 0x91, 0xc4, 1, 0x78, 0x90])),
      "param: invalid type: MessagePack bin",
    ],
    [
      "param as str",
      top([7], command([0x92, 0x91, 0xa2, 0x68, 0x69, 0x90])),
      "param: invalid type: MessagePack str",
    ],
    ["missing field", meta([0x82], s("seq"), [7], s("ctime"), CTIME), "missing field `cmd_type`"],
    [
      "duplicate field",
      meta([0x84], s("seq"), [7], s("seq"), [8], s("ctime"), CTIME, s("cmd_type"), s("NOP")),
      "duplicate field `seq`",
    ],
    ["negative seq", top([0xff], s("NOP")), "integer `-1`, expected u64"],
    [
      "byte over 255",
      top([7], command([0x92, 0x91, 0x91, 0xcd, 0x01, 0x2c, 0x90])),
      "integer `300`, expected u8",
    ],
    ["Command without a body", top([7], s("Command")), "unit variant, expected newtype variant"],
    ["unknown variant", top([7], s("Nop")), "unknown variant `Nop`"],
    ["variant index 3", top([7], [3]), "expected variant index 0 <= i < 3"],
    [
      "env pair of three",
      top(
        [7],
        command([0x92, 0x90, 0x91, 0x93, ...bytesArr("A"), ...bytesArr("B"), ...bytesArr("C")]),
      ),
      "env pair: array had incorrect length 3",
    ],
    [
      "ctime of three",
      meta([0x83], s("seq"), [7], s("ctime"), [0x93, 1, 2, 3], s("cmd_type"), s("NOP")),
      "ctime: array had incorrect length 3",
    ],
    [
      "nanos of 2e9",
      meta(
        [0x83],
        s("seq"),
        [7],
        s("ctime"),
        [0x92, 1, 0xce, 0x77, 0x35, 0x94, 0x00],
        s("cmd_type"),
        s("NOP"),
      ),
      "2e9 or more",
    ],
    [
      "ctime past year 262142",
      meta(
        [0x83],
        s("seq"),
        [7],
        s("ctime"),
        [0x92, 0xcf, 0x40, 0, 0, 0, 0, 0, 0, 0, 0],
        s("cmd_type"),
        s("NOP"),
      ),
      "outside the years",
    ],
    ["empty metadata", new Uint8Array(0), "metadata ends early"],
    ["boolean seq", top([0xc3], s("NOP")), "seq: expected an integer, found bool"],
  ];
  for (const [name, bytes, text] of cases) {
    const err = assertThrows(() => decodeMeta(bytes), SyntaxError);
    assert(err.message.includes(text), `${name}: ${err.message}`);
  }
});

Deno.test("ctime renders as fspl renders it: leap seconds without carry, signed long years", () => {
  // Values checked against fspl 1.2.2 stdin-info (TZ=UTC).
  assertEquals(formatCtimeUtc(1795612282n, 1_500_000_000), "2026-11-25T13:11:23Z");
  assertEquals(formatCtimeUtc(1795612287n, 1_000_000_000), "2026-11-25T13:11:28Z");
  assertEquals(formatCtimeUtc(316516000000n, 0), "+11999-12-29T15:06:40Z");
  assertEquals(formatCtimeUtc(-100000n, 5), "1969-12-30T20:13:20Z");
  const local = formatCtimeLocal(1795612282n, 0);
  assert(/^2026-11-2[45]T\d\d:\d\d:22[+-]\d\d:\d\d$/.test(local), local);
});
