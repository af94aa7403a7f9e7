/**
 * The {@linkcode FrameLink} contract as one suite, run against the strict
 * mock and against every modem driver talking to its fake modem over real
 * ptys. Each case builds a fresh, lossless fixture.
 * @module
 */

import { type FrameLink, LinkClosedError, OverlappingWriteError } from "../../hw/link/link.ts";
import { assertEquals, assertRejects } from "../assert.ts";
import { pattern, receiveFrame, withTimeout } from "../serial/_helpers.ts";

/** Two frame links that reach each other. */
export interface FrameLinkFixture {
  a: FrameLink;
  b: FrameLink;
  /** Releases everything the fixture started. */
  cleanup(): Promise<void>;
}

/** Registers the contract cases for `name`. */
export function frameLinkContract(
  name: string,
  setup: () => Promise<FrameLinkFixture>,
  options: { burstFrames?: number } = {},
): void {
  const test = (title: string, body: (f: FrameLinkFixture) => Promise<void>) => {
    Deno.test(`${name}: ${title}`, async () => {
      const f = await setup();
      try {
        await body(f);
      } finally {
        await f.cleanup();
      }
    });
  };

  test("carries frames of 1, half-MTU and MTU bytes intact in both directions", async (f) => {
    for (const [from, to] of [[f.a, f.b], [f.b, f.a]] as const) {
      for (const size of [1, Math.floor(from.mtu / 2), from.mtu]) {
        const frame = pattern(size, size);
        await withTimeout(from.send(frame), `sending ${size} bytes`);
        assertEquals(await receiveFrame(to), frame);
      }
    }
  });

  test("refuses a frame over the MTU with RangeError and sends nothing", async ({ a, b }) => {
    await assertRejects(() => a.send(new Uint8Array(a.mtu + 1)), RangeError, String(a.mtu));
    await a.send(new Uint8Array([1, 2, 3]));
    assertEquals(await receiveFrame(b), new Uint8Array([1, 2, 3]));
  });

  test("rejects a second send while the first is pending", async ({ a, b }) => {
    const first = a.send(new Uint8Array([4, 5]));
    await assertRejects(() => a.send(new Uint8Array([6])), OverlappingWriteError);
    await withTimeout(first, "the first send");
    assertEquals(await receiveFrame(b), new Uint8Array([4, 5]));
  });

  test(`delivers a burst of ${options.burstFrames ?? 20} frames in order`, async ({ a, b }) => {
    const count = options.burstFrames ?? 20;
    const receiving = (async () => {
      const got: Uint8Array[] = [];
      for (let i = 0; i < count; i++) got.push(await receiveFrame(b, 10000));
      return got;
    })();
    for (let i = 0; i < count; i++) {
      await withTimeout(a.send(pattern(1 + (i * 37) % a.mtu, i)), "a send");
    }
    const got = await receiving;
    for (let i = 0; i < count; i++) assertEquals(got[i], pattern(1 + (i * 37) % a.mtu, i));
  });

  test("an aborted receive rejects with the reason and the next gets the frame", async (f) => {
    const controller = new AbortController();
    const receiving = f.b.receive(controller.signal);
    const reason = new Error("stop");
    controller.abort(reason);
    assertEquals(await receiving.then(() => null, (e) => e), reason);
    await f.a.send(new Uint8Array([7]));
    assertEquals(await receiveFrame(f.b), new Uint8Array([7]));
  });

  test("close ends a pending receive with null and can be called twice", async ({ b }) => {
    const receiving = b.receive();
    await b.close();
    assertEquals(await withTimeout(receiving, "the pending receive"), null);
    await b.close();
    assertEquals(await b.receive(), null);
  });

  test("sending after close rejects with LinkClosedError", async ({ a }) => {
    await a.close();
    await assertRejects(() => a.send(new Uint8Array([1])), LinkClosedError);
  });

  test("a frame that is not a Uint8Array is refused with TypeError", async ({ a }) => {
    await assertRejects(() => a.send([1, 2] as unknown as Uint8Array), TypeError);
  });
}
