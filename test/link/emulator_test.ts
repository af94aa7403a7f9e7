import { assert, assertEquals, assertRejects } from "../assert.ts";
import { OverlappingWriteError } from "../../hw/link/link.ts";
import { BytePipe } from "../../hw/emulator/byte_pipe.ts";
import { createLossModel } from "../../hw/emulator/loss.ts";
import { Prng } from "../../hw/emulator/prng.ts";
import { RadioChannel } from "../../hw/emulator/radio_channel.ts";
import { SimClock, SimulationStalledError } from "../../hw/emulator/sim_clock.ts";

Deno.test("the simulated clock runs a day of timers in order without waiting", async () => {
  const clock = new SimClock(0);
  const fired: number[] = [];
  const work = Promise.all([86_400_000, 5, 3_600_000, 5].map(async (ms, i) => {
    await clock.sleep(ms);
    fired.push(i);
    return clock.now();
  }));
  assertEquals(await clock.run(work), [86_400_000, 5, 3_600_000, 5]);
  assertEquals(fired, [1, 3, 2, 0]);
});

Deno.test("the simulated clock stands still while tracked I/O runs, and cancels aborted sleeps", async () => {
  const clock = new SimClock(0);
  const dir = await Deno.makeTempDir();
  const seen: number[] = [];
  const abort = new AbortController();
  const work = (async () => {
    const early = clock.sleep(10).then(() => seen.push(clock.now()));
    await clock.track(Deno.writeTextFile(`${dir}/f`, "x".repeat(100_000)));
    seen.push(clock.now());
    const cancelled = clock.sleep(5, abort.signal).catch(() => "aborted");
    abort.abort();
    await early;
    return await cancelled;
  })();
  assertEquals(await clock.run(work), "aborted");
  assertEquals(seen, [0, 10]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the simulated clock reports a deadlock instead of hanging", async () => {
  const clock = new SimClock(0);
  await assertRejects(() => clock.run(new Promise(() => {})), SimulationStalledError, "stalled");
});

Deno.test("independent loss drops about p of the frames; bursty loss comes in runs of the given mean", () => {
  const independent = createLossModel({ kind: "independent", p: 0.3 }, new Prng(1));
  let lost = 0;
  for (let i = 0; i < 100_000; i++) if (independent.lose()) lost++;
  assert(Math.abs(lost / 100_000 - 0.3) < 0.01, `${lost}`);
  const bursty = createLossModel({ kind: "bursty", p: 0.2, burstFramesMean: 5 }, new Prng(2));
  let runs = 0, inRun = false;
  lost = 0;
  for (let i = 0; i < 200_000; i++) {
    const l = bursty.lose();
    if (l) lost++;
    if (l && !inRun) runs++;
    inRun = l;
  }
  assert(Math.abs(lost / 200_000 - 0.2) < 0.02, `loss ${lost / 200_000}`);
  assert(Math.abs(lost / runs - 5) < 0.3, `mean run ${lost / runs}`);
});

Deno.test("the radio takes airtime per frame, and a station that transmits hears nothing (collision)", async () => {
  const clock = new SimClock(0);
  const radio = new RadioChannel({ clock, bitsPerSecond: 8_000, mtu: 255 });
  await clock.run((async () => {
    await radio.a.send(new Uint8Array(100)); // 100 ms
    assertEquals(clock.now(), 100);
    assertEquals((await radio.b.receive())?.length, 100);
    await Promise.all([radio.a.send(new Uint8Array(50)), radio.b.send(new Uint8Array(50))]);
  })());
  assertEquals(radio.transmissions.map((t) => t.fate), ["delivered", "collision", "collision"]);
});

Deno.test("the radio loses a frame that arrives while the receiver is still turning around", async () => {
  const clock = new SimClock(0);
  const radio = new RadioChannel({ clock, bitsPerSecond: 8_000, mtu: 255, turnaroundMs: 60 });
  await clock.run((async () => {
    await radio.a.send(new Uint8Array(10));
    await radio.b.send(new Uint8Array(10)); // starts right after a stopped: a is deaf
    await clock.sleep(60);
    await radio.b.send(new Uint8Array(10));
  })());
  assertEquals(radio.transmissions.map((t) => t.fate), ["delivered", "deaf", "delivered"]);
});

Deno.test("a reopened station waits for the frame its radio still has on the air", async () => {
  const clock = new SimClock(0);
  const radio = new RadioChannel({ clock, bitsPerSecond: 8_000, mtu: 255 });
  await clock.run((async () => {
    const killed = new AbortController();
    const first = radio.a.send(new Uint8Array(200), killed.signal).catch(() => "aborted");
    await clock.sleep(50);
    killed.abort(); // the program dies; the radio finishes the frame (200 ms)
    const fresh = radio.reopen("a");
    await fresh.send(new Uint8Array(10));
    assertEquals(await first, "aborted");
  })());
  assertEquals(radio.transmissions.map((t) => [t.startMs, t.endMs]), [[0, 200], [200, 210]]);
});

Deno.test("an emulated station is strict: oversize frames and overlapping sends are refused", async () => {
  const clock = new SimClock(0);
  const radio = new RadioChannel({ clock, bitsPerSecond: 8_000, mtu: 20 });
  await clock.run((async () => {
    await assertRejects(() => radio.a.send(new Uint8Array(21)), RangeError, "mtu");
    const first = radio.a.send(new Uint8Array(5));
    await assertRejects(() => radio.a.send(new Uint8Array(5)), OverlappingWriteError);
    await first;
    const fresh = radio.reopen("b");
    await radio.a.send(new Uint8Array(3));
    assertEquals((await fresh.receive())?.length, 3);
    await fresh.close();
    assertEquals(await fresh.receive(), null);
  })());
});

Deno.test("the byte pipe paces writes at the line rate and can lose whole air packets", async () => {
  const clock = new SimClock(0);
  const pipe = new BytePipe({ clock, bitsPerSecond: 9_600, airPacketBytes: 10, readBytesMax: 7 });
  const got = await clock.run((async () => {
    await pipe.a.write(new Uint8Array(96).fill(1)); // 96 bytes · 10 bits at 9600 bit/s = 100 ms
    assertEquals(clock.now(), 100);
    pipe.injectGarbage("b", new Uint8Array([9, 9]));
    const parts: number[] = [];
    let total = 0;
    while (total < 98) {
      const chunk = await pipe.b.read();
      assert(chunk !== null && chunk.length <= 7);
      total += chunk.length;
      parts.push(chunk.length);
    }
    return total;
  })());
  assertEquals(got, 98);
  const lossy = new BytePipe({
    clock,
    bitsPerSecond: 9_600,
    airPacketBytes: 10,
    loss: { kind: "independent", p: 1 },
  });
  await clock.run(lossy.a.write(new Uint8Array(100)));
  assertEquals(lossy.lostPackets.a, 10);
});
