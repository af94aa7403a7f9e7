/**
 * An LED driven through the kernel's LED class, `/sys/class/leds/NAME/`
 * (a board LED such as `ACT`, or one declared with
 * `dtoverlay=gpio-led,gpio=17,label=ferry` on a Raspberry Pi). On and off
 * write `brightness` with the `none` trigger; blinking hands the timing to
 * the kernel's `timer` trigger (`delay_on`, `delay_off`), so no timer runs
 * in ferry.
 *
 * @example
 * ```ts ignore
 * import { SysfsLed } from "./sysfs_led.ts";
 * const led = await SysfsLed.open({ name: "ferry" });
 * await led.blink(500);
 * ```
 * @module
 */

import { checkBlinkPeriod, type Led, LedClosedError, writeAttribute } from "./led.ts";

/** Options for {@linkcode SysfsLed.open}. */
export interface SysfsLedOptions {
  /** Folder name under the LED class (`ferry`, `ACT`, `led0`). */
  name: string;
  /** The LED class folder. Default `/sys/class/leds` (tests point it at a fake tree). */
  root?: string;
}

/** An LED of the kernel's LED class. */
export class SysfsLed implements Led {
  /** The LED's sysfs folder. */
  readonly path: string;
  readonly #max: number;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, max: number) {
    this.path = path;
    this.#max = max;
  }

  /** Opens the LED: its folder must exist and say its `max_brightness`. */
  static async open(options: SysfsLedOptions): Promise<SysfsLed> {
    if (!/^[A-Za-z0-9_.:+-]{1,64}$/.test(options.name) || options.name.startsWith(".")) {
      throw new TypeError(`LED name ${JSON.stringify(options.name)} is not a sysfs LED name`);
    }
    const path = `${options.root ?? "/sys/class/leds"}/${options.name}`;
    let text: string;
    try {
      text = await Deno.readTextFile(`${path}/max_brightness`);
    } catch (err) {
      throw new Error(
        `Cannot open LED ${path}: ${(err as Error).message} ` +
          `(list the LEDs with "ls /sys/class/leds", or declare one with the gpio-led overlay)`,
      );
    }
    const max = Number(text.trim());
    if (!Number.isInteger(max) || max < 1) {
      throw new Error(
        `LED ${path} has max_brightness ${JSON.stringify(text.trim())}, not a positive integer`,
      );
    }
    return new SysfsLed(path, max);
  }

  on(): Promise<void> {
    return this.#run(async () => {
      await writeAttribute(`${this.path}/trigger`, "none");
      await writeAttribute(`${this.path}/brightness`, String(this.#max));
    });
  }

  off(): Promise<void> {
    return this.#run(() => this.#off());
  }

  blink(periodMs: number): Promise<void> {
    return this.#run(async () => {
      checkBlinkPeriod(periodMs);
      const half = String(Math.round(periodMs / 2));
      await writeAttribute(`${this.path}/trigger`, "timer");
      await writeAttribute(`${this.path}/delay_on`, half);
      await writeAttribute(`${this.path}/delay_off`, half);
    });
  }

  close(): Promise<void> {
    if (this.#closed) return this.#chain.catch(() => {});
    const done = this.#run(() => this.#off());
    this.#closed = true;
    return done;
  }

  async #off(): Promise<void> {
    await writeAttribute(`${this.path}/trigger`, "none");
    await writeAttribute(`${this.path}/brightness`, "0");
  }

  #run(step: () => Promise<void>): Promise<void> {
    if (this.#closed) return Promise.reject(new LedClosedError(`LED ${this.path}`));
    const next = this.#chain.catch(() => {}).then(step);
    this.#chain = next;
    return next;
  }
}
