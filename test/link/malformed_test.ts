import { assert, assertEquals } from "../assert.ts";
import { decodeBase32 } from "../../src/encoding/base32.ts";
import { appendCrc32 } from "../../src/encoding/crc32.ts";
import { type DataFrame, encodeFrame, type Frame } from "../../src/link/frames.ts";
import type { Side } from "../../hw/emulator/radio_channel.ts";
import { Pair } from "./_scenario.ts";

const onAir = (frame: Frame) => appendCrc32(encodeFrame(frame));
/** A data frame in both numbering epochs (the receiver's epoch is random per session). */
const bothEpochs = (frame: Omit<DataFrame, "epoch">) =>
  [0, 1].map((epoch) => onAir({ ...frame, epoch }));
const randomId = new Uint8Array(32).fill(0x5a);

Deno.test("malformed frames of every kind are dropped with a log line and the transfer still completes", async () => {
  const pair = await Pair.create({ seed: 51 });
  try {
    const { id, bytes } = await pair.queue(pair.a, 60_000, 3);
    const badCheck = onAir({ kind: "turn", rem: 0, idle: false });
    badCheck[1]! ^= 0x10;
    const hostile: [number, Side, Uint8Array][] = [
      [4_000, "b", badCheck],
      [6_000, "b", appendCrc32(new Uint8Array([0x55, 0x01, 9, 9]))], // unknown type
      [8_000, "b", appendCrc32(new Uint8Array([7, 0x00, 0xaa]))], // TURN with a body
      [9_000, "b", appendCrc32(new Uint8Array([0x80]))], // data frame without payload
      // A replay of fragment 0 once the receiver is past it.
      ...bothEpochs({ kind: "data", rem: 1, seq: 0, payload: bytes.slice(0, 249) })
        .map((f): [number, Side, Uint8Array] => [10_000, "b", f]),
      // Two indexes half the sequence space apart: at least one is outside the window.
      ...[172, 44].flatMap((seq) =>
        bothEpochs({ kind: "data", rem: 1, seq, payload: new Uint8Array(10) })
      )
        .map((f): [number, Side, Uint8Array] => [12_000, "b", f]),
      [
        14_000,
        "b",
        onAir({
          kind: "offer",
          rem: 0,
          idle: false,
          id: randomId,
          size: 2 ** 50,
          nice: 1,
          fragBytes: 249,
        }),
      ],
      [16_000, "a", onAir({ kind: "verified", rem: 0, idle: false, id: randomId })],
      [
        18_000,
        "a",
        onAir({
          kind: "ack",
          rem: 0,
          idle: false,
          tag: 1,
          epoch: 0,
          base: 9,
          bitmap: new Uint8Array(8),
        }),
      ],
    ];
    const start = pair.clock.now();
    for (const [at, to, frame] of hostile) {
      pair.clock.schedule(start + at, () => pair.radio.inject(to, frame));
    }
    const [a, b] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    assertEquals([a.reason, b.reason], ["idle", "idle"]);
    assertEquals(await pair.inbound(pair.b, id), bytes);
    assertEquals(await pair.list(pair.b, "inbound"), [id]);
    const logged = (lines: string[], event: string) => lines.some((l) => l.includes(event));
    for (
      const event of [
        "link-frame-bad-check",
        "link-frame-unknown-type",
        "link-frame-bad-length",
        "link-frame-short",
        "link-data-duplicate",
        "link-data-out-of-range",
        "link-offer-invalid",
      ]
    ) assert(logged(pair.b.lines, event), `BOB did not log ${event}`);
    assert(logged(pair.a.lines, "link-verified-stale"));
    assert(logged(pair.a.lines, "link-ack-stale"));
    assert(b.stats.framesDropped >= 6, `${b.stats.framesDropped} frames dropped`);
  } finally {
    await pair.cleanup();
  }
});

Deno.test("a forged fragment that passes the frame check is caught by the packet id: partial discarded, packet sent again later", async () => {
  const pair = await Pair.create({ seed: 52 });
  try {
    const { id, bytes } = await pair.queue(pair.a, 3_000, 4);
    // 3000 = 12 · 249 + 12: fragment 12 is the last, 12 bytes long.
    const last = Math.floor(3_000 / 249);
    const forged = bytes.slice(last * 249);
    forged[0]! ^= 0xff;
    pair.clock.schedule(
      pair.clock.now() + 500,
      () => {
        for (const f of bothEpochs({ kind: "data", rem: 1, seq: last, payload: forged })) {
          pair.radio.inject("b", f);
        }
      },
    );
    const [a1, b1] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    assertEquals(b1.stats.packetsReceived, 0);
    assertEquals(a1.stats.packetsRejected, 1);
    assert(pair.b.lines.some((l) => l.includes("link-packet-bad-id")));
    assert(pair.a.lines.some((l) => l.includes("link-send-rejected")));
    assertEquals(await pair.list(pair.b, "inbound"), []);
    assertEquals(await pair.list(pair.b, "state"), []);
    assertEquals(
      await pair.list(pair.a, "outgoing"),
      [id],
      "the sender keeps what was not confirmed",
    );
    const [a2] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    assertEquals(a2.stats.packetsSent, 1);
    assertEquals(await pair.inbound(pair.b, id), bytes);
  } finally {
    await pair.cleanup();
  }
});

Deno.test("data frames of an older numbering, after a packet was paused and offered again, are dropped until the new ACCEPT", async () => {
  const pair = await Pair.create({ seed: 53 });
  try {
    const { id, bytes } = await pair.queue(pair.a, 20_000, 5);
    const offer = (idBytes: Uint8Array, rem: number) =>
      onAir({
        kind: "offer",
        rem,
        idle: false,
        id: idBytes,
        size: bytes.length,
        nice: 9,
        fragBytes: 249,
      });
    // Mid-transfer: another packet is offered (BOB pauses this one), then this one
    // again (BOB resumes it from its persisted state), then a data frame follows
    // that still counts fragments the old way.
    const stale = bothEpochs({
      kind: "data",
      rem: 0,
      seq: 3,
      payload: new Uint8Array(249).fill(0xee),
    });
    pair.clock.schedule(pair.clock.now() + 5_000, () => {
      pair.radio.inject("b", offer(randomId, 2));
      pair.radio.inject("b", offer(decodeBase32(id), 1));
      for (const f of stale) pair.radio.inject("b", f);
    });
    const [a, b] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    assertEquals([a.reason, b.reason], ["idle", "idle"]);
    assert(pair.b.lines.some((l) => l.includes("link-receive-paused")));
    assert(pair.b.lines.some((l) => l.includes("link-data-before-accept")));
    assertEquals(a.stats.packetsRejected, 0);
    assertEquals(await pair.inbound(pair.b, id), bytes);
  } finally {
    await pair.cleanup();
  }
});
