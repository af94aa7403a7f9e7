import { assert, assertEquals } from "../assert.ts";
import { goodputCases, goodputRun } from "./_goodput.ts";

// Goodput on simulated time is a deterministic property of the protocol
// (fixed seeds), not a timing measurement: 255-byte MTU, half duplex,
// 60 ms turnaround, LoRa SF7 raw rate.
for (const c of goodputCases) {
  Deno.test(`goodput at ${c.name} is at least ${c.bar}·(1−p)·C and every packet arrives intact`, async () => {
    for (const seed of [11, 12]) {
      const r = await goodputRun({ loss: c.loss, seed, mtu: 255, turnaroundMs: 60 }, [
        60_000,
        60_000,
        40_000,
        20_000,
      ]);
      assertEquals(r.packetsDelivered, r.packetsQueued, `seed ${seed}`);
      assert(r.intact, `seed ${seed}: a delivered packet differs`);
      const bar = c.bar * (1 - c.p) * r.channelBytesPerSecond;
      assert(
        r.bytesPerSecond >= bar,
        `seed ${seed}: goodput ${r.bytesPerSecond.toFixed(1)} B/s below ${bar.toFixed(1)} B/s`,
      );
      assertEquals(r.reasons, ["idle", "idle"], `seed ${seed}`);
    }
  });
}
