import { FakeAir } from "../../hw/mock/fake_modems/air.ts";
import { FakeRn2483, type FakeRn2483Options } from "../../hw/mock/fake_modems/fake_rn2483.ts";
import { ManualClock } from "../../hw/mock/manual_clock.ts";
import { LinkClosedError } from "../../hw/link/link.ts";
import {
  ModemBusyError,
  ModemProtocolError,
  ModemRejectedError,
  ModemTxError,
} from "../../hw/modem/errors.ts";
import { openRn2483, type Rn2483 } from "../../hw/modem/rn2483.ts";
import { checkRn2483Options, type Rn2483Options } from "../../hw/modem/rn2483_options.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { receiveFrame, withTimeout } from "../serial/_helpers.ts";
import { frameLinkContract } from "./frame_link_contract.ts";
import { eventually, fakeOnPty } from "./_pty_fakes.ts";

type FakeOptions = Omit<FakeRn2483Options, "air">;

/** Two RN2483 drivers on two fake modules sharing one air. */
async function twoRadios(options: Rn2483Options = {}, fake: FakeOptions = {}, air = new FakeAir()) {
  const sideA = await fakeOnPty(57600, (p) => new FakeRn2483(p, { ...fake, air }));
  const sideB = await fakeOnPty(57600, (p) => new FakeRn2483(p, { ...fake, air }));
  let a: Rn2483 | undefined;
  let b: Rn2483 | undefined;
  const cleanup = async () => {
    await a?.close();
    await b?.close();
    await sideA.stop();
    await sideB.stop();
  };
  try {
    a = await openRn2483(sideA.port, options);
    b = await openRn2483(sideB.port, options);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { a, b, sideA, sideB, air, cleanup };
}

frameLinkContract("RN2483 driver and fake RN2483s over ptys", () => twoRadios());

Deno.test("rn2483 opens by asking the version, pausing the MAC, applying settings, listening", async () => {
  const radio = {
    freqHz: 868_100_000,
    sf: 9,
    bwKhz: 125,
    cr: "4/5",
    powerDbm: 14,
    watchdogMs: 0,
  } as const;
  const r = await twoRadios({ radio });
  try {
    assertEquals(r.sideA.fake.commands, [
      "sys get ver",
      "radio rxstop",
      "mac pause",
      "radio set mod lora",
      "radio set freq 868100000",
      "radio set sf sf9",
      "radio set bw 125",
      "radio set cr 4/5",
      "radio set pwr 14",
      "radio set wdt 0",
      "radio rx 0",
    ]);
    assertEquals(r.a.version, "RN2483 1.0.5");
    assertEquals(r.sideA.fake.mode, "rx");
  } finally {
    await r.cleanup();
  }
});

Deno.test("rn2483 send resolves only once the module reports radio_tx_ok", async () => {
  const clock = new ManualClock();
  const r = await twoRadios({}, { airtimeMs: () => 500 }, new FakeAir(clock));
  try {
    let sent = false;
    const sending = r.a.send(new Uint8Array([1, 2, 3])).then(() => sent = true);
    await eventually(() => r.sideA.fake.mode === "tx", "the fake to start transmitting");
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert(!sent, "send() resolved while the frame was still on the air");
    await clock.advance(500);
    await withTimeout(sending, "send after radio_tx_ok");
    assertEquals(await receiveFrame(r.b), new Uint8Array([1, 2, 3]));
    assert(r.sideA.fake.commands.includes("radio tx 010203"));
  } finally {
    await r.cleanup();
  }
});

Deno.test("rn2483 leaves txGapMs between transmissions so the receiver can listen again", async () => {
  const air = new FakeAir();
  const sideA = await fakeOnPty(57600, (p) => new FakeRn2483(p, { air }));
  const clock = new ManualClock();
  const a = await openRn2483(sideA.port, { txGapMs: 50 }, clock);
  try {
    await a.send(new Uint8Array([1]));
    const txCount = () => sideA.fake.commands.filter((c) => c.startsWith("radio tx")).length;
    let sent = false;
    const second = a.send(new Uint8Array([2])).then(() => sent = true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assertEquals([txCount(), sent], [1, false]);
    await clock.advance(50);
    await withTimeout(second, "the second send after the gap");
    assertEquals(txCount(), 2);
  } finally {
    await a.close();
    await sideA.stop();
  }
});

Deno.test("rn2483 turns radio_err after a transmission into ModemTxError and keeps listening", async () => {
  const r = await twoRadios();
  try {
    r.sideA.fake.failNextTx();
    await assertRejects(() => r.a.send(new Uint8Array([9])), ModemTxError, "radio_err");
    await r.b.send(new Uint8Array([4, 4]));
    assertEquals(await receiveFrame(r.a), new Uint8Array([4, 4]));
    assertEquals(r.a.stats.sendFailures, 1);
  } finally {
    await r.cleanup();
  }
});

Deno.test("rn2483 retries once after busy (with rxstop), then reports ModemBusyError", async () => {
  const r = await twoRadios();
  try {
    r.sideA.fake.busyNextTx(1);
    await r.a.send(new Uint8Array([1]));
    assertEquals(await receiveFrame(r.b), new Uint8Array([1]));
    r.sideA.fake.busyNextTx(2);
    await assertRejects(() => r.a.send(new Uint8Array([2])), ModemBusyError, "busy");
    await r.a.send(new Uint8Array([3]));
    assertEquals(await receiveFrame(r.b), new Uint8Array([3]));
  } finally {
    await r.cleanup();
  }
});

Deno.test("rn2483 refuses a setting the module rejects, naming the command", async () => {
  const side = await fakeOnPty(57600, (p) => new FakeRn2483(p, { air: new FakeAir() }));
  try {
    const err = await assertRejects(
      () => openRn2483(side.port, { radio: { powerDbm: 20 } }),
      ModemRejectedError,
      "radio set pwr 20",
    );
    assertEquals(err.response, "invalid_param");
  } finally {
    await side.stop();
  }
});

Deno.test("rn2483 ignores garbage lines and malformed frames, and still receives", async () => {
  const r = await twoRadios();
  try {
    await r.sideA.fake.say("\x01\x02 line noise");
    await r.sideA.fake.say("radio_rx  0G");
    await r.sideA.fake.say("x".repeat(2000));
    await r.b.send(new Uint8Array([5, 6]));
    assertEquals(await receiveFrame(r.a), new Uint8Array([5, 6]));
    assertEquals(r.a.stats.framesMalformed, 1);
    assert(r.a.stats.linesIgnored >= 1, "the noise line was counted");
  } finally {
    await r.cleanup();
  }
});

Deno.test("rn2483 re-arms the receiver after the radio watchdog ends a window", async () => {
  const clock = new ManualClock();
  const r = await twoRadios({}, { watchdogMs: 1000 }, new FakeAir(clock));
  try {
    const arms = () => r.sideA.fake.commands.filter((c) => c === "radio rx 0").length;
    assertEquals(arms(), 1);
    await clock.advance(1000);
    await eventually(() => arms() === 2 && r.sideA.fake.mode === "rx", "a second radio rx 0");
    const sending = r.b.send(new Uint8Array([8]));
    await eventually(() => r.sideB.fake.mode === "tx", "side b transmitting");
    await clock.advance(2);
    await withTimeout(sending, "the send");
    assertEquals(await receiveFrame(r.a), new Uint8Array([8]));
  } finally {
    await r.cleanup();
  }
});

Deno.test("rn2483 on firmware 1.0.3 (no rxstop) waits for the receive window to end", async () => {
  const clock = new ManualClock();
  const r = await twoRadios({}, { firmware: "1.0.3", watchdogMs: 3000 }, new FakeAir(clock));
  try {
    assert(!r.sideA.fake.commands.includes("radio rxstop"), "rxstop is not sent to 1.0.3");
    let sent = false;
    const sending = r.a.send(new Uint8Array([7])).then(() => sent = true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert(!sent && r.sideA.fake.mode === "rx", "the driver waits while the window is open");
    await clock.advance(3000);
    await eventually(() => r.sideA.fake.mode === "tx", "the transmission after the window");
    // The watchdog ended b's window too: wait for its driver to listen again.
    await eventually(() => r.sideB.fake.mode === "rx", "b listening again");
    await clock.advance(2);
    await withTimeout(sending, "the send");
    assertEquals(await receiveFrame(r.b), new Uint8Array([7]));
  } finally {
    await r.cleanup();
  }
});

Deno.test("rn2483 unplugged: receive resolves null, send rejects LinkClosedError", async () => {
  const r = await twoRadios();
  try {
    const receiving = r.a.receive();
    await r.sideA.unplug();
    assertEquals(await withTimeout(receiving, "receive after unplug"), null);
    await assertRejects(() => r.a.send(new Uint8Array([1])), LinkClosedError);
  } finally {
    await r.cleanup();
  }
});

Deno.test("rn2483 open fails with ModemProtocolError when nothing answers sys get ver", async () => {
  const side = await fakeOnPty(57600, () => ({ close: () => Promise.resolve() }));
  try {
    await assertRejects(
      () => openRn2483(side.port, { commandTimeoutMs: 150 }),
      ModemProtocolError,
      "57600 baud",
    );
  } finally {
    await side.stop();
  }
});

Deno.test("rn2483 options from the configuration are checked with their key path", () => {
  assertThrows(() => checkRn2483Options({ radio: { sf: 13 } }), RangeError, "rn2483.radio.sf");
  assertThrows(() => checkRn2483Options({ radio: { freqHz: 600_000_000 } }), RangeError, "freqHz");
  assertThrows(() => checkRn2483Options({ radio: { cr: "4/9" } }), RangeError, "rn2483.radio.cr");
  assertThrows(() => checkRn2483Options({ macPause: "yes" }), TypeError, "rn2483.macPause");
  assertThrows(() => checkRn2483Options({ spreading: 7 }), TypeError, "rn2483.spreading");
  assertEquals(checkRn2483Options({ radio: { sf: 12, bwKhz: 125 } }), {
    radio: { sf: 12, bwKhz: 125 },
  });
});

/** Sends one command line on a raw port and returns the module's answer line. */
async function ask(
  port: { write(b: Uint8Array): Promise<void>; read(): Promise<Uint8Array | null> },
  line: string,
) {
  await port.write(new TextEncoder().encode(`${line}\r\n`));
  let text = "";
  while (!text.includes("\r\n")) {
    const chunk = await withTimeout(port.read(), `answer to ${line}`);
    if (chunk === null) break;
    text += new TextDecoder().decode(chunk);
  }
  return text.trim();
}

Deno.test("fake RN2903 takes only 902-928 MHz and 2-20 dBm, the RN2483 only 433/868 MHz and -3-15 dBm", async () => {
  for (
    const [model, good, bad] of [
      ["RN2483", ["freq 868100000", "freq 433175000", "pwr -3", "pwr 15"], [
        "freq 915000000",
        "pwr 20",
      ]],
      ["RN2903", ["freq 915000000", "pwr 2", "pwr 20"], [
        "freq 868100000",
        "freq 433175000",
        "pwr -3",
      ]],
    ] as const
  ) {
    const side = await fakeOnPty(57600, (p) => new FakeRn2483(p, { air: new FakeAir(), model }));
    try {
      for (const setting of good) assertEquals(await ask(side.port, `radio set ${setting}`), "ok");
      for (const setting of bad) {
        assertEquals(
          await ask(side.port, `radio set ${setting}`),
          "invalid_param",
          `${model} ${setting}`,
        );
      }
    } finally {
      await side.stop();
    }
  }
  // Through the driver: an RN2903 refuses an 868 MHz setting.
  const side = await fakeOnPty(
    57600,
    (p) => new FakeRn2483(p, { air: new FakeAir(), model: "RN2903" }),
  );
  try {
    await assertRejects(
      () => openRn2483(side.port, { radio: { freqHz: 868_100_000 } }),
      ModemRejectedError,
      "868100000",
    );
  } finally {
    await side.stop();
  }
});

Deno.test("fake RN2483 in FSK mode refuses radio tx over 64 bytes", async () => {
  const side = await fakeOnPty(57600, (p) => new FakeRn2483(p, { air: new FakeAir() }));
  try {
    assertEquals(await ask(side.port, "mac pause"), "4294967245");
    assertEquals(await ask(side.port, "radio set mod fsk"), "ok");
    assertEquals(await ask(side.port, `radio tx ${"ab".repeat(65)}`), "invalid_param");
    assertEquals(await ask(side.port, `radio tx ${"ab".repeat(64)}`), "ok");
  } finally {
    await side.stop();
  }
});

Deno.test("rn2483 asks mac pause again while the LoRaWAN stack answers 0 (busy), then listens", async () => {
  const r = await twoRadios({}, { macBusyPauses: 2 });
  try {
    assertEquals(r.sideA.fake.commands.filter((c) => c === "mac pause").length, 3);
    await r.a.send(new Uint8Array([1, 2, 3]));
    assertEquals(await receiveFrame(r.b), new Uint8Array([1, 2, 3]));
  } finally {
    await r.cleanup();
  }
});

Deno.test("a frame with a failed CRC makes the RN2483 answer radio_err; the driver drops it and listens on", async () => {
  const r = await twoRadios();
  try {
    r.air.corruptNext(1);
    await r.a.send(new Uint8Array([7, 7, 7]));
    await eventually(() => r.air.corrupted === 1, "the corrupted frame");
    await r.a.send(new Uint8Array([8]));
    assertEquals(
      await receiveFrame(r.b),
      new Uint8Array([8]),
      "the corrupted frame never surfaced",
    );
  } finally {
    await r.cleanup();
  }
});

Deno.test("frames sent at the same time on the shared air collide: nobody hears either", async () => {
  const air = new FakeAir();
  const r = await twoRadios({}, { airtimeMs: () => 150 }, air);
  const third = await fakeOnPty(57600, (p) => new FakeRn2483(p, { air, airtimeMs: () => 150 }));
  const c = await openRn2483(third.port, {});
  try {
    await Promise.all([r.a.send(new Uint8Array([1])), r.b.send(new Uint8Array([2]))]);
    await eventually(() => air.collisions === 2, "both frames to collide");
    await r.a.send(new Uint8Array([3]));
    assertEquals(await receiveFrame(c), new Uint8Array([3]), "the first thing c hears is frame 3");
    assertEquals(await receiveFrame(r.b), new Uint8Array([3]));
  } finally {
    await c.close();
    await third.stop();
    await r.cleanup();
  }
});
