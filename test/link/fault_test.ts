import { assert, assertEquals } from "../assert.ts";
import type { LossSpec } from "../../hw/emulator/loss.ts";
import { Prng } from "../../hw/emulator/prng.ts";
import type { Side } from "../../hw/emulator/radio_channel.ts";
import { Pair, type Peer } from "./_scenario.ts";

/**
 * Fault injection: sessions killed at random moments (no flush), on lossy
 * links with and without duty-cycle budgets, then restarted on the same
 * stores until both sides are idle; on plain-directory stores and on
 * ferry's spool store with real packets. The invariant: every packet arrives
 * exactly once and intact, nothing stays in outgoing, no partial is left.
 */
Deno.test("kills at random points during transfers never lose, corrupt or duplicate a packet", async () => {
  await killScenarios("dir", 2026, 12);
});

Deno.test("the same kills on ferry's real spool store with real NNCP packets and MTH ids", async () => {
  await killScenarios("spool", 2027, 6);
});

async function killScenarios(store: "dir" | "spool", seedOf: number, count: number) {
  const rng = new Prng(seedOf);
  const kills = { aimed: 0, landed: 0 };
  for (let scenario = 0; scenario < count; scenario++) {
    const seed = rng.nextUint32();
    const r = new Prng(seed);
    const p = r.next() * 0.3;
    const loss: LossSpec = r.int(2)
      ? { kind: "independent", p }
      : { kind: "bursty", p, burstFramesMean: 1 + r.next() * 5 };
    const dutyCycle = [undefined, 0.1, 0.01][r.int(3)];
    const pair = await Pair.create({ seed, loss, store, ...(dutyCycle ? { dutyCycle } : {}) });
    const where = `${store} scenario ${scenario} (seed ${seed})`;
    try {
      const queued: { to: Peer; id: string; bytes: Uint8Array }[] = [];
      for (let i = 0; i < 1 + r.int(3); i++) {
        queued.push({
          to: pair.b,
          ...await pair.queue(pair.a, 1 + r.int(30_000), seed + i, 1 + r.int(255)),
        });
      }
      for (let i = 0; i < r.int(3); i++) {
        queued.push({ to: pair.a, ...await pair.queue(pair.b, 1 + r.int(20_000), seed + 50 + i) });
      }
      // Kills are aimed by frames on the air, spread over the frames the queued
      // bytes still need (the time a session takes depends on loss and budgets).
      const queuedBytes = queued.reduce((n, q) => n + q.bytes.length, 0);
      const framesNeeded = Math.ceil(queuedBytes / 240);
      let done = false;
      for (let round = 0; round < 12 && !done; round++) {
        const kill = new AbortController();
        const victims = round < 4 ? ["a", "b", "ab"][r.int(3)]!.split("") as Side[] : [];
        let running = true;
        if (victims.length > 0) {
          kills.aimed++;
          const target = pair.radio.transmissions.length + 1 +
            r.int(Math.max(1, Math.floor(framesNeeded / 2 ** round)));
          const poll = () => {
            if (!running) return;
            if (pair.radio.transmissions.length >= target) kill.abort();
            else pair.clock.schedule(pair.clock.now() + 20, poll);
          };
          poll();
        }
        const one = async (peer: Peer) => {
          const killable = victims.includes(peer.side) ? { signal: kill.signal } : {};
          const result = await pair.session(peer, killable).run();
          if (result.reason === "aborted") pair.radio.reopen(peer.side);
          return result;
        };
        const results = await pair.clock.run(Promise.all([one(pair.a), one(pair.b)]));
        running = false;
        if (results.some((x) => x.reason === "aborted")) kills.landed++;
        done = victims.length === 0 && results.every((x) => x.reason === "idle");
      }
      assert(done, `${where}: never reached idle`);
      for (const q of queued) assertEquals(await pair.inbound(q.to, q.id), q.bytes, where);
      const inbound = [
        ...await pair.list(pair.a, "inbound"),
        ...await pair.list(pair.b, "inbound"),
      ];
      assertEquals(inbound.length, queued.length, `${where}: a packet arrived twice`);
      assertEquals(
        [...await pair.list(pair.a, "outgoing"), ...await pair.list(pair.b, "outgoing")],
        [],
      );
      assertEquals([...await pair.list(pair.a, "state"), ...await pair.list(pair.b, "state")], []);
    } finally {
      await pair.cleanup();
    }
  }
  // A kill that comes after both sides went idle tests nothing: most must land mid-work.
  console.log(`${store}: ${kills.landed} of ${kills.aimed} kills landed while the sessions ran`);
  assert(kills.landed >= kills.aimed * 0.8, `too few kills landed: ${JSON.stringify(kills)}`);
}
