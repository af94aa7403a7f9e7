import { FakeAir } from "../../hw/mock/fake_modems/air.ts";
import { FakeKissTnc } from "../../hw/mock/fake_modems/fake_kiss_tnc.ts";
import { LinkClosedError } from "../../hw/link/link.ts";
import { ModemProtocolError, ModemRejectedError } from "../../hw/modem/errors.ts";
import { type Kiss, openKiss } from "../../hw/modem/kiss.ts";
import { encodeKiss, KissDecoder } from "../../hw/modem/kiss_codec.ts";
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
    a = await openKiss(sideA.port, options);
    b = await openKiss(sideB.port, options);
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
    assertEquals(r.sideA.fake.fromHost[0], [0x20, new Uint8Array([5])]);
    await r.sideA.fake.sendFrame(0x00, new Uint8Array([6]));
    await r.sideA.fake.sendFrame(0x20, new Uint8Array([7]));
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

Deno.test("kiss without a callsign keeps raw frames (RNode)", async () => {
  const r = await ax25Pair({}, {});
  try {
    assertEquals(r.a.mtu, 254);
    await r.a.send(new Uint8Array([1, 2]));
    await eventually(() => r.sideA.fake.fromHost.length === 1, "the TNC to get the frame");
    assertEquals(r.sideA.fake.fromHost[0], [0x00, new Uint8Array([1, 2])]);
  } finally {
    await r.cleanup();
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
