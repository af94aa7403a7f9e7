import { FakeAir } from "../../hw/mock/fake_modems/air.ts";
import { FakeKissTnc } from "../../hw/mock/fake_modems/fake_kiss_tnc.ts";
import { FakeRak3172 } from "../../hw/mock/fake_modems/fake_rak3172.ts";
import { FakeRn2483 } from "../../hw/mock/fake_modems/fake_rn2483.ts";
import { startSocatPtyPair } from "../../hw/mock/socat_pty_pair.ts";
import {
  checkModemOptions,
  loraAirtimeMs,
  MODEM_TRAITS,
  ModemProtocolError,
  openModem,
  openSerialModem,
} from "../../hw/modem/mod.ts";
import { openSerialPort } from "../../hw/serial/mod.ts";
import type { ByteLink } from "../../hw/link/link.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { fakeOnPty } from "./_pty_fakes.ts";

Deno.test("openModem hands back the port itself for a cable, tagged as bytes", async () => {
  const side = await fakeOnPty(115200, () => ({ close: () => Promise.resolve() }));
  try {
    const modem = await openModem("cable", side.port);
    assertEquals(modem.framing, "bytes");
    assert(modem.link === side.port);
    assertEquals(modem.sendResolves, "handed-to-device");
  } finally {
    await side.stop();
  }
});

Deno.test("openModem picks each frame driver and reports its MTU and send semantics", async () => {
  const air = new FakeAir();
  type Fake = (p: ByteLink) => { close(): Promise<void> };
  const cases: ["rn2483" | "rak3172" | "kiss", number, Fake, number, string][] = [
    ["rn2483", 57600, (p) => new FakeRn2483(p, { air }), 255, "end-of-transmission"],
    [
      "rak3172",
      115200,
      (p) => new FakeRak3172(p, { air, workMode: 0 }),
      255,
      "end-of-transmission",
    ],
    ["kiss", 115200, (p) => new FakeKissTnc(p, { air }), 254, "handed-to-device"],
  ];
  for (const [kind, baud, fake, mtu, resolves] of cases) {
    const side = await fakeOnPty(baud, fake);
    try {
      const modem = await openModem(kind, side.port);
      assert(modem.framing === "frames", `${kind} is a frame link`);
      assertEquals([modem.mtu, modem.link.mtu, modem.sendResolves], [mtu, mtu, resolves]);
      assertEquals(MODEM_TRAITS[kind].mtu, mtu);
      await modem.link.close();
    } finally {
      await side.stop();
    }
  }
});

Deno.test("openModem closes the port when the module does not answer", async () => {
  const side = await fakeOnPty(57600, () => ({ close: () => Promise.resolve() }));
  try {
    await assertRejects(
      () => openModem("rn2483", side.port, { commandTimeoutMs: 100 }),
      ModemProtocolError,
    );
    assertEquals(side.port.isOpen, false);
  } finally {
    await side.stop();
  }
});

Deno.test("openSerialModem opens the device at the module's usual speed and the driver on it", async () => {
  const pair = await startSocatPtyPair();
  const fakePort = await openSerialPort(pair.paths[1], { baudRate: 57600 });
  const fake = new FakeRn2483(fakePort, { air: new FakeAir() });
  try {
    const modem = await openSerialModem({
      path: pair.paths[0],
      kind: "rn2483",
      options: { radio: { sf: 8 } },
    });
    assertEquals(fake.settings.get("sf"), "sf8");
    await modem.link.close();
  } finally {
    await fake.close();
    await pair.stop();
  }
});

Deno.test("checkModemOptions names an unknown kind and a bad key under the given path", () => {
  assertThrows(
    () => checkModemOptions("lora", {}, "ferry.links[0]"),
    RangeError,
    "ferry.links[0].kind must be one of",
  );
  assertThrows(
    () => checkModemOptions("cable", { baud: 1 }),
    TypeError,
    "modem.cable.baud is not a known option",
  );
  assertThrows(
    () => checkModemOptions("rn2483", { radio: { sf: 6 } }),
    RangeError,
    "modem.rn2483.radio.sf",
  );
  assertEquals(checkModemOptions("kiss", { mtu: 200 }), { kind: "kiss", options: { mtu: 200 } });
});

Deno.test("LoRa airtime of a 255-byte frame matches the RADIO.md table for SF7 to SF12", () => {
  const table: [number, number][] = [[7, 0.400], [8, 0.707], [9, 1.250], [10, 2.296], [11, 5.001], [
    12,
    9.019,
  ]];
  for (const [sf, seconds] of table) {
    const ms = loraAirtimeMs(255, { sf, bwHz: 125_000, cr: 1 });
    assert(Math.abs(ms / 1000 - seconds) < 0.002, `SF${sf}: ${ms} ms, table ${seconds} s`);
  }
});
