import { assertEquals, assertThrows } from "../assert.ts";
import {
  ackPlain,
  areaPlain,
  decodePlainHeader,
  encodePlainHeader,
  execPlain,
  filePlain,
  freqPayload,
  freqPlain,
  NICE,
  PacketFormatError,
  PacketVersionError,
  padBytesFor,
  plainPathId,
  plainPathText,
  PlainType,
  readFull,
  splitExecPath,
  trnsPlain,
  zstdCompressSource,
} from "../../src/packet/mod.ts";
import { zstdDecompressSync } from "node:zlib";
import { VECTORS } from "./_nodes.ts";

const plainOf = (name: string) => Deno.readFile(new URL(`plain/${name}`, VECTORS));

Deno.test("plain headers built by ferry equal NNCP's byte for byte (file, freq, exec, ack)", async () => {
  const file = await plainOf(
    "file-small.QOVCEAEVTP6MPRWEXVNZOBIH2V6EDFI3CSBEJ27KJOPM3WFZQ5VQ.plain",
  );
  assertEquals(encodePlainHeader(filePlain("small.txt", NICE.bulk)), file.subarray(0, 276));
  const freq = await plainOf("freq.Q247J3JIKSVQ52XIAQQLBVUHLQ5STH3TZJG7G3RZRKWJV5THITXQ.plain");
  assertEquals(encodePlainHeader(freqPlain("pubfile.txt", NICE.bulk)), freq.subarray(0, 276));
  assertEquals(freqPayload("got-pubfile.txt"), freq.subarray(276));
  const exec = await plainOf("exec.6NAL6PR2WPVKRW7TTRDNUGAXZZ5A4FH4PQ4BGS4G6RGEPS7N4WOA.plain");
  assertEquals(
    encodePlainHeader(execPlain("appender", ["arg1", "arg two"], NICE.bulk)),
    exec.subarray(0, 276),
  );
  const fat = await plainOf("exec-fat.EMKWFP5R52WMJJQIIX5ZXX7WKJQUTU7CRQGIER6NCMR53NPP2TKQ.plain");
  const fatHeader = execPlain("appender", ["fatarg"], NICE.bulk, { compressed: false });
  assertEquals(encodePlainHeader(fatHeader), fat.subarray(0, 276));
  const ack = await plainOf("ack.7FDZTKAQ5Z2O3PGKGPAGOE2N225UHGA37SP5UQTO5S3IW7CF2GKQ.plain");
  const decoded = decodePlainHeader(ack);
  assertEquals(encodePlainHeader(ackPlain(plainPathId(decoded), NICE.normal)), ack);
});

Deno.test("plain headers decode into type, niceness and path for all seven types", () => {
  const id = new Uint8Array(32).fill(5);
  const cases = [
    [filePlain("dir/a.txt", 37), PlainType.file],
    [freqPlain("pub/x", 224), PlainType.freq],
    [execPlain("h", ["a", "b"], 96), PlainType.exec],
    [trnsPlain(id), PlainType.trns],
    [execPlain("h", [], 96, { compressed: false }), PlainType.execFat],
    [areaPlain(id), PlainType.area],
    [ackPlain(id, 160), PlainType.ack],
  ] as const;
  for (const [header, type] of cases) {
    const back = decodePlainHeader(encodePlainHeader(header));
    assertEquals(back, header);
    assertEquals(back.type, type);
  }
  assertEquals(plainPathText(filePlain("dir/a.txt", 37)), "dir/a.txt");
  assertEquals(splitExecPath(execPlain("h", ["a", "b"], 96)), { handle: "h", args: ["a", "b"] });
  assertEquals(trnsPlain(id).nice, 0);
  assertEquals(areaPlain(id).nice, 0);
});

Deno.test("plain header builders refuse what NNCP cannot carry", () => {
  assertThrows(() => filePlain("/etc/passwd", 1), RangeError, "must be relative");
  assertThrows(() => filePlain("x".repeat(256), 1), RangeError, "at most 255 fit");
  assertThrows(() => filePlain("", 1), RangeError, "empty");
  assertThrows(() => execPlain("h", ["a\0b"], 1), RangeError, "NUL");
  assertThrows(() => trnsPlain(new Uint8Array(31)), RangeError, "not 32");
  assertThrows(() => encodePlainHeader({ ...filePlain("a", 1), nice: 256 }), RangeError, "0..255");
});

Deno.test("plain header decoding refuses old magic, unknown types and impossible lengths", () => {
  const good = encodePlainHeader(filePlain("a", 1));
  const old = good.slice();
  old[7] = 2;
  assertThrows(() => decodePlainHeader(old), PacketVersionError, "from NNCP before 5.0");
  const type = good.slice();
  type[11] = 9;
  assertThrows(() => decodePlainHeader(type), PacketFormatError, "unknown type 9");
  const zero = good.slice();
  zero[11] = 0;
  assertThrows(() => decodePlainHeader(zero), PacketFormatError, "unknown type 0");
  const long = good.slice();
  long[18] = 1;
  assertThrows(() => decodePlainHeader(long), PacketFormatError, "path length 257 > 255");
  assertThrows(() => decodePlainHeader(good.subarray(0, 275)), PacketFormatError, "needs 276");
});

Deno.test("minsize padding is computed as NNCP does for direct, relayed and block-straddling packets", () => {
  assertEquals(padBytesFor(276 + 34, 4096, 1), 3582);
  assertEquals(padBytesFor(276 + 34, 200 * 1024, 1), 204286);
  assertEquals(padBytesFor(276 + 130788, 260 * 1024, 1), 134956);
  assertEquals(padBytesFor(276 + 34, 8192, 2), 7198);
  assertEquals(padBytesFor(276 + 34, 100, 1), 0);
});

Deno.test("exec bodies are one zstd frame with a checksum and no declared size, as NNCP writes them", async () => {
  const vector = await plainOf("exec.6NAL6PR2WPVKRW7TTRDNUGAXZZ5A4FH4PQ4BGS4G6RGEPS7N4WOA.plain");
  const nncpFrame = vector.subarray(276);
  const body = await Deno.readFile(new URL("payloads/exec.txt", VECTORS));
  const source = zstdCompressSource(body);
  const buf = new Uint8Array(4096);
  const frame = buf.subarray(0, await readFull(source, buf));
  assertEquals(frame.subarray(0, 5), nncpFrame.subarray(0, 5), "magic and frame header descriptor");
  assertEquals(new Uint8Array(zstdDecompressSync(frame)), body);
});
