/**
 * SP envelopes read from streams that split them anywhere, and the
 * reader's refusals: a stream that ends mid-envelope, a length over the
 * limit, a body that stops arriving.
 */

import { assertEquals, assertRejects } from "../assert.ts";
import {
  encodeEnvelope,
  EnvelopeReader,
  EnvelopeWriter,
  parseHostPort,
  SpEofError,
  SpProtocolError,
  SpTimeoutError,
} from "../../src/sp/mod.ts";

function streamOf(bytes: Uint8Array, chunk: number, hold = false): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) {
        if (!hold) c.close();
        return hold ? new Promise(() => {}) : undefined;
      }
      c.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

Deno.test("envelopes split into 1- and 7-byte pieces are read back whole, padding skipped", async () => {
  const a = encodeEnvelope(new Uint8Array([1, 2, 3, 4, 5]));
  const b = encodeEnvelope(new Uint8Array(70_000).fill(7));
  const both = new Uint8Array(a.length + b.length);
  both.set(a);
  both.set(b, a.length);
  for (const size of [1, 7, 65536]) {
    const r = new EnvelopeReader(streamOf(both, size), () => {});
    assertEquals(await r.read(5_000), new Uint8Array([1, 2, 3, 4, 5]));
    assertEquals((await r.read(5_000)).length, 70_000);
    await assertRejects(() => r.read(5_000), SpEofError);
    assertEquals(r.bytes, both.length);
  }
});

Deno.test("the reader refuses an over-long envelope before reading its body, and a stalled body", async () => {
  const head = encodeEnvelope(new Uint8Array(0));
  new DataView(head.buffer).setUint32(8, 1 << 20);
  const r = new EnvelopeReader(streamOf(head, 12), () => {});
  await assertRejects(() => r.read(5_000), SpProtocolError, "over the limit");
  const partial = encodeEnvelope(new Uint8Array(100)).subarray(0, 50);
  let killed = false;
  const s = new EnvelopeReader(streamOf(partial, 50, true), () => (killed = true));
  await assertRejects(() => s.read(200), SpTimeoutError);
  assertEquals(killed, true);
  const t = new EnvelopeReader(streamOf(partial, 50), () => {});
  await assertRejects(() => t.read(5_000), SpEofError);
});

Deno.test("the writer frames payloads and counts bytes", async () => {
  const chunks: Uint8Array[] = [];
  const w = new EnvelopeWriter(new WritableStream({ write: (c) => void chunks.push(c) }), () => {});
  await w.write(new Uint8Array([9, 9, 9]), 1_000);
  assertEquals(chunks[0], encodeEnvelope(new Uint8Array([9, 9, 9])));
  assertEquals(w.bytes, 16);
});

Deno.test("addresses parse as host:port and [v6]:port, and anything else is refused", () => {
  assertEquals(parseHostPort("127.0.0.1:5400"), { hostname: "127.0.0.1", port: 5400 });
  assertEquals(parseHostPort("[::]:5400"), { hostname: "::", port: 5400 });
  assertEquals(parseHostPort("[fe80::1%eth0]:5400"), { hostname: "fe80::1%eth0", port: 5400 });
  for (const bad of ["5400", "host", "::1:5400", "host:99999", "a b:1"]) {
    let threw = false;
    try {
      parseHostPort(bad);
    } catch (err) {
      threw = err instanceof RangeError;
    }
    assertEquals(threw, true, bad);
  }
});
