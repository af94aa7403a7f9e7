import { assert, assertEquals } from "../assert.ts";
import { decodeBase32 } from "../../src/encoding/base32.ts";
import { appendCrc32 } from "../../src/encoding/crc32.ts";
import { encodeFrame, type Frame, idTag } from "../../src/link/frames.ts";
import { linkLimitsDefault } from "../../src/link/limits.ts";
import type { LinkSessionResult } from "../../src/link/session_types.ts";
import { Pair, type Peer } from "./_scenario.ts";

const size = 100_000;
const fragments = Math.ceil(size / 249);
const window = linkLimitsDefault.windowFramesMax;
const cutAfterMs = 60_000; // about 40 % of the transfer at SF7

async function expectDeliveredOnce(pair: Pair, id: string, bytes: Uint8Array) {
  assertEquals(await pair.inbound(pair.b, id), bytes);
  assertEquals(await pair.list(pair.b, "inbound"), [id]);
  assertEquals(await pair.list(pair.a, "outgoing"), []);
  assertEquals(await pair.list(pair.b, "state"), [], "no partial or state file is left behind");
}

/** Data frames ALICE put on the air, as the emulator saw them (data frames have bit 7 of byte 0 set). */
function dataFramesOnAir(pair: Pair): number {
  return pair.radio.transmissions.filter((t) => t.from === "a" && (t.head & 0x80) !== 0).length;
}

Deno.test("after a link drop ends both sessions, new sessions resume and resend at most one window", async () => {
  const pair = await Pair.create({ seed: 21 });
  try {
    const { id, bytes } = await pair.queue(pair.a, size, 7);
    const start = pair.clock.now();
    pair.clock.schedule(start + cutAfterMs, () => pair.radio.down = true);
    const [a1, b1] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    assertEquals([a1.reason, b1.reason], ["peer-lost", "peer-lost"]);
    assert(a1.stats.dataFramesSent < fragments, "the drop must come mid-transfer");
    pair.radio.down = false;
    const [a2, b2] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    assertEquals([a2.reason, b2.reason], ["idle", "idle"]);
    const sent = dataFramesOnAir(pair);
    assertEquals(sent, a1.stats.dataFramesSent + a2.stats.dataFramesSent);
    assert(sent <= fragments + window, `${sent} data frames for ${fragments} fragments`);
    assertEquals(b1.stats.packetsReceived + b2.stats.packetsReceived, 1);
    await expectDeliveredOnce(pair, id, bytes);
  } finally {
    await pair.cleanup();
  }
});

/** Kills `victim`'s session mid-transfer (no flush), restarts it on the same store, keeps the other. */
async function killAndRestart(pair: Pair, victims: Peer[]) {
  const kill = new AbortController();
  pair.clock.schedule(pair.clock.now() + cutAfterMs, () => kill.abort(new Error("SIGKILL")));
  const first = (peer: Peer) =>
    pair.session(peer, victims.includes(peer) ? { signal: kill.signal } : {}).run();
  const restarted = async (peer: Peer, run: Promise<LinkSessionResult>) => {
    const killed = await run;
    if (!victims.includes(peer)) return [killed];
    assertEquals(killed.reason, "aborted");
    pair.radio.reopen(peer.side);
    return [killed, await pair.session(peer).run()];
  };
  const [as, bs] = await pair.clock.run(Promise.all([
    restarted(pair.a, first(pair.a)),
    restarted(pair.b, first(pair.b)),
  ]));
  return { as, bs };
}

for (
  const [label, pick] of [
    ["the receiver", (p: Pair) => [p.b]],
    ["the sender", (p: Pair) => [p.a]],
    ["both sides (a power cut)", (p: Pair) => [p.a, p.b]],
  ] as const
) {
  Deno.test(`after ${label} is killed mid-transfer, the transfer resumes, resends at most one window and delivers once`, async () => {
    const pair = await Pair.create({ seed: 22 });
    try {
      const { id, bytes } = await pair.queue(pair.a, size, 8);
      const { as, bs } = await killAndRestart(pair, pick(pair));
      assertEquals(as.at(-1)!.reason, "idle");
      assertEquals(bs.at(-1)!.reason, "idle");
      const victims = pick(pair);
      if (victims.includes(pair.b)) {
        const killed = bs[0]!.stats;
        assert(
          killed.packetsReceived === 0 && killed.payloadBytesReceived > 0,
          "kill mid-transfer",
        );
      }
      if (victims.includes(pair.a)) {
        const killed = as[0]!.stats;
        assert(killed.packetsSent === 0 && killed.dataFramesSent > 0, "kill mid-transfer");
      }
      const sent = dataFramesOnAir(pair);
      assert(sent <= fragments + window, `${sent} data frames for ${fragments} fragments`);
      assertEquals(bs.reduce((n, r) => n + r.stats.packetsReceived, 0), 1);
      await expectDeliveredOnce(pair, id, bytes);
      if (victims.includes(pair.b)) {
        assert(
          pair.b.lines.some((l) => l.includes("link-receive-start") && !l.includes("offset=0")),
        );
      }
    } finally {
      await pair.cleanup();
    }
  });
}

Deno.test("a receiver that stored a packet but whose VERIFIED never arrived answers the next offer with VERIFIED", async () => {
  const pair = await Pair.create({ seed: 23 });
  try {
    const { id, bytes } = await pair.queue(pair.a, 3_000, 9);
    await pair.b.raw.openIncoming("ALICE", id, bytes.length).then(async (p) => {
      await p.write(0, bytes);
      assert(await p.commit());
    });
    const [a, b] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    assertEquals([a.reason, b.reason], ["idle", "idle"]);
    assertEquals(a.stats.dataFramesSent, 0);
    assertEquals(a.stats.packetsSent, 1);
    assert(pair.b.lines.some((l) => l.includes("link-offer-already-stored")));
    await expectDeliveredOnce(pair, id, bytes);
  } finally {
    await pair.cleanup();
  }
});

Deno.test("frames left in a receive buffer by the peer's previous session are ignored until the new greeting", async () => {
  const pair = await Pair.create({ seed: 24 });
  try {
    const { id, bytes } = await pair.queue(pair.a, 20_000, 10);
    // What BOB's previous session said last, still waiting in ALICE's receive queue.
    const idBytes = decodeBase32(id);
    const leftovers: Frame[] = [
      { kind: "data", rem: 3, epoch: 0, seq: 0, payload: new Uint8Array(249).fill(1) },
      { kind: "data", rem: 2, epoch: 1, seq: 0, payload: new Uint8Array(249).fill(1) },
      {
        kind: "accept",
        rem: 1,
        idle: false,
        id: idBytes,
        offset: 249,
        base: 3,
        fragBytes: 249,
        epoch: 0,
        bitmap: new Uint8Array(8),
      },
      {
        kind: "ack",
        rem: 0,
        idle: false,
        tag: idTag(idBytes),
        epoch: 1,
        base: 5,
        bitmap: new Uint8Array(8).fill(0xff),
      },
    ];
    for (const f of leftovers) pair.radio.inject("a", appendCrc32(encodeFrame(f)));
    const [a, b] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    assertEquals([a.reason, b.reason], ["idle", "idle"]);
    assert(pair.a.lines.some((l) => l.includes("link-frame-before-hello")));
    await expectDeliveredOnce(pair, id, bytes);
  } finally {
    await pair.cleanup();
  }
});
