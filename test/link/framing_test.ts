import { assert, assertEquals } from "../assert.ts";
import { crc32, stripCrc32 } from "../../src/encoding/crc32.ts";
import { cobsChainStarts, cobsDecode, cobsEncode } from "../../src/link/cobs.ts";
import { CobsDeframer, cobsMtu, cobsWireBytes, encodeCobsFrame } from "../../src/link/cobs_link.ts";
import { appendCrc32 } from "../../src/encoding/crc32.ts";
import { Prng } from "../../hw/emulator/prng.ts";

const text = new TextEncoder();

Deno.test("crc32 gives the standard check value and rejects a frame with one flipped bit", () => {
  assertEquals(crc32(text.encode("123456789")), 0xcbf43926);
  const framed = appendCrc32(text.encode("ferry"));
  assertEquals(stripCrc32(framed), text.encode("ferry"));
  for (let bit = 0; bit < framed.length * 8; bit++) {
    const bad = framed.slice();
    bad[bit >> 3]! ^= 1 << (bit & 7);
    assertEquals(stripCrc32(bad), null, `bit ${bit}`);
  }
});

Deno.test("cobs round-trips every length up to 600 bytes, with and without zeros, and never emits 0x00", () => {
  const rng = new Prng(1);
  for (let n = 0; n <= 600; n++) {
    for (const kind of ["random", "zeros", "nonzero"]) {
      const data = kind === "zeros" ? new Uint8Array(n) : rng.fill(new Uint8Array(n));
      if (kind === "nonzero") { for (let i = 0; i < n; i++) data[i] = data[i]! | 1; }
      const coded = cobsEncode(data);
      assert(!coded.includes(0), `zero in encoding of ${n} ${kind}`);
      assert(coded.length <= n + Math.floor(n / 254) + 1, `overhead of ${n} ${kind}`);
      if (n <= 253) assertEquals(coded.length, n + 1);
      assertEquals(cobsDecode(coded), data);
    }
  }
});

Deno.test("cobs decoding refuses codes that point past the end, and finds frame starts behind garbage", () => {
  assertEquals(cobsDecode(new Uint8Array([5, 1, 2])), null);
  assertEquals(cobsDecode(new Uint8Array([])), null);
  const frame = cobsEncode(new Uint8Array([7, 0, 9]));
  const segment = new Uint8Array([0x40, 0x41, ...frame]);
  assert(cobsChainStarts(segment).includes(2));
});

Deno.test("a COBS frame of up to 249 bytes costs exactly 6 bytes on the wire (CRC 4, code 1, delimiter 1)", () => {
  assertEquals(cobsMtu(255), 249);
  assertEquals(cobsWireBytes(249), 255);
  const rng = new Prng(2);
  for (const n of [1, 100, 249]) {
    assertEquals(encodeCobsFrame(rng.fill(new Uint8Array(n))).length, n + 6);
  }
});

Deno.test("the deframer reassembles frames split into reads of any size", () => {
  const rng = new Prng(3);
  const frames = Array.from(
    { length: 200 },
    (_, i) => rng.fill(new Uint8Array(1 + (i * 37) % 249)),
  );
  const wire = concat(frames.map(encodeCobsFrame));
  const got: Uint8Array[] = [];
  const deframer = new CobsDeframer(255);
  for (let at = 0; at < wire.length;) {
    const n = 1 + rng.int(40);
    deframer.push(wire.subarray(at, at + n), (f) => got.push(f));
    at += n;
  }
  assertEquals(got, frames);
});

Deno.test("garbage between frames costs no frame, and garbage inside a frame costs only that frame", () => {
  const rng = new Prng(4);
  const frames = Array.from({ length: 2000 }, (_, i) => {
    const f = rng.fill(new Uint8Array(8 + rng.int(242)));
    f[0] = i & 0xff; // distinct
    f[1] = i >> 8;
    return f;
  });
  const parts: Uint8Array[] = [];
  const hit = new Set<number>();
  frames.forEach((frame, i) => {
    const coded = encodeCobsFrame(frame);
    const garbage = rng.fill(new Uint8Array(1 + rng.int(300)));
    const where = rng.next();
    if (where < 0.3) {
      parts.push(garbage, coded); // between the previous frame and this one
    } else if (where < 0.5) {
      const cut = rng.int(coded.length - 1); // before the delimiter: this frame is hit
      parts.push(coded.subarray(0, cut), garbage, coded.subarray(cut));
      hit.add(i);
    } else {
      parts.push(coded);
    }
  });
  const got: Uint8Array[] = [];
  new CobsDeframer(255).push(concat(parts), (f) => got.push(f));
  const sent = new Map(frames.map((f, i) => [key(f), i]));
  const delivered = new Set<number>();
  for (const f of got) {
    const i = sent.get(key(f));
    assert(i !== undefined, "a frame that was never sent came out");
    assert(!delivered.has(i), `frame ${i} came out twice`);
    delivered.add(i);
  }
  for (let i = 0; i < frames.length; i++) {
    if (!hit.has(i)) {
      assert(delivered.has(i), `frame ${i} was lost though garbage did not touch it`);
    }
  }
  assert(hit.size > 300, "the test must hit frames too");
});

Deno.test("100 MB of random bytes through the deframer produce no accepted frame", () => {
  const rng = new Prng(99);
  const deframer = new CobsDeframer(255);
  const chunk = new Uint8Array(1 << 20);
  let accepted = 0;
  for (let i = 0; i < 100; i++) deframer.push(rng.fill(chunk), () => accepted++);
  assertEquals(accepted, 0);
  assert(deframer.rejected > 300_000, "the random stream must contain many candidate segments");
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function key(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
