import { createMockByteLinkPair } from "../../hw/mock/mock_byte_link.ts";
import { ManualClock } from "../../hw/mock/manual_clock.ts";
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { byteLinkContract } from "../serial/byte_link_contract.ts";
import { pattern, readExactly } from "../serial/_helpers.ts";

byteLinkContract("MockByteLink", () => {
  const pair = createMockByteLinkPair();
  return Promise.resolve({
    ...pair,
    hangUp: () => Promise.resolve(pair.hangUp()),
    cleanup: async () => {
      await pair.a.close();
      await pair.b.close();
    },
  });
});

byteLinkContract("MockByteLink with split reads and a delay", () => {
  const pair = createMockByteLinkPair({ splitReads: { minBytes: 1, maxBytes: 700 }, delayMs: 1 });
  return Promise.resolve({
    ...pair,
    hangUp: () => Promise.resolve(pair.hangUp()),
    cleanup: async () => {
      await pair.a.close();
      await pair.b.close();
    },
  });
});

Deno.test("mock byte link split reads cut writes into bounded random chunks, same per seed", async () => {
  const run = async () => {
    const { a, b } = createMockByteLinkPair({ splitReads: { minBytes: 2, maxBytes: 5 }, seed: 9 });
    const sizes: number[] = [];
    await a.write(pattern(100));
    assertEquals(await readExactly(b, 100, 1000, sizes), pattern(100));
    return sizes;
  };
  const sizes = await run();
  assert(sizes.length >= 20, `expected at least 20 chunks, got ${sizes.length}`);
  assert(sizes.slice(0, -1).every((n) => n >= 2 && n <= 5), `chunk sizes ${sizes}`);
  assertEquals(await run(), sizes);
});

Deno.test("mock byte link drops whole writes and counts them", async () => {
  const { a, b } = createMockByteLinkPair({ dropRate: 0.5, seed: 4 });
  for (let i = 0; i < 40; i++) await a.write(new Uint8Array([i]));
  const arrived = 40 - a.droppedWrites;
  assert(a.droppedWrites > 5 && a.droppedWrites < 35, `dropped ${a.droppedWrites} of 40`);
  const got = await readExactly(b, arrived);
  assert(got.every((v, i) => i === 0 || v > (got[i - 1] ?? 0)), "order kept for the survivors");
  assertEquals(a.written.length, 40);
});

Deno.test("mock byte link corrupts single bits at the configured rate", async () => {
  const { a, b } = createMockByteLinkPair({ corruptRate: 0.1, seed: 5 });
  const data = pattern(2000, 8);
  await a.write(data);
  const got = await readExactly(b, data.length);
  let flipped = 0;
  for (let i = 0; i < data.length; i++) {
    const diff = (got[i] ?? 0) ^ (data[i] ?? 0);
    if (diff !== 0) {
      flipped++;
      assert((diff & (diff - 1)) === 0, `byte ${i} has more than one bit flipped`);
    }
  }
  assertEquals(flipped, a.corruptedBytes);
  assert(flipped > 120 && flipped < 280, `flipped ${flipped} of 2000`);
  assertEquals(a.writtenBytes(), data, "the record keeps what was written, not what arrived");
});

Deno.test("mock byte link delays delivery and paces writes on the injected clock", async () => {
  const clock = new ManualClock();
  const { a, b } = createMockByteLinkPair({ clock, delayMs: 100, bytesPerSecond: 1000 });
  let written = false;
  const writing = a.write(new Uint8Array(10)).then(() => written = true);
  const reading = b.read();
  await clock.advance(9);
  assert(!written, "10 bytes at 1000 B/s take 10 ms");
  await clock.advance(1);
  await writing;
  let arrived = false;
  reading.then(() => arrived = true);
  await clock.advance(99);
  assert(!arrived, "delivery waits 100 ms after the write");
  await clock.advance(1);
  assertEquals((await reading)?.length, 10);
});

Deno.test("mock byte link echo returns each end's writes to itself", async () => {
  const { a, b } = createMockByteLinkPair({ echo: true });
  await a.write(new Uint8Array([1, 2, 3]));
  assertEquals(await readExactly(a, 3), new Uint8Array([1, 2, 3]));
  assertEquals(await readExactly(b, 3), new Uint8Array([1, 2, 3]));
});

Deno.test("mock byte link writes fail once the other end closed; its leftovers are still read", async () => {
  const { a, b } = createMockByteLinkPair();
  await a.write(new Uint8Array([5]));
  await a.close();
  assertEquals(await b.read(), new Uint8Array([5]));
  assertEquals(await b.read(), null);
  await assertRejects(() => b.write(new Uint8Array([1])), Error, "other end is closed");
});

Deno.test("mock byte link options out of range are refused", () => {
  for (
    const bad of [{ dropRate: 2 }, { corruptRate: -1 }, {
      splitReads: { minBytes: 0, maxBytes: 3 },
    }]
  ) {
    let error: unknown = null;
    try {
      createMockByteLinkPair(bad);
    } catch (e) {
      error = e;
    }
    assert(error instanceof RangeError, `expected RangeError for ${JSON.stringify(bad)}`);
  }
});
