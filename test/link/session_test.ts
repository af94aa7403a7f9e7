import { assert, assertEquals, assertThrows } from "../assert.ts";
import { bitrateAirtime, loraAirtime } from "../../src/link/airtime.ts";
import { AirtimeBudget } from "../../src/link/budget.ts";
import { cobsFrameLink, cobsMtu, cobsWireBytes } from "../../src/link/cobs_link.ts";
import { crcFrameLink } from "../../src/link/checked_link.ts";
import { decodeFrame, encodeFrame } from "../../src/link/frames.ts";
import { checkLimits, linkLimitsDefault, type LinkShape } from "../../src/link/limits.ts";
import { BytePipe } from "../../hw/emulator/byte_pipe.ts";
import { Prng } from "../../hw/emulator/prng.ts";
import { RadioChannel } from "../../hw/emulator/radio_channel.ts";
import { SimClock } from "../../hw/emulator/sim_clock.ts";
import { Pair } from "./_scenario.ts";

Deno.test("packets cross a noisy byte-stream link framed with COBS and CRC-32, garbage and all", async () => {
  const pair = await Pair.create({ seed: 61 });
  try {
    const pipe = new BytePipe({
      clock: pair.clock,
      bitsPerSecond: 9_600,
      airPacketBytes: 58,
      loss: { kind: "independent", p: 0.05 },
      corruptP: 0.05,
      seed: 61,
    });
    const noise = new Prng(7);
    for (let t = 1_000; t < 120_000; t += 3_000) {
      pair.clock.schedule(pair.clock.now() + t, () => {
        pipe.injectGarbage(t % 2 ? "a" : "b", noise.fill(new Uint8Array(1 + noise.int(80))));
      });
    }
    const airtime = bitrateAirtime({ bitsPerSecond: 9_600, bitsPerByte: 10 });
    const toBob = [await pair.queue(pair.a, 30_000, 1), await pair.queue(pair.a, 700, 2)];
    const toAlice = [await pair.queue(pair.b, 20_000, 3)];
    const [a, b] = await pair.clock.run(Promise.all([
      pair.session(pair.a, { link: cobsFrameLink(pipe.a, { log: pair.a.log }), airtime }).run(),
      pair.session(pair.b, { link: cobsFrameLink(pipe.b, { log: pair.b.log }), airtime }).run(),
    ]));
    assertEquals([a.reason, b.reason], ["idle", "idle"]);
    for (const p of toBob) assertEquals(await pair.inbound(pair.b, p.id), p.bytes);
    for (const p of toAlice) assertEquals(await pair.inbound(pair.a, p.id), p.bytes);
    assert(pair.b.lines.some((l) => l.includes("link-frame-bad-check")), "noise must have hit");
  } finally {
    await pair.cleanup();
  }
});

Deno.test("both sides send at once on a lossy half-duplex link and everything arrives", async () => {
  const pair = await Pair.create({ seed: 62, loss: { kind: "independent", p: 0.1 } });
  try {
    const toBob = [await pair.queue(pair.a, 25_000, 1), await pair.queue(pair.a, 300, 2, 5)];
    const toAlice = [await pair.queue(pair.b, 18_000, 3), await pair.queue(pair.b, 9_000, 4)];
    const [a, b] = await pair.clock.run(
      Promise.all([pair.session(pair.a).run(), pair.session(pair.b).run()]),
    );
    assertEquals([a.reason, b.reason], ["idle", "idle"]);
    assertEquals([a.stats.packetsSent, a.stats.packetsReceived], [2, 2]);
    for (const p of toBob) assertEquals(await pair.inbound(pair.b, p.id), p.bytes);
    for (const p of toAlice) assertEquals(await pair.inbound(pair.a, p.id), p.bytes);
    assertEquals([await pair.list(pair.a, "outgoing"), await pair.list(pair.b, "outgoing")], [
      [],
      [],
    ]);
  } finally {
    await pair.cleanup();
  }
});

Deno.test("a session on LoRa SF9 airtime with a 10 % budget delivers and counts the airtime the radio used", async () => {
  const sf9 = loraAirtime({ spreadingFactor: 9 });
  const pair = await Pair.create({
    seed: 63,
    bitsPerSecond: sf9.bitsPerSecond,
    airtimeMs: sf9.frameMs,
  });
  try {
    const p = await pair.queue(pair.a, 8_000, 5);
    const budget = new AirtimeBudget({ dutyCycle: 0.1 });
    const [a, b] = await pair.clock.run(Promise.all([
      pair.session(pair.a, { airtime: sf9, budget }).run(),
      pair.session(pair.b, { airtime: sf9 }).run(),
    ]));
    assertEquals(await pair.inbound(pair.b, p.id), p.bytes);
    assert(Math.abs(budget.usedMs(0, Infinity) - a.stats.airtimeMs) < 1e-6);
    assert(Math.abs(pair.radio.airtimeMs("a") - a.stats.airtimeMs) < 1e-6);
    assert(Math.abs(pair.radio.airtimeMs("b") - b.stats.airtimeMs) < 1e-6);
    assert(a.stats.airtimeMs >= 32 * sf9.frameMs(255), "32 full frames at SF9");
  } finally {
    await pair.cleanup();
  }
});

Deno.test("limits are checked against each other and the link before a session starts", () => {
  const link = { mtu: 251, overheadBytes: 4, airtime: bitrateAirtime({ bitsPerSecond: 5_469 }) };
  const derived = checkLimits(linkLimitsDefault, link);
  assertEquals(derived.fragBytes, 249);
  assert(derived.replyTimeoutDataMs > linkLimitsDefault.turnaroundMs + derived.dataFrameMs);
  const bad = (patch: object, other: Partial<LinkShape> = {}) => () =>
    checkLimits({ ...linkLimitsDefault, ...patch }, { ...link, ...other });
  assertThrows(bad({ windowFramesMax: 65 }), RangeError, "windowFramesMax");
  assertThrows(bad({ burstFramesMax: 80, windowFramesMax: 64 }), RangeError, "burstFramesMax");
  assertThrows(bad({ idleWaitMsMin: 10, idleWaitMsMax: 5 }), RangeError, "idleWaitMsMin");
  assertThrows(bad({ turnaroundMs: -1 }), RangeError, "turnaroundMs");
  assertThrows(bad({}, { mtu: 30 }), RangeError, "ACCEPT");
  const tiny = new AirtimeBudget({ dutyCycle: 0.0001, windowMs: 60_000 });
  assertThrows(bad({}, { budget: tiny }), RangeError, "cannot carry one turn");
  // COBS frames longer than 254 bytes need a second code byte: 9 bytes of overhead, too many.
  const mtu = cobsMtu(1_000);
  assertThrows(bad({}, { mtu, overheadBytes: cobsWireBytes(mtu) - mtu }), RangeError, "overhead");
  const radio = new RadioChannel({ clock: new SimClock(), bitsPerSecond: 5_469, mtu: 255 });
  assertEquals(crcFrameLink(radio.a).mtu, 251);
  assertEquals(
    cobsFrameLink(new BytePipe({ clock: new SimClock(), bitsPerSecond: 9_600 }).a).mtu,
    249,
  );
});

Deno.test("a session with a peer that answers every turn but never accepts anything ends as stalled", async () => {
  const pair = await Pair.create({ seed: 64 });
  try {
    await pair.queue(pair.a, 5_000, 6);
    const bob = crcFrameLink(pair.radio.b);
    let over = false;
    const hostile = (async () => {
      let turns = 0;
      while (turns < 1_000) {
        const frame = await bob.receive();
        if (frame === null) break;
        if (decodeFrame(frame).rem !== 0) continue;
        await pair.clock.sleep(60);
        if (over) break;
        await bob.send(encodeFrame({ kind: "turn", rem: 0, idle: false }));
        turns++;
      }
      return turns;
    })();
    const [a, turns] = await pair.clock.run(Promise.all([
      pair.session(pair.a).run().finally(() => {
        over = true;
        return bob.close();
      }),
      hostile,
    ]));
    assertEquals(a.reason, "stalled");
    assert(turns > linkLimitsDefault.stallTurnsMax && turns < 1_000, `${turns} turns`);
    assertEquals(await pair.list(pair.a, "outgoing"), [
      (await pair.a.raw.listOutgoing("BOB"))[0]!.id,
    ]);
  } finally {
    await pair.cleanup();
  }
});

Deno.test("a session whose peer never answers ends as peer-lost after its retries, with its queue intact", async () => {
  const pair = await Pair.create({ seed: 65 });
  try {
    const p = await pair.queue(pair.a, 2_000, 7);
    const [alone] = await pair.clock.run(Promise.all([pair.session(pair.a).run()]));
    assertEquals(alone.reason, "peer-lost");
    assertEquals(alone.stats.turnTimeouts, linkLimitsDefault.turnRetriesMax);
    assertEquals(await pair.list(pair.a, "outgoing"), [p.id]);
    const [quiet] = await pair.clock.run(Promise.all([pair.session(pair.b).run()]));
    assertEquals(quiet.reason, "peer-lost", "never greeted: not idle even with nothing to send");
  } finally {
    await pair.cleanup();
  }
});
