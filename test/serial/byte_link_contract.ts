/**
 * The {@linkcode ByteLink} contract as one suite of tests, run against the
 * strict mock, against real socat ptys, and against a real device when the
 * environment names one. Each case builds a fresh fixture.
 * @module
 */

import { type ByteLink, LinkClosedError, OverlappingWriteError } from "../../hw/link/link.ts";
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { pattern, readExactly, withTimeout } from "./_helpers.ts";

/** Two connected ends under test. */
export interface ByteLinkFixture {
  a: ByteLink;
  b: ByteLink;
  /** Pulls the cable; absent when the fixture cannot (a real device). */
  hangUp?: () => Promise<void>;
  /** Releases everything the fixture started. */
  cleanup(): Promise<void>;
}

/** How the suite runs for one kind of link. */
export interface ByteLinkContractOptions {
  /** Register the cases as ignored (reported as such, never as passed). */
  ignore?: boolean;
  /** `a` and `b` are one device with TX wired to RX. */
  loopback?: boolean;
  /** The fixture has no `hangUp` (a device on a cable ferry cannot pull). */
  noHangUp?: boolean;
  /** One direction at a time (a half-duplex radio). */
  halfDuplex?: boolean;
  /** Bytes of the write that must still be pending when a second starts. Default 200000. */
  pendingWriteBytes?: number;
  /** Bytes for the bulk transfer case. Default 65536. */
  bulkBytes?: number;
}

/** Registers the contract cases for `name`. */
export function byteLinkContract(
  name: string,
  setup: () => Promise<ByteLinkFixture>,
  options: ByteLinkContractOptions = {},
): void {
  const ignore = options.ignore ?? false;
  const bulk = options.bulkBytes ?? 65536;
  const test = (title: string, body: (f: ByteLinkFixture) => Promise<void>, skip = false) => {
    Deno.test({
      name: `${name}: ${title}`,
      ignore: ignore || skip,
      fn: async () => {
        const f = await setup();
        try {
          await body(f);
        } finally {
          await f.cleanup();
        }
      },
    });
  };

  test(`delivers ${bulk} bytes in order and intact, in non-empty chunks`, async ({ a, b }) => {
    const data = pattern(bulk, 11);
    const writing = a.write(data);
    writing.catch(() => {}); // reported below; must not go unhandled if the read fails first
    const got = await readExactly(b, data.length);
    await withTimeout(writing, "the bulk write");
    assertEquals(got, data);
  });

  test("carries both directions at the same time", async ({ a, b }) => {
    const ab = pattern(20000, 2);
    const ba = pattern(20000, 3);
    const [gotB, gotA] = await Promise.all([
      readExactly(b, ab.length),
      readExactly(a, ba.length),
      a.write(ab),
      b.write(ba),
    ]);
    assertEquals(gotB, ab);
    assertEquals(gotA, ba);
  }, options.loopback || options.halfDuplex);

  test("rejects a second write while the first is pending", async ({ a, b }) => {
    const size = options.pendingWriteBytes ?? 200000;
    const first = a.write(pattern(size, 4));
    first.catch(() => {}); // reported below
    await assertRejects(() => a.write(new Uint8Array([1])), OverlappingWriteError);
    const got = await readExactly(b, size, 10000);
    await withTimeout(first, "the first write");
    assertEquals(got, pattern(size, 4));
  });

  test("refuses a second read while one is pending and keeps the first", async ({ a, b }) => {
    const first = b.read();
    await assertRejects(() => b.read(), Error, "read");
    await a.write(new Uint8Array([42]));
    assertEquals(await withTimeout(first, "the first read"), new Uint8Array([42]));
  });

  test("an aborted read rejects with the reason and the next read gets the data", async (f) => {
    const controller = new AbortController();
    const reading = f.b.read(controller.signal);
    const reason = new Error("stop reading");
    controller.abort(reason);
    const caught = await withTimeout(reading.then(() => null, (e) => e), "the aborted read");
    assertEquals(caught, reason);
    await f.a.write(new Uint8Array([9, 8, 7]));
    assertEquals(await readExactly(f.b, 3), new Uint8Array([9, 8, 7]));
  });

  test("a write with an aborted signal rejects with the reason", async ({ a }) => {
    const reason = new Error("no writing");
    const caught = await a.write(new Uint8Array([1]), AbortSignal.abort(reason)).then(
      () => null,
      (e) => e,
    );
    assertEquals(caught, reason);
  });

  test("close ends a pending read with null and can be called twice", async ({ b }) => {
    const reading = b.read();
    await b.close();
    assertEquals(await withTimeout(reading, "the pending read"), null);
    await b.close();
    assertEquals(await b.read(), null);
  });

  test("writing after close rejects with LinkClosedError", async ({ a }) => {
    await a.close();
    await assertRejects(() => a.write(new Uint8Array([1])), LinkClosedError);
  });

  test("a write that is not a Uint8Array is refused with TypeError", async ({ a }) => {
    await assertRejects(() => a.write("text" as unknown as Uint8Array), TypeError);
  });

  test("after an unplug reads resolve null and writes reject with LinkClosedError", async (f) => {
    const reading = f.b.read();
    await f.hangUp?.();
    assertEquals(await withTimeout(reading, "the read pending at unplug"), null);
    assertEquals(await withTimeout(f.a.read(), "a read after unplug"), null);
    const error = await withTimeout(
      f.a.write(new Uint8Array([1])).then(() => null, (e) => e),
      "a write after unplug",
    );
    assert(error instanceof LinkClosedError, `expected LinkClosedError, got ${error}`);
  }, options.loopback || options.noHangUp);
}
