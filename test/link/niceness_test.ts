import { assert, assertEquals } from "../assert.ts";
import { Pair } from "./_scenario.ts";

const order = (lines: string[], ids: string[]) =>
  lines.filter((l) => l.includes("link-receive-done")).map((l) =>
    ids.findIndex((id) => l.includes(id))
  );

Deno.test("an urgent packet queued mid-bulk-transfer overtakes it, and the bulk resumes without resending what was acknowledged", async () => {
  const pair = await Pair.create({ seed: 41 });
  try {
    const bulk = await pair.queue(pair.a, 150_000, 1, 200);
    const start = pair.clock.now();
    let urgent: { id: string; bytes: Uint8Array } | null = null;
    const queuedAt = start + 40_000;
    const late = pair.clock.sleep(40_000).then(async () => {
      urgent = await pair.queue(pair.a, 1_000, 2, 1);
    });
    const [a, b] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run(), late]),
    );
    assert(urgent !== null);
    const u = urgent as { id: string; bytes: Uint8Array };
    assertEquals([a.reason, b.reason], ["idle", "idle"]);
    assertEquals(
      order(pair.b.lines, [u.id, bulk.id]),
      [0, 1],
      "the urgent packet must arrive first",
    );
    assertEquals(await pair.inbound(pair.b, u.id), u.bytes);
    assertEquals(await pair.inbound(pair.b, bulk.id), bulk.bytes);
    assert(pair.a.lines.some((l) => l.includes("link-send-preempted")));
    // Nothing acknowledged was sent again: on a loss-free link every fragment went out once.
    const fragments = Math.ceil(150_000 / 249) + Math.ceil(1_000 / 249);
    assertEquals(a.stats.dataFramesSent, fragments);
    assertEquals(a.stats.retransmittedFrames, 0);
    // It waited at most for the burst in flight and one exchange.
    const doneLine = pair.b.lines.find((l) => l.includes("link-receive-done") && l.includes(u.id))!;
    const doneAt = Number(doneLine.split(" ")[0]) * 1000 + start;
    assert(doneAt - queuedAt < 20_000, `urgent packet took ${(doneAt - queuedAt) / 1000} s`);
  } finally {
    await pair.cleanup();
  }
});

Deno.test("outgoing packets go in niceness order, then oldest first", async () => {
  const pair = await Pair.create({ seed: 42 });
  try {
    const p200 = await pair.queue(pair.a, 2_000, 10, 200);
    const p100new = await pair.queue(pair.a, 2_000, 11, 100);
    const p100old = await pair.queue(pair.a, 2_000, 12, 100);
    const dir = pair.a.dir!.dir("outgoing", "BOB");
    await Deno.utime(`${dir}/${p100new.id}`, 2_000_000, 2_000_000);
    await Deno.utime(`${dir}/${p100old.id}`, 1_000_000, 1_000_000);
    const [a] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    assertEquals(a.stats.packetsSent, 3);
    assertEquals(order(pair.b.lines, [p100old.id, p100new.id, p200.id]), [0, 1, 2]);
  } finally {
    await pair.cleanup();
  }
});
