import { createMockFrameLinkPair } from "../../hw/mock/mock_frame_link.ts";
import { ManualClock } from "../../hw/mock/manual_clock.ts";
import { assert, assertEquals } from "../assert.ts";
import { frameLinkContract } from "../modem/frame_link_contract.ts";
import { receiveFrame } from "../serial/_helpers.ts";

frameLinkContract("MockFrameLink", () => {
  const { a, b } = createMockFrameLinkPair({ mtu: 200 });
  return Promise.resolve({
    a,
    b,
    cleanup: async () => {
      await a.close();
      await b.close();
    },
  });
});

Deno.test("mock frame link send takes its airtime and delivery its delay on the clock", async () => {
  const clock = new ManualClock();
  const { a, b } = createMockFrameLinkPair({
    clock,
    sendDurationMs: (f) => f.length * 10,
    delayMs: 5,
  });
  let sent = false;
  const sending = a.send(new Uint8Array(3)).then(() => sent = true);
  await clock.advance(29);
  assert(!sent, "3 bytes at 10 ms each are still on the air");
  await clock.advance(1);
  await sending;
  let arrived = false;
  const receiving = b.receive().then((f) => (arrived = true, f));
  await clock.advance(4);
  assert(!arrived, "the 5 ms delay has not passed");
  await clock.advance(1);
  assertEquals((await receiving)?.length, 3);
});

Deno.test("mock frame link drops and corrupts frames at the configured rates, counted", async () => {
  const { a, b } = createMockFrameLinkPair({ dropRate: 0.3, corruptRate: 0.3, seed: 12 });
  const frame = new Uint8Array(50).fill(0x55);
  for (let i = 0; i < 100; i++) await a.send(frame);
  assertEquals(a.sent.length, 100);
  assert(a.droppedFrames > 15 && a.droppedFrames < 45, `dropped ${a.droppedFrames}`);
  let damaged = 0;
  for (let i = 0; i < 100 - a.droppedFrames; i++) {
    const got = await receiveFrame(b);
    const bits = got.reduce(
      (n, v) => n + [...(v ^ 0x55).toString(2)].filter((c) => c === "1").length,
      0,
    );
    assert(bits <= 1, "at most one bit flipped per frame");
    damaged += bits;
  }
  assertEquals(damaged, a.corruptedFrames);
  assert(a.corruptedFrames > 10, `corrupted ${a.corruptedFrames}`);
});

Deno.test("mock frame link drops new frames once the receiver's inbox is full", async () => {
  const { a, b } = createMockFrameLinkPair({ inboxFramesMax: 3 });
  for (let i = 0; i < 5; i++) await a.send(new Uint8Array([i]));
  assertEquals(b.overflowFrames, 2);
  for (let i = 0; i < 3; i++) assertEquals(await receiveFrame(b), new Uint8Array([i]));
});

Deno.test("mock frame link: the peer's receives end after it closed, sends fail", async () => {
  const { a, b } = createMockFrameLinkPair();
  await a.send(new Uint8Array([1]));
  await a.close();
  assertEquals(await receiveFrame(b), new Uint8Array([1]));
  assertEquals(await b.receive(), null);
  const error = await b.send(new Uint8Array([2])).then(() => null, (e) => e);
  assert(error instanceof Error && /other end is closed/.test(error.message));
});

Deno.test("manual clock fires timers in due order and lets chained sleeps finish", async () => {
  const clock = new ManualClock(1000);
  const order: string[] = [];
  clock.sleep(30).then(() => order.push("30"));
  clock.sleep(10).then(async () => {
    order.push("10");
    await clock.sleep(10);
    order.push("10+10");
  });
  const aborted = new AbortController();
  const cancelled = clock.sleep(5, aborted.signal).catch(() => order.push("aborted"));
  aborted.abort();
  await cancelled;
  await clock.advance(40);
  assertEquals(order, ["aborted", "10", "10+10", "30"]);
  assertEquals(clock.now(), 1040);
  assertEquals(clock.pendingTimers, 0);
});
