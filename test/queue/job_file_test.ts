import { assert, assertEquals, assertThrows } from "../assert.ts";
import {
  crc32,
  decodeJobHeader,
  encodeJobHeader,
  encodeMeta,
  JobFormatError,
  type JobMeta,
  PREFIX_BYTES,
} from "../../src/queue/mod.ts";
import { hex, readVector, sha256, vector } from "./_tools.ts";

interface ManifestBytes {
  hex: string;
}
interface ManifestValid {
  file: string;
  meta_len: number;
  meta_crc32: string;
  prefix_crc32: string;
  payload_offset: number;
  seq: number;
  ctime_secs: number;
  ctime_nanos: number;
  type: string;
  params?: ManifestBytes[];
  env?: { key: ManifestBytes; value: ManifestBytes }[];
  payload_len: number;
  payload_sha256: string;
}
interface Manifest {
  valid: ManifestValid[];
  invalid: { file: string; fspl_error: string }[];
}

const manifest: Manifest = JSON.parse(await Deno.readTextFile(vector("manifest.json")));
const enc = new TextEncoder();

Deno.test("crc32 gives the standard check value for 123456789", () => {
  assertEquals(crc32(enc.encode("123456789")), 0xcbf43926);
});

Deno.test("every valid fspl vector decodes to the fields in its manifest", async () => {
  assertEquals(manifest.valid.length, 10);
  for (const v of manifest.valid) {
    const bytes = await readVector(v.file);
    const h = decodeJobHeader(bytes);
    const got = {
      seq: h.meta.seq,
      secs: h.meta.ctimeSecs,
      nanos: h.meta.ctimeNanos,
      type: h.meta.kind,
      metaLen: h.metaLen,
      metaCrc: h.metaCrc.toString(16).padStart(8, "0"),
      prefixCrc: h.prefixCrc.toString(16).padStart(8, "0"),
      offset: h.payloadOffset,
      params: h.meta.params.map(hex),
      env: h.meta.env.map(([k, val]) => [hex(k), hex(val)]),
      payloadLen: bytes.length - h.payloadOffset,
      payloadSha: await sha256(bytes.subarray(h.payloadOffset)),
    };
    assertEquals(got, {
      seq: BigInt(v.seq),
      secs: BigInt(v.ctime_secs),
      nanos: v.ctime_nanos,
      type: v.type,
      metaLen: v.meta_len,
      metaCrc: v.meta_crc32,
      prefixCrc: v.prefix_crc32,
      offset: v.payload_offset,
      params: (v.params ?? []).map((p) => p.hex),
      env: (v.env ?? []).map((e) => [e.key.hex, e.value.hex]),
      payloadLen: v.payload_len,
      payloadSha: v.payload_sha256,
    }, v.file);
  }
});

Deno.test("re-encoding every valid vector gives byte-identical files", async () => {
  for (const v of manifest.valid) {
    const bytes = await readVector(v.file);
    const h = decodeJobHeader(bytes);
    const again = encodeJobHeader(h.meta);
    assertEquals(hex(again), hex(bytes.subarray(0, h.payloadOffset)), v.file);
  }
});

Deno.test("invalid vectors are rejected with the reasons fspl gives", async () => {
  const listed = (await Deno.readTextFile(vector("expected/invalid.errors.txt"))).trim().split(
    "\n",
  );
  assertEquals(listed.length, manifest.invalid.length);
  for (const inv of manifest.invalid) {
    const bytes = await Deno.readFile(vector(inv.file));
    const err = assertThrows(() => decodeJobHeader(bytes), JobFormatError);
    const fsplReason = inv.fspl_error.replace(/^Error: /, "");
    assert(err.message.startsWith(fsplReason), `${inv.file}: ${err.message}`);
    const base = inv.file.replace("invalid/", "");
    assert(listed.includes(`${base}\t${inv.fspl_error}`), `${base} listed in invalid.errors.txt`);
  }
});

Deno.test("a metadata length over ferry's cap is refused without reading the metadata", () => {
  const nop = encodeJobHeader(meta({ kind: "NOP" }));
  const view = new DataView(nop.buffer);
  view.setBigUint64(14, 1n << 40n);
  view.setUint32(26, crc32(nop.subarray(0, 26)));
  const err = assertThrows(() => decodeJobHeader(nop.subarray(0, PREFIX_BYTES)), JobFormatError);
  assertEquals(err.problem, "meta-too-large");
});

function meta(over: Partial<JobMeta> = {}): JobMeta {
  return {
    seq: 1n,
    ctimeSecs: 1795612282n,
    ctimeNanos: 5,
    kind: "Command",
    params: [],
    env: [],
    ...over,
  };
}

Deno.test("integers are written in their smallest MessagePack form", () => {
  const cases: [bigint, string][] = [
    [127n, "7f"],
    [128n, "cc80"],
    [255n, "ccff"],
    [256n, "cd0100"],
    [65536n, "ce00010000"],
    [1n << 32n, "cf0000000100000000"],
    [(1n << 64n) - 1n, "cfffffffffffffffff"],
  ];
  for (const [seq, want] of cases) {
    const m = hex(encodeMeta(meta({ seq, kind: "NOP" })));
    assert(m.startsWith(`83a3736571${want}a5`), `seq ${seq}: ${m}`);
    assertEquals(decodeJobHeader(encodeJobHeader(meta({ seq }))).meta.seq, seq);
  }
  const negatives: [bigint, string][] = [[-1n, "ff"], [-33n, "d0df"], [-129n, "d1ff7f"], [
    -100000n,
    "d2fffe7960",
  ]];
  for (const [secs, want] of negatives) {
    assert(
      hex(encodeMeta(meta({ ctimeSecs: secs }))).includes(`a56374696d6592${want}05`),
      `secs ${secs}`,
    );
    assertEquals(decodeJobHeader(encodeJobHeader(meta({ ctimeSecs: secs }))).meta.ctimeSecs, secs);
  }
});

Deno.test("long params use array16 and array32 headers and round-trip", () => {
  const p16 = new Uint8Array(300).fill(0xc3);
  const p32 = new Uint8Array(70000).map((_, i) => i % 256);
  const h = decodeJobHeader(
    encodeJobHeader(meta({ params: [p16, p32], env: [[enc.encode("K"), p16]] })),
  );
  assertEquals(h.meta.params, [p16, p32]);
  assertEquals(h.meta.env, [[enc.encode("K"), p16]]);
  const m = hex(encodeMeta(meta({ params: [p32] })));
  assert(m.includes("dd00011170"), "array32 header for 70000 bytes");
});

Deno.test("encodeMeta refuses values fspl could not have written", () => {
  assertThrows(() => encodeMeta(meta({ seq: -1n })), RangeError);
  assertThrows(() => encodeMeta(meta({ ctimeNanos: 2_000_000_000 })), RangeError);
  assertThrows(() => encodeMeta(meta({ kind: "NOP", params: [enc.encode("x")] })), TypeError);
});

Deno.test("the metadata writer grows its buffer at any byte without losing one", () => {
  for (let n = 100; n < 300; n++) {
    const params = Array.from({ length: n }, (_, i) => new Uint8Array([i % 256]));
    const m = meta({
      seq: BigInt(n) * 1000003n,
      params,
      env: [[enc.encode("K"), new Uint8Array(n % 7)]],
    });
    assertEquals(decodeJobHeader(encodeJobHeader(m)).meta, m, `${n} params`);
  }
});
