import { startSocatPtyPair } from "../../hw/mock/socat_pty_pair.ts";
import { BAUD_CODES, openSerialPort, SerialPort, SerialPortError } from "../../hw/serial/mod.ts";
import { constants, libc } from "../../hw/serial/_libc.ts";
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { byteLinkContract } from "./byte_link_contract.ts";
import { pattern, readExactly } from "./_helpers.ts";

byteLinkContract("SerialPort on a socat pty pair", async () => {
  const pair = await startSocatPtyPair();
  const a = await openSerialPort(pair.paths[0], { baudRate: 921600 });
  const b = await openSerialPort(pair.paths[1], { baudRate: 921600 });
  return {
    a,
    b,
    hangUp: () => pair.stop(),
    async cleanup() {
      await a.close();
      await b.close();
      await pair.stop();
    },
  };
});

// A real device: FERRY_TEST_SERIAL_PORT=/dev/ttyUSB0 (TX wired to RX), or two
// ports joined by a null-modem cable: FERRY_TEST_SERIAL_PORT=/dev/ttyUSB0,/dev/ttyUSB1.
const device = Deno.env.get("FERRY_TEST_SERIAL_PORT") ?? "";
const devicePaths = device.split(",").filter((p) => p !== "");
const deviceBaud = Number(Deno.env.get("FERRY_TEST_SERIAL_BAUD") ?? "115200");
byteLinkContract(
  `SerialPort on the device ${device || "(FERRY_TEST_SERIAL_PORT unset)"}`,
  async () => {
    const a = await openSerialPort(devicePaths[0] ?? "", { baudRate: deviceBaud });
    const b = devicePaths[1] ? await openSerialPort(devicePaths[1], { baudRate: deviceBaud }) : a;
    return {
      a,
      b,
      async cleanup() {
        await a.close();
        await b.close();
      },
    };
  },
  {
    ignore: devicePaths.length === 0,
    loopback: devicePaths.length === 1,
    noHangUp: true,
    bulkBytes: 16384,
    pendingWriteBytes: 8192,
  },
);

Deno.test("openSerialPort names a missing device and says what to check", async () => {
  const err = await assertRejects(
    () => openSerialPort("/dev/ferry-no-such-tty", { baudRate: 9600 }),
    SerialPortError,
    "no such device",
  );
  assertEquals(err.code, "ENOENT");
  assertEquals(err.path, "/dev/ferry-no-such-tty");
});

Deno.test("openSerialPort refuses a file that is not a terminal", async () => {
  await assertRejects(
    () => openSerialPort("/dev/null", { baudRate: 9600 }),
    TypeError,
    "/dev/null is not a terminal device",
  );
});

Deno.test("openSerialPort refuses an unsupported baud rate before touching the device", async () => {
  await assertRejects(
    () => openSerialPort("/dev/ferry-no-such-tty", { baudRate: 12345 }),
    RangeError,
    "Unsupported baud rate 12345",
  );
});

Deno.test("openSerialPort honours an already aborted signal", async () => {
  const reason = new Error("not now");
  const caught = await openSerialPort("/dev/null", {
    baudRate: 9600,
    signal: AbortSignal.abort(reason),
  })
    .then(() => null, (e) => e);
  assertEquals(caught, reason);
});

Deno.test("every supported baud rate and RTS/CTS are applied and checked in the kernel", async () => {
  const pair = await startSocatPtyPair();
  try {
    for (const baudRate of BAUD_CODES.keys()) {
      for (const rtscts of [false, true]) {
        const port = await openSerialPort(pair.paths[0], { baudRate, rtscts });
        assertEquals(port.baudRate, baudRate);
        await port.close();
      }
    }
  } finally {
    await pair.stop();
  }
});

Deno.test("a pty has no modem lines and says so; drain resolves once output left", async () => {
  const pair = await startSocatPtyPair();
  const a = await openSerialPort(pair.paths[0], { baudRate: 115200 });
  const b = await openSerialPort(pair.paths[1], { baudRate: 115200 });
  try {
    assert(a instanceof SerialPort);
    await assertRejects(() => Promise.resolve().then(() => a.getModemLines()), TypeError, "modem");
    await assertRejects(
      () => Promise.resolve().then(() => a.setModemLines({ rts: true })),
      TypeError,
      "no modem control lines",
    );
    const data = pattern(3000, 5);
    await a.write(data);
    const reading = readExactly(b, data.length);
    await a.drain();
    assertEquals(await reading, data);
  } finally {
    await a.close();
    await b.close();
    await pair.stop();
  }
});

Deno.test("ferry holds an open port exclusively (TIOCEXCL) and releases it on close", async () => {
  const pair = await startSocatPtyPair();
  const exclusive = () => {
    // A second descriptor on the same tty reads the tty-wide flag (TIOCGEXCL).
    const c = constants();
    const fd = libc().open(new TextEncoder().encode(pair.paths[0] + "\0"), c.O_RDWR | c.O_NOCTTY);
    if (fd < 0) return "busy";
    const flag = new Int32Array(1);
    const rc = libc().ioctl(fd, 0x80045440n, new Uint8Array(flag.buffer));
    libc().close(fd);
    if (rc !== 0) throw new Error("TIOCGEXCL failed");
    return flag[0] === 1 ? "exclusive" : "shared";
  };
  try {
    assertEquals(exclusive(), "shared");
    const a = await openSerialPort(pair.paths[0], { baudRate: 57600 });
    // Root may open an exclusive tty anyway and then sees the flag; others get EBUSY.
    assertEquals(exclusive(), Deno.uid() === 0 ? "exclusive" : "busy");
    await a.close();
    assertEquals(exclusive(), "shared");
    const b = await openSerialPort(pair.paths[0], { baudRate: 57600, exclusive: false });
    assertEquals(exclusive(), "shared");
    await b.close();
  } finally {
    await pair.stop();
  }
});
