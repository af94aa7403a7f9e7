import { assert, assertEquals } from "../assert.ts";
import type { LossSpec } from "../../hw/emulator/loss.ts";
import { Prng } from "../../hw/emulator/prng.ts";
import type { Side } from "../../hw/emulator/radio_channel.ts";
import { Pair, type Peer } from "./_scenario.ts";

/**
 * Fault injection: sessions killed at random moments (no flush), on lossy
 * links with and without duty-cycle budgets, then restarted on the same
 * stores until both sides are idle. The invariant: every packet arrives
 * exactly once and intact, nothing stays in outgoing, no partial is left.
 */
Deno.test("kills at random points during transfers never lose, corrupt or duplicate a packet", async () => {
  const rng = new Prng(2026);
  for (let scenario = 0; scenario < 12; scenario++) {
    const seed = rng.nextUint32();
    const r = new Prng(seed);
    const p = r.next() * 0.3;
    const loss: LossSpec = r.int(2)
      ? { kind: "independent", p }
      : { kind: "bursty", p, burstFramesMean: 1 + r.next() * 5 };
    const dutyCycle = [undefined, 0.1, 0.01][r.int(3)];
    const pair = await Pair.create({ seed, loss, ...(dutyCycle ? { dutyCycle } : {}) });
    const where = `scenario ${scenario} (seed ${seed})`;
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
      let done = false;
      for (let round = 0; round < 12 && !done; round++) {
        const kill = new AbortController();
        const victims = round < 4 ? ["a", "b", "ab"][r.int(3)]!.split("") as Side[] : [];
        if (victims.length > 0) {
          pair.clock.schedule(pair.clock.now() + r.next() * 60_000, () => kill.abort());
        }
        const one = async (peer: Peer) => {
          const killable = victims.includes(peer.side) ? { signal: kill.signal } : {};
          const result = await pair.session(peer, killable).run();
          if (result.reason === "aborted") pair.radio.reopen(peer.side);
          return result;
        };
        const results = await pair.clock.run(Promise.all([one(pair.a), one(pair.b)]));
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
});
