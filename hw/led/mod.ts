/**
 * Indicator LEDs: the {@linkcode Led} contract, its sysfs drivers (LED
 * class and GPIO) and a strict mock.
 *
 * @example
 * ```ts
 * import { MockLed } from "./mod.ts";
 * const led = new MockLed();
 * await led.on();
 * console.assert(led.state.mode === "on");
 * ```
 * @module
 */

export * from "./led.ts";
export * from "./mock.ts";
export * from "./sysfs_gpio.ts";
export * from "./sysfs_led.ts";
