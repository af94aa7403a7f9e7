import { FakeAir } from "../../hw/mock/fake_modems/air.ts";
import { FakeKissTnc } from "../../hw/mock/fake_modems/fake_kiss_tnc.ts";
import { LinkClosedError } from "../../hw/link/link.ts";
import { ModemProtocolError, ModemRejectedError } from "../../hw/modem/errors.ts";
import { type Kiss, openKiss } from "../../hw/modem/kiss.ts";
import { encodeKiss, KissDecoder } from "../../hw/modem/kiss_codec.ts";
import { encodeUi, parseCallsign } from "../../hw/modem/ax25.ts";
import { checkKissOptions, type KissOptions } from "../../hw/modem/kiss_options.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { receiveFrame, withTimeout } from "../serial/_helpers.ts";
import { frameLinkContract } from "./frame_link_contract.ts";
import { eventually, fakeOnPty } from "./_pty_fakes.ts";

const rnode = { frequencyHz: 868_100_000, bandwidthHz: 125_000, txPowerDbm: 14, sf: 8, cr: 5 };

async function twoTncs(options: KissOptions = {}, asRnode = false) {
  const air = new FakeAir();
  const sideA = await fakeOnPty(115200, (p) => new FakeKissTnc(p, { air, rnode: asRnode }));
  const sideB = await fakeOnPty(115200, (p) => new FakeKissTnc(p, { air, rnode: asRnode }));
  let a: Kiss | undefined;
  let b: Kiss | undefined;
  const cleanup = async () => {
    await a?.close();
    await b?.close();
    await sideA.stop();
    await sideB.stop();
  };
  try {
    // A plain KISS TNC only carries AX.25: each side needs its own callsign.
    a = await openKiss(sideA.port, asRnode ? options : { callsign: "N0AAA", ...options });
    b = await openKiss(sideB.port, asRnode ? options : { callsign: "N0BBB", ...options });
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { a, b, sideA, sideB, cleanup };
}

frameLinkContract("KISS driver and fake KISS TNCs over ptys", () => twoTncs());
frameLinkContract("KISS driver configuring fake RNodes over ptys", () => twoTncs({ rnode }, true));

Deno.test("kiss framing escapes FEND and FESC and resynchronises after noise", () => {
  const payload = new Uint8Array([0xc0, 0xdb, 0x00, 0xdc, 0xdd, 0xc0]);
  const encoded = encodeKiss(0x00, payload);
  assertEquals(
    encoded,
    new Uint8Array([0xc0, 0x00, 0xdb, 0xdc, 0xdb, 0xdd, 0x00, 0xdc, 0xdd, 0xdb, 0xdc, 0xc0]),
  );
  const got: [number, Uint8Array][] = [];
  const decoder = new KissDecoder(16, (c, p) => got.push([c, p]));
  const noise = new Uint8Array([0x41, 0x42, 0xdb]);
  const badEscape = new Uint8Array([0xc0, 0x00, 0xdb, 0x01, 0x02, 0xc0]);
  const tooLong = encodeKiss(0x00, new Uint8Array(20));
  for (
    const part of [
      noise,
      encoded,
      badEscape,
      tooLong,
      new Uint8Array([0xc0, 0xc0]),
      encodeKiss(0x10, new Uint8Array([9])),
    ]
  ) {
    // Byte by byte, as a slow serial line delivers them.
    for (const b of part) decoder.push(new Uint8Array([b]));
  }
  assertEquals(got, [[0x00, payload], [0x10, new Uint8Array([9])]]);
  assertEquals(decoder.malformed, 2);
});

Deno.test("kiss ignores other ports, unknown commands and noise, and never sends command-mode text", async () => {
  const r = await twoTncs();
  try {
    const fake = r.sideA.fake;
    await fake.sendFrame(0x10, new Uint8Array([1, 1])); // data on port 1
    await fake.sendFrame(0x0f, new Uint8Array([1])); // flow control
    await fake.sendFrame(0x23, new Uint8Array([7])); // statistics
    await fake.sendRaw(new TextEncoder().encode("cmd:"));
    await r.b.send(new Uint8Array([0xc0, 0xdb, 3]));
    assertEquals(await receiveFrame(r.a), new Uint8Array([0xc0, 0xdb, 3]));
    await r.a.send(new Uint8Array([4]));
    assertEquals(await receiveFrame(r.b), new Uint8Array([4]));
    // Three foreign frames, and the noise, which the next FEND closes as an unknown command.
    assertEquals(r.a.stats.linesIgnored, 4);
    assertEquals(fake.bytesBeforeFirstFend, 0);
    assertEquals(fake.fromHost.map(([c]) => c), [0x00]);
  } finally {
    await r.cleanup();
  }
});

Deno.test("kiss uses the configured TNC port in the command byte, both ways", async () => {
  const r = await twoTncs({ port: 2 });
  try {
    await r.a.send(new Uint8Array([5]));
    await eventually(() => r.sideA.fake.fromHost.length === 1, "the TNC to get the frame");
    assertEquals(r.sideA.fake.fromHost[0], [
      0x20,
      encodeUi(parseCallsign("N0AAA"), Uint8Array.of(5)),
    ]);
    await r.sideA.fake.sendFrame(0x00, encodeUi(parseCallsign("N0BBB"), Uint8Array.of(6)));
    await r.sideA.fake.sendFrame(0x20, encodeUi(parseCallsign("N0BBB"), Uint8Array.of(7)));
    assertEquals(await receiveFrame(r.a), new Uint8Array([7]));
  } finally {
    await r.cleanup();
  }
});

Deno.test("kiss configures an RNode: detect, each setting echoed, radio switched on", async () => {
  const r = await twoTncs({ rnode }, true);
  try {
    const s = r.sideA.fake.settings;
    assertEquals(s.get(0x01), new Uint8Array([0x33, 0xbe, 0x27, 0xa0]));
    assertEquals(s.get(0x02), new Uint8Array([0x00, 0x01, 0xe8, 0x48]));
    assertEquals(s.get(0x03), new Uint8Array([14]));
    assertEquals(s.get(0x04), new Uint8Array([8]));
    assertEquals(s.get(0x05), new Uint8Array([5]));
    assertEquals(s.get(0x06), new Uint8Array([1]));
    await r.a.send(new Uint8Array([1, 2]));
    assertEquals(await receiveFrame(r.b), new Uint8Array([1, 2]));
    assert(r.b.stats.linesIgnored >= 2, "the RSSI and SNR frames before the data were skipped");
  } finally {
    await r.cleanup();
  }
});

Deno.test("kiss reports an RNode that does not take a setting as ModemRejectedError", async () => {
  const side = await fakeOnPty(
    115200,
    (p) => new FakeKissTnc(p, { air: new FakeAir(), rnode: true }),
  );
  try {
    await assertRejects(
      () => openKiss(side.port, { rnode: { ...rnode, txPowerDbm: 30 } }),
      ModemRejectedError,
      "tx power 30 (it reports 22)",
    );
  } finally {
    await side.stop();
  }
});

Deno.test("kiss open fails with ModemProtocolError when no RNode answers the detect request", async () => {
  const side = await fakeOnPty(115200, (p) => new FakeKissTnc(p, { air: new FakeAir() }));
  try {
    await assertRejects(
      () => openKiss(side.port, { rnode, commandTimeoutMs: 100 }),
      ModemProtocolError,
      "RNode",
    );
  } finally {
    await side.stop();
  }
});

Deno.test("kiss unplugged: receive resolves null, send rejects LinkClosedError", async () => {
  const r = await twoTncs();
  try {
    const receiving = r.a.receive();
    await r.sideA.unplug();
    assertEquals(await withTimeout(receiving, "receive after unplug"), null);
    await assertRejects(() => r.a.send(new Uint8Array([1])), LinkClosedError);
  } finally {
    await r.cleanup();
  }
});

Deno.test("kiss options from the configuration are checked with their key path", () => {
  assertThrows(() => checkKissOptions({ port: 16 }), RangeError, "kiss.port");
  assertThrows(() => checkKissOptions({ mtu: 0 }), RangeError, "kiss.mtu");
  assertThrows(
    () => checkKissOptions({ rnode: { sf: 7 } }),
    TypeError,
    "kiss.rnode.frequencyHz is required",
  );
  assertEquals(checkKissOptions({ mtu: 254, rnode }), { mtu: 254, rnode });
});

async function ax25Pair(a: KissOptions, b: KissOptions) {
  const air = new FakeAir();
  const sideA = await fakeOnPty(115200, (p) => new FakeKissTnc(p, { air }));
  const sideB = await fakeOnPty(115200, (p) => new FakeKissTnc(p, { air }));
  const ka = await openKiss(sideA.port, a);
  const kb = await openKiss(sideB.port, b);
  return {
    air,
    a: ka,
    b: kb,
    sideA,
    sideB,
    cleanup: async () => {
      await ka.close();
      await kb.close();
      await sideA.stop();
      await sideB.stop();
    },
  };
}

Deno.test("kiss with a callsign sends AX.25 UI frames to FERRY and unwraps them on receipt", async () => {
  const r = await ax25Pair({ callsign: "N0CALL-7" }, { callsign: "N1XYZ" });
  try {
    assertEquals(r.a.mtu, 256, "272-byte TNC frames less the 16-byte AX.25 header");
    await r.a.send(new Uint8Array([0xc0, 1, 2]));
    await eventually(() => r.sideA.fake.fromHost.length === 1, "the TNC to get the frame");
    assertEquals(
      r.sideA.fake.fromHost[0],
      [
        0x00,
        new Uint8Array([
          0x8c,
          0x8a,
          0xa4,
          0xa4,
          0xb2,
          0x40,
          0xe0,
          0x9c,
          0x60,
          0x86,
          0x82,
          0x98,
          0x98,
          0x6f,
          0x03,
          0xf0,
          0xc0,
          1,
          2,
        ]),
      ],
    );
    assertEquals(await receiveFrame(r.b), new Uint8Array([0xc0, 1, 2]));
    // The largest frame fits the TNC's maximum exactly; one byte more is refused before the TNC.
    await r.b.send(new Uint8Array(256).fill(7));
    assertEquals(await receiveFrame(r.a), new Uint8Array(256).fill(7));
    await assertRejects(() => r.b.send(new Uint8Array(257)), RangeError, "MTU of 256");
  } finally {
    await r.cleanup();
  }
});

Deno.test("kiss with a callsign ignores other stations, other protocols and raw frames quietly", async () => {
  const r = await ax25Pair({ callsign: "N0CALL-7" }, { callsign: "N1XYZ" });
  try {
    const fake = r.sideA.fake;
    // APRS from a stranger, a NET/ROM frame to FERRY, a raw (RNode-style) ferry frame, our own echo.
    await fake.sendFrame(
      0x00,
      new Uint8Array([
        0x82,
        0xa0,
        0xa4,
        0xa6,
        0x40,
        0x40,
        0x60,
        0x9c,
        0x60,
        0x86,
        0x82,
        0x98,
        0x98,
        0x61,
        0x03,
        0xf0,
        0x21,
      ]),
    );
    await fake.sendFrame(
      0x00,
      new Uint8Array([
        0x8c,
        0x8a,
        0xa4,
        0xa4,
        0xb2,
        0x40,
        0xe0,
        0x9c,
        0x62,
        0xb0,
        0xb2,
        0xb4,
        0x40,
        0x61,
        0x03,
        0xcf,
        0x21,
      ]),
    );
    await fake.sendFrame(0x00, new Uint8Array([0x05, 0x00, 0x01]));
    await fake.sendFrame(
      0x00,
      new Uint8Array([
        0x8c,
        0x8a,
        0xa4,
        0xa4,
        0xb2,
        0x40,
        0xe0,
        0x9c,
        0x60,
        0x86,
        0x82,
        0x98,
        0x98,
        0x6f,
        0x03,
        0xf0,
        0x21,
      ]),
    );
    await r.b.send(new Uint8Array([42]));
    assertEquals(await receiveFrame(r.a), new Uint8Array([42]));
    assertEquals(r.a.stats.framesReceived, 1);
    assertEquals(r.a.ignored, { "not-ferry": 1, "other-protocol": 1, malformed: 1, own: 1 });
  } finally {
    await r.cleanup();
  }
});

Deno.test("kiss without a callsign sends raw frames, which a Dire Wolf-like TNC refuses", async () => {
  const r = await ax25Pair({}, {});
  try {
    assertEquals(r.a.mtu, 254);
    await r.a.send(new Uint8Array([1, 2])); // a short control frame
    await r.a.send(new Uint8Array(20).fill(2)); // long enough, but no AX.25 address field
    await r.a.send(new Uint8Array(20).fill(1)); // the end bit after one address only
    await eventually(() => r.sideA.fake.fromHost.length === 3, "the TNC to get the frames");
    assertEquals(r.sideA.fake.fromHost[0], [0x00, new Uint8Array([1, 2])]);
    assertEquals(r.sideA.fake.refused, { "too-short": 1, "too-long": 0, "not-ax25": 2 });
    assertEquals(r.air.frames.length, 0, "nothing went on the air");
  } finally {
    await r.cleanup();
  }
});

Deno.test("a Dire Wolf-like TNC refuses frames over its maximum length; the driver's mtu keeps within it", async () => {
  const air = new FakeAir();
  const side = await fakeOnPty(115200, (p) => new FakeKissTnc(p, { air, frameBytesMax: 272 }));
  const sideC = await fakeOnPty(115200, (p) => new FakeKissTnc(p, { air, frameBytesMax: 272 }));
  const k = await openKiss(side.port, { callsign: "N0AAA", mtu: 300 });
  const fits = await openKiss(sideC.port, { callsign: "N0CCC" });
  try {
    await k.send(new Uint8Array(284)); // 300 bytes with the header: over the TNC's 272
    await eventually(() => side.fake.fromHost.length === 1, "the TNC to get the frame");
    assertEquals(side.fake.refused["too-long"], 1);
    assertEquals(fits.mtu, 256, "the default mtu fits a 272-byte TNC");
    await fits.send(new Uint8Array(256));
    await eventually(() => air.frames.length === 1, "the fitting frame on the air");
    assertEquals(air.frames[0]!.length, 272);
  } finally {
    await k.close();
    await fits.close();
    await side.stop();
    await sideC.stop();
  }
});

Deno.test("the fake TNC delays transmissions by the TXDELAY and slot time the driver configured", async () => {
  const r = await ax25Pair(
    { callsign: "N0AAA", tnc: { txDelayMs: 250, persistence: 255, slotTimeMs: 50 } },
    { callsign: "N0BBB" },
  );
  try {
    await eventually(() => r.sideA.fake.parameters.size === 3, "the parameters to arrive");
    const start = Date.now();
    await r.a.send(new Uint8Array([1]));
    assertEquals(await receiveFrame(r.b), new Uint8Array([1]));
    const ms = Date.now() - start;
    assert(ms >= 300, `the frame arrived after ${ms} ms, before slot + TXDELAY (300 ms)`);
    assertEquals(r.sideA.fake.keyUps, 1);
  } finally {
    await r.cleanup();
  }
});

Deno.test("the fake TNC draws p-persistence once per slot time before it transmits", async () => {
  const air = new FakeAir();
  const draws: number[] = [];
  const random = () => (draws.push(0), draws.length < 4 ? 0.9 : 0.1); // three misses, then a hit
  const sideA = await fakeOnPty(115200, (p) => new FakeKissTnc(p, { air, random }));
  const sideB = await fakeOnPty(115200, (p) => new FakeKissTnc(p, { air }));
  const a = await openKiss(sideA.port, {
    callsign: "N0AAA",
    tnc: { persistence: 63, slotTimeMs: 100 },
  });
  const b = await openKiss(sideB.port, { callsign: "N0BBB" });
  try {
    await eventually(() => sideA.fake.parameters.size === 2, "the parameters to arrive");
    const start = Date.now();
    await a.send(new Uint8Array([1]));
    assertEquals(await receiveFrame(b), new Uint8Array([1]));
    const ms = Date.now() - start;
    assertEquals(draws.length, 4);
    assert(ms >= 400, `four slots of 100 ms must pass before transmitting, took ${ms} ms`);
  } finally {
    await a.close();
    await b.close();
    await sideA.stop();
    await sideB.stop();
  }
});

Deno.test("kiss callsign and mtu options are checked with their key path", () => {
  assertThrows(() => checkKissOptions({ callsign: "TOOLONGX" }), RangeError, "kiss.callsign");
  assertThrows(() => checkKissOptions({ callsign: "N0CALL-16" }), RangeError, "SSID");
  assertThrows(() => checkKissOptions({ callsign: "N0CALL", mtu: 16 }), RangeError, "kiss.mtu");
  assertEquals(checkKissOptions({ callsign: "N0CALL", mtu: 17 }), { callsign: "N0CALL", mtu: 17 });
});

Deno.test("kiss sends the configured TXDELAY, persistence, slot time, TX tail and duplex at open", async () => {
  const options = checkKissOptions({
    port: 1,
    callsign: "N0CALL",
    tnc: { txDelayMs: 300, persistence: 63, slotTimeMs: 100, txTailMs: 24, fullDuplex: false },
  });
  const r = await ax25Pair(options, { callsign: "N1XYZ" });
  try {
    await eventually(() => r.sideA.fake.fromHost.length === 5, "the five parameter frames");
    assertEquals(r.sideA.fake.fromHost, [
      [0x11, new Uint8Array([30])],
      [0x12, new Uint8Array([63])],
      [0x13, new Uint8Array([10])],
      [0x14, new Uint8Array([2])],
      [0x15, new Uint8Array([0])],
    ]);
    assertEquals(r.sideB.fake.fromHost, [], "nothing is sent when no parameters are configured");
  } finally {
    await r.cleanup();
  }
});

Deno.test("kiss tnc parameters are checked and refused together with RNode settings", () => {
  assertThrows(
    () => checkKissOptions({ tnc: { txDelayMs: 3000 } }),
    RangeError,
    "kiss.tnc.txDelayMs",
  );
  assertThrows(() => checkKissOptions({ tnc: { persistence: 256 } }), RangeError, "persistence");
  assertThrows(
    () => checkKissOptions({ tnc: { fullDuplex: 1 } }),
    TypeError,
    "kiss.tnc.fullDuplex",
  );
  assertThrows(() => checkKissOptions({ tnc: { txdelay: 1 } }), TypeError, "not a known option");
  assertThrows(
    () => checkKissOptions({ tnc: { txDelayMs: 100 }, rnode }),
    RangeError,
    "cannot be combined with kiss.rnode",
  );
});

Deno.test("a fake RNode sends frames over 254 bytes as two LoRa packets and loses the frame with either", async () => {
  const r = await twoTncs({ rnode, mtu: 508 }, true);
  try {
    const air = r.sideA.fake.air;
    const big = new Uint8Array(300).map((_, i) => i & 0xff);
    await r.a.send(big);
    assertEquals(await receiveFrame(r.b), big);
    const lengths = air.frames.map((f) => f.length);
    assertEquals(lengths, [255, 47], "254 + 46 bytes, each behind the firmware's header byte");
    await r.a.send(new Uint8Array(254).fill(3));
    assertEquals(await receiveFrame(r.b), new Uint8Array(254).fill(3));
    assertEquals(air.frames.at(-1)!.length, 255, "254 bytes still fit one packet");
    air.dropNext(1); // the second half of the next split frame survives alone
    await r.a.send(big);
    await r.a.send(new Uint8Array([9]));
    assertEquals(await receiveFrame(r.b), new Uint8Array([9]), "the split frame was lost whole");
  } finally {
    await r.cleanup();
  }
});
