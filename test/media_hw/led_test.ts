import { assert, assertEquals, assertRejects } from "../assert.ts";
import { LedClosedError } from "../../hw/led/led.ts";
import { MockLed } from "../../hw/led/mock.ts";
import { SysfsGpioLed } from "../../hw/led/sysfs_gpio.ts";
import { SysfsLed } from "../../hw/led/sysfs_led.ts";
import { ManualClock } from "./_fake.ts";

/** Makes `dir/name` files with the given contents (a fake sysfs tree). */
async function tree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    const path = `${dir}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
}

async function withTree(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-sysfs-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const read = (path: string) => Deno.readTextFile(path);

Deno.test("the LED class driver writes trigger, brightness and timer delays to sysfs", () =>
  withTree(async (root) => {
    await tree(root, {
      "ferry/max_brightness": "255\n",
      "ferry/brightness": "0\n",
      "ferry/trigger": "[none] timer heartbeat\n",
      "ferry/delay_on": "0",
      "ferry/delay_off": "0",
    });
    const led = await SysfsLed.open({ name: "ferry", root });
    await led.on();
    assertEquals([await read(`${root}/ferry/trigger`), await read(`${root}/ferry/brightness`)], [
      "none",
      "255",
    ]);
    await led.blink(1000);
    assertEquals(await read(`${root}/ferry/trigger`), "timer");
    assertEquals(await read(`${root}/ferry/delay_on`), "500");
    assertEquals(await read(`${root}/ferry/delay_off`), "500");
    await led.off();
    assertEquals([await read(`${root}/ferry/trigger`), await read(`${root}/ferry/brightness`)], [
      "none",
      "0",
    ]);
    await led.on();
    await led.close();
    assertEquals(await read(`${root}/ferry/brightness`), "0", "close turns it off");
    await assertRejects(() => led.on(), LedClosedError);
  }));

Deno.test("the LED class driver refuses a missing LED and never creates sysfs files", () =>
  withTree(async (root) => {
    await assertRejects(() => SysfsLed.open({ name: "nope", root }), Error, "ls /sys/class/leds");
    await assertRejects(() => SysfsLed.open({ name: "../x", root }), TypeError);
    await tree(root, {
      "bare/max_brightness": "1",
      "bare/trigger": "none",
      "bare/brightness": "0",
    });
    const led = await SysfsLed.open({ name: "bare", root });
    await assertRejects(() => led.blink(400), Error, "delay_on");
    let created = true;
    await Deno.stat(`${root}/bare/delay_on`).catch(() => (created = false));
    assertEquals(created, false);
    await assertRejects(() => led.blink(10), RangeError, "50 to 10000");
  }));

Deno.test("the GPIO driver uses an exported line as is and drives value high and low", () =>
  withTree(async (root) => {
    await tree(root, { "export": "", "gpio17/direction": "in", "gpio17/value": "0" });
    const led = await SysfsGpioLed.open({ pin: 17, root });
    assertEquals(await read(`${root}/export`), "", "an exported line is not exported again");
    assertEquals(await read(`${root}/gpio17/direction`), "low");
    await led.on();
    assertEquals(await read(`${root}/gpio17/value`), "1");
    await led.off();
    assertEquals(await read(`${root}/gpio17/value`), "0");
    await led.close();
  }));

Deno.test("the GPIO driver inverts an active-low LED", () =>
  withTree(async (root) => {
    await tree(root, { "export": "", "gpio5/direction": "in", "gpio5/value": "0" });
    const led = await SysfsGpioLed.open({ pin: 5, root, activeLow: true });
    assertEquals(await read(`${root}/gpio5/direction`), "high", "starts dark");
    await led.on();
    assertEquals(await read(`${root}/gpio5/value`), "0");
    await led.close();
    assertEquals(await read(`${root}/gpio5/value`), "1");
  }));

Deno.test("the GPIO driver exports a missing line and waits for the kernel to create it", () =>
  withTree(async (root) => {
    await tree(root, { "export": "" });
    let kernel = 0;
    const fakeKernel = setInterval(async () => {
      if (kernel++ > 200 || (await read(`${root}/export`)) !== "18") return;
      clearInterval(fakeKernel);
      await tree(root, { "gpio18/direction": "in", "gpio18/value": "0" });
    }, 5);
    try {
      const led = await SysfsGpioLed.open({ pin: 18, root });
      assertEquals(await read(`${root}/gpio18/direction`), "low");
      await led.close();
    } finally {
      clearInterval(fakeKernel);
    }
    await tree(root, { "export": "" });
    const err = await assertRejects(
      () => SysfsGpioLed.open({ pin: 19, root, exportWaitMs: 30 }),
      Error,
      "did not appear",
    );
    assert(err.message.includes("gpio19"), err.message);
  }));

Deno.test("GPIO blinking toggles the line on the injected clock and stops on the next call", () =>
  withTree(async (root) => {
    await tree(root, { "export": "", "gpio4/direction": "in", "gpio4/value": "0" });
    const clock = new ManualClock();
    const led = await SysfsGpioLed.open({ pin: 4, root, clock });
    await led.blink(200);
    const values: string[] = [await read(`${root}/gpio4/value`)];
    for (let i = 0; i < 4; i++) {
      clock.advance(100);
      await new Promise((r) => setTimeout(r, 5));
      values.push(await read(`${root}/gpio4/value`));
    }
    assertEquals(values, ["1", "0", "1", "0", "1"]);
    await led.off();
    assertEquals(clock.pending, 0, "the blink timer is released");
    clock.advance(1000);
    assertEquals(await read(`${root}/gpio4/value`), "0");
    await led.close();
  }));

Deno.test("the mock LED records on, blink and off, and is strict about periods and close", async () => {
  const led = new MockLed();
  assertEquals(led.state, { mode: "off" });
  await led.on();
  await led.blink(500);
  await led.off();
  assertEquals(led.states, [{ mode: "on" }, { mode: "blink", periodMs: 500 }, { mode: "off" }]);
  await assertRejects(() => led.blink(20), RangeError);
  await assertRejects(() => led.blink(100.5), RangeError);
  led.failNext(new Error("write error"));
  await assertRejects(() => led.on(), Error, "write error");
  assertEquals(led.states.length, 3, "a failed call changes nothing");
  await led.close();
  await led.close();
  assertEquals(led.closed, true);
  await assertRejects(() => led.on(), LedClosedError, "closed");
});
