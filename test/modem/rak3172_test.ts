import { FakeAir } from "../../hw/mock/fake_modems/air.ts";
import { FakeRak3172, type FakeRak3172Options } from "../../hw/mock/fake_modems/fake_rak3172.ts";
import { ManualClock } from "../../hw/mock/manual_clock.ts";
import { LinkClosedError } from "../../hw/link/link.ts";
import { ModemBusyError, ModemProtocolError, ModemRejectedError } from "../../hw/modem/errors.ts";
import { openRak3172, type Rak3172 } from "../../hw/modem/rak3172.ts";
import { checkRak3172Options, type Rak3172Options } from "../../hw/modem/rak3172_options.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { receiveFrame, withTimeout } from "../serial/_helpers.ts";
import { frameLinkContract } from "./frame_link_contract.ts";
import { eventually, fakeOnPty } from "./_pty_fakes.ts";

type FakeOptions = Omit<FakeRak3172Options, "air">;
const p2p = {
  freqHz: 868_000_000,
  sf: 7,
  bwKhz: 125,
  cr: "4/5",
  preamble: 8,
  powerDbm: 14,
} as const;

/** Two RAK3172 drivers on two fake modules sharing one air. */
async function twoRadios(
  options: Rak3172Options = {},
  fake: FakeOptions = {},
  air = new FakeAir(),
) {
  const make = (p: Parameters<typeof fakeOnPty>[1] extends (x: infer P) => unknown ? P : never) =>
    new FakeRak3172(p, { workMode: 0, ...fake, air });
  const sideA = await fakeOnPty(115200, make);
  const sideB = await fakeOnPty(115200, make);
  let a: Rak3172 | undefined;
  let b: Rak3172 | undefined;
  const cleanup = async () => {
    await a?.close();
    await b?.close();
    await sideA.stop();
    await sideB.stop();
  };
  try {
    a = await openRak3172(sideA.port, options);
    b = await openRak3172(sideB.port, options);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { a, b, sideA, sideB, air, cleanup };
}

frameLinkContract("RAK3172 driver and fake RUI3 modules over ptys", () => twoRadios({ p2p }));
frameLinkContract(
  "RAK3172 driver in tx-compatible receive mode (AT+PRECV=65533)",
  () => twoRadios({ receiveMode: "tx-compatible" }),
);

Deno.test("rak3172 switches a LoRaWAN module to P2P, survives its reboot, applies settings", async () => {
  const side = await fakeOnPty(
    115200,
    (p) => new FakeRak3172(p, { air: new FakeAir(), workMode: 1 }),
  );
  try {
    const radio = await openRak3172(side.port, { p2p });
    const f = side.fake;
    assertEquals(f.reboots, 1);
    assertEquals(f.workMode, 0);
    assertEquals(f.p2p, "868000000:7:125:0:8:14");
    assertEquals(f.precv, 65534);
    assertEquals(f.commands.slice(0, 4), ["AT", "AT+PRECV=0", "AT+NWM=?", "AT+NWM=0"]);
    assertEquals(f.commands.slice(-3), [
      "AT+NWM=?",
      "AT+P2P=868000000:7:125:0:8:14",
      "AT+PRECV=65534",
    ]);
    await radio.close();
  } finally {
    await side.stop();
  }
});

Deno.test("rak3172 stops listening to send, resolves on +EVT:TXP2P DONE, listens again", async () => {
  const clock = new ManualClock();
  const r = await twoRadios({}, { airtimeMs: () => 400 }, new FakeAir(clock));
  try {
    let sent = false;
    const sending = r.a.send(new Uint8Array([0xca, 0xfe])).then(() => sent = true);
    await eventually(() => r.sideA.fake.transmitting, "the fake to transmit");
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert(!sent, "send() resolved before +EVT:TXP2P DONE");
    await clock.advance(400);
    await withTimeout(sending, "the send");
    assertEquals(await receiveFrame(r.b), new Uint8Array([0xca, 0xfe]));
    const commands = r.sideA.fake.commands;
    const at = commands.indexOf("AT+PSEND=CAFE");
    assertEquals(commands[at - 1], "AT+PRECV=0");
    await eventually(() => commands[at + 1] === "AT+PRECV=65534", "listening again");
    assertEquals(r.b.lastRssi, -42);
  } finally {
    await r.cleanup();
  }
});

Deno.test("rak3172 in tx-compatible mode sends without leaving receive mode", async () => {
  const r = await twoRadios({ receiveMode: "tx-compatible" });
  try {
    await r.a.send(new Uint8Array([1]));
    assertEquals(await receiveFrame(r.b), new Uint8Array([1]));
    assertEquals(r.sideA.fake.commands.filter((c) => c.startsWith("AT+PRECV")), [
      "AT+PRECV=0",
      "AT+PRECV=65533",
    ]);
    assertEquals(r.sideA.fake.precv, 65533);
  } finally {
    await r.cleanup();
  }
});

Deno.test("rak3172 turns AT_BUSY_ERROR into ModemBusyError and keeps working", async () => {
  const r = await twoRadios();
  try {
    r.sideA.fake.busyNextSend();
    const err = await assertRejects(
      () => r.a.send(new Uint8Array([2])),
      ModemBusyError,
      "AT_BUSY_ERROR",
    );
    assertEquals(err.response, "AT_BUSY_ERROR");
    await r.a.send(new Uint8Array([3]));
    assertEquals(await receiveFrame(r.b), new Uint8Array([3]));
  } finally {
    await r.cleanup();
  }
});

Deno.test("rak3172 turns AT_PARAM_ERROR into ModemRejectedError and listens again", async () => {
  const r = await twoRadios();
  try {
    r.sideA.fake.rejectNext("AT+PSEND", "AT_PARAM_ERROR");
    const err = await assertRejects(
      () => r.a.send(new Uint8Array([8])),
      ModemRejectedError,
      "AT_PARAM_ERROR",
    );
    assertEquals(err.command, "AT+PSEND=08");
    await eventually(() => r.sideA.fake.precv === 65534, "listening again");
    await r.b.send(new Uint8Array([9]));
    assertEquals(await receiveFrame(r.a), new Uint8Array([9]));
  } finally {
    await r.cleanup();
  }
});

Deno.test("rak3172 refuses settings the module rejects (AT_ERROR), naming the command", async () => {
  const side = await fakeOnPty(
    115200,
    (p) => new FakeRak3172(p, { air: new FakeAir(), workMode: 0 }),
  );
  try {
    const err = await assertRejects(
      () => openRak3172(side.port, { p2p: { ...p2p, freqHz: 433_000_000 } }),
      ModemRejectedError,
      "AT+P2P=433000000",
    );
    assertEquals(err.response, "AT_ERROR");
  } finally {
    await side.stop();
  }
});

Deno.test("rak3172 works with command echo on, and ignores noise and malformed events", async () => {
  const r = await twoRadios({}, { echo: true });
  try {
    await r.sideA.fake.say("P2P_RX_ON already");
    await r.sideA.fake.say("+EVT:RXP2P:-50:3:ABC");
    await r.sideA.fake.say("\x7f\x00 noise");
    await r.b.send(new Uint8Array([4, 5, 6]));
    assertEquals(await receiveFrame(r.a), new Uint8Array([4, 5, 6]));
    await r.a.send(new Uint8Array([7]));
    assertEquals(await receiveFrame(r.b), new Uint8Array([7]));
    assertEquals(r.a.stats.framesMalformed, 1);
    assert(r.a.stats.linesIgnored >= 2, `ignored ${r.a.stats.linesIgnored}`);
  } finally {
    await r.cleanup();
  }
});

Deno.test("rak3172 unplugged: receive resolves null, send rejects LinkClosedError", async () => {
  const r = await twoRadios();
  try {
    const receiving = r.b.receive();
    await r.sideB.unplug();
    assertEquals(await withTimeout(receiving, "receive after unplug"), null);
    await assertRejects(() => r.b.send(new Uint8Array([1])), LinkClosedError);
  } finally {
    await r.cleanup();
  }
});

Deno.test("rak3172 open fails with ModemProtocolError when nothing answers AT", async () => {
  const side = await fakeOnPty(115200, () => ({ close: () => Promise.resolve() }));
  try {
    await assertRejects(
      () => openRak3172(side.port, { commandTimeoutMs: 100 }),
      ModemProtocolError,
      "115200",
    );
  } finally {
    await side.stop();
  }
});

Deno.test("rak3172 options from the configuration are checked with their key path", () => {
  assertThrows(
    () => checkRak3172Options({ p2p: { ...p2p, powerDbm: 30 } }),
    RangeError,
    "rak3172.p2p.powerDbm",
  );
  assertThrows(
    () => checkRak3172Options({ p2p: { sf: 7 } }),
    TypeError,
    "rak3172.p2p.freqHz is required",
  );
  assertThrows(
    () => checkRak3172Options({ receiveMode: 65534 }),
    RangeError,
    "rak3172.receiveMode",
  );
  assertThrows(() => checkRak3172Options([]), TypeError, "rak3172 must be an object");
  assertEquals(checkRak3172Options({ p2p }), { p2p });
});

/** Sends one AT command on a raw port and collects the module's lines until `until` shows. */
async function at(
  port: { write(b: Uint8Array): Promise<void>; read(): Promise<Uint8Array | null> },
  line: string | null,
  until: string,
): Promise<string> {
  if (line !== null) await port.write(new TextEncoder().encode(`${line}\r\n`));
  let text = "";
  while (!text.includes(until)) {
    const chunk = await withTimeout(port.read(), `${until} after ${line}`);
    if (chunk === null) break;
    text += new TextDecoder().decode(chunk);
  }
  return text;
}

Deno.test("fake RAK3172: a finite AT+PRECV window expires with RECEIVE TIMEOUT and stops listening", async () => {
  const air = new FakeAir();
  const side = await fakeOnPty(115200, (p) => new FakeRak3172(p, { workMode: 0, air }));
  const other = await fakeOnPty(115200, (p) => new FakeRak3172(p, { workMode: 0, air }));
  try {
    assert((await at(side.port, "AT+PRECV=150", "OK")).includes("OK"));
    assertEquals(side.fake.precv, 150);
    const started = Date.now();
    await at(side.port, null, "+EVT:RXP2P RECEIVE TIMEOUT");
    assert(Date.now() - started >= 100, "the window lasted about its 150 ms");
    assertEquals(side.fake.precv, 0, "no longer listening");
    // A frame after the window is missed.
    await at(other.port, "AT+PSEND=0102", "+EVT:TXP2P DONE");
    await eventually(() => side.fake.missedFrames === 1, "the frame to be missed");
    // A frame inside a window ends it (one frame per window).
    await at(side.port, "AT+PRECV=5000", "OK");
    await at(other.port, "AT+PSEND=0304", "+EVT:TXP2P DONE");
    assert((await at(side.port, null, "0304")).includes("+EVT:RXP2P:-42:9:0304"));
    assertEquals(side.fake.precv, 0);
  } finally {
    await side.stop();
    await other.stop();
  }
});

Deno.test("rak3172 receives frames an older RUI3 release reports on two lines", async () => {
  const r = await twoRadios({ p2p }, { legacyEvents: true });
  try {
    await r.a.send(new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
    assertEquals(await receiveFrame(r.b), new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
    assertEquals(r.b.lastRssi, -42);
    // A stray +EVT:<hex> without the header line is not taken for a frame.
    await r.sideB.fake.say("+EVT:0102");
    await r.a.send(new Uint8Array([5]));
    assertEquals(await receiveFrame(r.b), new Uint8Array([5]));
  } finally {
    await r.cleanup();
  }
});
