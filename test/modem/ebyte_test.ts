import { FakeAir } from "../../hw/mock/fake_modems/air.ts";
import {
  FAKE_EBYTE_RSSI,
  FakeEbyte,
  type FakeEbyteOptions,
} from "../../hw/mock/fake_modems/fake_ebyte.ts";
import { ctsAux, sysfsGpioAux } from "../../hw/gpio/aux_line.ts";
import { type Ebyte, openEbyte } from "../../hw/modem/ebyte.ts";
import { checkEbyteOptions, type EbyteOptions } from "../../hw/modem/ebyte_options.ts";
import { ModemTimeoutError } from "../../hw/modem/errors.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { byteLinkContract } from "../serial/byte_link_contract.ts";
import { pattern, readExactly } from "../serial/_helpers.ts";
import { eventually, fakeOnPty } from "./_pty_fakes.ts";

type FakeOptions = Omit<FakeEbyteOptions, "air" | "auxPath">;

/** Two Ebyte drivers on two fake modules sharing one air; AUX through files. */
async function twoModules(options: EbyteOptions = {}, fake: FakeOptions = {}, withAux = true) {
  const dir = await Deno.makeTempDir({ prefix: "ferry-ebyte-" });
  const air = new FakeAir();
  const auxA = `${dir}/aux-a`;
  const auxB = `${dir}/aux-b`;
  // 115200 baud: the fastest UART speed of the modules, so UART time stays small.
  const sideA = await fakeOnPty(
    115200,
    (p) => new FakeEbyte(p, { ...fake, air, ...(withAux ? { auxPath: auxA } : {}) }),
  );
  const sideB = await fakeOnPty(
    115200,
    (p) => new FakeEbyte(p, { ...fake, air, ...(withAux ? { auxPath: auxB } : {}) }),
  );
  const open = (port: typeof sideA.port, aux: string) =>
    openEbyte(port, withAux ? { ...options, aux: { gpioValuePath: aux } } : options);
  const a: Ebyte = await open(sideA.port, auxA);
  const b: Ebyte = await open(sideB.port, auxB);
  return {
    a,
    b,
    sideA,
    sideB,
    dir,
    async cleanup() {
      await a.close();
      await b.close();
      await sideA.stop();
      await sideB.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

byteLinkContract("Ebyte driver with AUX and fake E22 modules over ptys", async () => {
  const r = await twoModules({}, { airDataRateBps: 1_000_000 });
  // Unplugging both modules: each end's stream ends (a radio peer cannot end the other's).
  const hangUp = async () => {
    await r.sideA.unplug();
    await r.sideB.unplug();
  };
  return { a: r.a, b: r.b, hangUp, cleanup: () => r.cleanup() };
}, { halfDuplex: true, bulkBytes: 6000, pendingWriteBytes: 2000 });

Deno.test("ebyte cuts writes into air packets and never overflows the module (AUX on a GPIO file)", async () => {
  const r = await twoModules({ model: "e22", packetBytes: 128 }, {
    packetBytes: 128,
    bufferBytes: 200,
    airDataRateBps: 500_000,
  });
  try {
    const data = pattern(3000, 21);
    const writing = r.a.write(data);
    assertEquals(await readExactly(r.b, data.length), data);
    await writing;
    assertEquals(r.sideA.fake.overflowBytes, 0);
    assert(r.sideA.fake.packetSizes.every((n) => n <= 128), `packets ${r.sideA.fake.packetSizes}`);
    assertEquals(r.a.packetsWritten, Math.ceil(3000 / 128));
  } finally {
    await r.cleanup();
  }
});

Deno.test("ebyte without AUX paces packets by the air data rate; unpaced writes overflow", async () => {
  const fake = {
    packetBytes: 58,
    bufferBytes: 120,
    airDataRateBps: 200_000,
    model: "e32",
  } as const;
  const r = await twoModules(
    { model: "e32", airDataRateBps: 200_000, packetGapMs: 2 },
    fake,
    false,
  );
  try {
    const data = pattern(1500, 22);
    await r.a.write(data);
    assertEquals(await readExactly(r.b, data.length), data);
    assertEquals(r.sideA.fake.overflowBytes, 0);
    // The same bytes written straight to the port overrun the 120-byte buffer.
    await r.sideB.port.write(data);
    await eventually(() => r.sideB.fake.overflowBytes > 0, "the unpaced write to overflow");
  } finally {
    await r.cleanup();
  }
});

Deno.test("ebyte rejects a write with ModemTimeoutError when AUX stays busy", async () => {
  const r = await twoModules({ auxTimeoutMs: 50 }, { airDataRateBps: 1_000_000 });
  try {
    await Deno.writeTextFile(`${r.dir}/aux-a`, "0\n");
    await assertRejects(
      () => r.a.write(new Uint8Array([1])),
      ModemTimeoutError,
      "stayed busy for 50 ms",
    );
  } finally {
    await r.cleanup();
  }
});

Deno.test("ebyte strips the RSSI byte the module appends to each received packet", async () => {
  const r = await twoModules({ rssiByte: true, packetBytes: 64 }, {
    rssiByte: true,
    packetBytes: 64,
    airDataRateBps: 20_000,
  });
  try {
    const data = pattern(500, 23);
    await r.b.write(data);
    assertEquals(await readExactly(r.a, data.length), data);
    assertEquals(r.a.lastRssi, FAKE_EBYTE_RSSI);
  } finally {
    await r.cleanup();
  }
});

Deno.test("AUX lines read a GPIO value file and the CTS input, with clear errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-aux-" });
  try {
    const path = `${dir}/value`;
    await Deno.writeTextFile(path, "1\n");
    assertEquals(await sysfsGpioAux(path).isIdle(), true);
    assertEquals(await sysfsGpioAux(path, { activeLow: true }).isIdle(), false);
    await Deno.writeTextFile(path, "x\n");
    await assertRejects(() => sysfsGpioAux(path).isIdle(), Error, 'reads "x"');
    await assertRejects(() => sysfsGpioAux(`${dir}/none`).isIdle(), Error, "export the GPIO");
    let cts = false;
    const port = { path: "/dev/ttyX", getModemLines: () => ({ cts }) };
    assertEquals(await ctsAux(port).isIdle(), true);
    cts = true;
    assertEquals(await ctsAux(port).isIdle(), false);
    assertEquals(await ctsAux(port, "cts-on").isIdle(), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ebyte options from the configuration are checked with their key path", () => {
  assertThrows(
    () => checkEbyteOptions({ model: "e22", packetBytes: 100 }),
    RangeError,
    "ebyte.packetBytes",
  );
  assertThrows(
    () => checkEbyteOptions({ model: "e32" }),
    TypeError,
    "ebyte.airDataRateBps is required",
  );
  assertThrows(() => checkEbyteOptions({ aux: { cts: "sometimes" } }), RangeError, "ebyte.aux.cts");
  assertThrows(() => checkEbyteOptions({ aux: {} }), TypeError, "gpioValuePath or cts");
  assertEquals(
    checkEbyteOptions({ model: "e220", packetBytes: 200, aux: { gpioValuePath: "/sys/x" } }),
    {
      model: "e220",
      packetBytes: 200,
      aux: { gpioValuePath: "/sys/x" },
    },
  );
});

Deno.test("fake Ebyte in configuration mode (M1 high) answers register commands and sends nothing on air", async () => {
  const r = await twoModules({}, { airDataRateBps: 1_000_000 });
  try {
    r.sideA.fake.setPins(0, 1);
    assertEquals(r.sideA.fake.mode, "configuration");
    const frames = async (bytes: number[], n: number) => {
      await r.sideA.port.write(new Uint8Array(bytes));
      return await readExactly(r.sideA.port, n);
    };
    assertEquals(
      await frames([0xc0, 0x00, 0x02, 0x12, 0x34], 5),
      new Uint8Array([0xc1, 0, 2, 0x12, 0x34]),
    );
    assertEquals(await frames([0xc1, 0x00, 0x03], 6), new Uint8Array([0xc1, 0, 3, 0x12, 0x34, 0]));
    assertEquals(await frames([0x41, 0x54, 0x0d], 3), new Uint8Array([0xff, 0xff, 0xff]));
    assertEquals(r.sideA.fake.packetSizes, [], "configuration bytes never go on the air");
    // Back in normal mode (M0 = M1 = 0) data flows again.
    r.sideA.fake.setPins(0, 0);
    await r.a.write(pattern(100, 5));
    assertEquals(await readExactly(r.b, 100), pattern(100, 5));
  } finally {
    await r.cleanup();
  }
});

Deno.test("fake Ebyte in deep sleep (M0 = M1 = 1) misses air packets", async () => {
  const r = await twoModules({}, { airDataRateBps: 1_000_000 });
  try {
    r.sideB.fake.setPins(1, 1); // E22: deep sleep
    await r.a.write(pattern(10, 6));
    await eventually(() => r.sideB.fake.missedPackets === 1, "b to miss the packet");
    r.sideB.fake.setPins(0, 0);
    await r.a.write(pattern(10, 7));
    assertEquals(await readExactly(r.b, 10), pattern(10, 7));
  } finally {
    await r.cleanup();
  }
});

Deno.test("fake Ebyte drives AUX low while received data goes out, and the driver still writes after it", async () => {
  const r = await twoModules({}, { airDataRateBps: 1_000_000 });
  try {
    await r.a.write(pattern(200, 8));
    assertEquals(await readExactly(r.b, 200), pattern(200, 8));
    const h = r.sideB.fake.auxHistory;
    const low = h.findIndex((e) => !e.idle && e.why === "rx-output");
    assert(low >= 0, `AUX went low for the output: ${JSON.stringify(h)}`);
    assert(h.slice(low).some((e) => e.idle), "and high again after it");
    await r.b.write(pattern(50, 9));
    assertEquals(await readExactly(r.a, 50), pattern(50, 9));
  } finally {
    await r.cleanup();
  }
});
