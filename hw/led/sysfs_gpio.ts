/**
 * An LED on a GPIO line, through the legacy sysfs GPIO interface
 * (`/sys/class/gpio/export`, then `gpioN/direction` and `gpioN/value`).
 * Blinking is done here, one timer on the injected clock, since the GPIO
 * interface has no trigger. Prefer {@linkcode SysfsLed} when the board can
 * declare the LED (`dtoverlay=gpio-led`): the kernel then blinks it.
 *
 * `pin` is the kernel's global GPIO number. On Raspberry Pi kernels from 6.6
 * the header pins start at the chip's base (often 512): GPIO17 is then 529;
 * the `base` file in each `/sys/class/gpio/gpiochipN` folder says.
 *
 * @example
 * ```ts ignore
 * import { SysfsGpioLed } from "./sysfs_gpio.ts";
 * const led = await SysfsGpioLed.open({ pin: 529 });
 * await led.blink(400);
 * await led.close();
 * ```
 * @module
 */

import { type Clock, systemClock } from "../clock/clock.ts";
import { checkBlinkPeriod, type Led, LedClosedError, writeAttribute } from "./led.ts";

/** How long to wait for `gpioN/` to appear after export, in milliseconds. */
export const gpioExportWaitMs = 2000;
/** Pause between checks for `gpioN/` after export, in milliseconds. */
const exportPollMs = 10;
/** Largest GPIO number accepted. */
const gpioPinMax = 65535;

/** Options for {@linkcode SysfsGpioLed.open}. */
export interface SysfsGpioLedOptions {
  /** Global GPIO number. */
  pin: number;
  /** The GPIO class folder. Default `/sys/class/gpio` (tests point it at a fake tree). */
  root?: string;
  /** The LED lights when the line is low. Default false. */
  activeLow?: boolean;
  /** Times blinking and the export wait. Default: the system clock. */
  clock?: Clock;
  /** Default {@linkcode gpioExportWaitMs}. */
  exportWaitMs?: number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** An LED on a sysfs GPIO output line. */
export class SysfsGpioLed implements Led {
  /** The line's sysfs folder (`.../gpioN`). */
  readonly path: string;
  readonly #clock: Clock;
  readonly #high: string;
  readonly #low: string;
  #chain: Promise<void> = Promise.resolve();
  #blinking: { stop: AbortController; done: Promise<void> } | undefined;
  #failure: Error | undefined;
  #closed = false;

  private constructor(path: string, clock: Clock, activeLow: boolean) {
    this.path = path;
    this.#clock = clock;
    this.#high = activeLow ? "0" : "1";
    this.#low = activeLow ? "1" : "0";
  }

  /** Exports the line if needed, waits for it, and makes it an output with the LED off. */
  static async open(options: SysfsGpioLedOptions): Promise<SysfsGpioLed> {
    const { pin } = options;
    if (!Number.isInteger(pin) || pin < 0 || pin > gpioPinMax) {
      throw new RangeError(`GPIO number ${pin} is out of range 0..${gpioPinMax}`);
    }
    const root = options.root ?? "/sys/class/gpio";
    const clock = options.clock ?? systemClock;
    const path = `${root}/gpio${pin}`;
    if (!(await exists(`${path}/value`))) {
      await writeAttribute(`${root}/export`, String(pin));
      const waitMs = options.exportWaitMs ?? gpioExportWaitMs;
      const until = clock.now() + waitMs;
      while (!(await exists(`${path}/direction`))) {
        if (clock.now() >= until) {
          throw new Error(
            `GPIO ${pin} did not appear at ${path} within ${waitMs} ms of export: ` +
              `check the number (see gpiochip*/base) and that no driver owns the line`,
          );
        }
        await clock.sleep(exportPollMs);
      }
    }
    const activeLow = options.activeLow ?? false;
    // "low"/"high" set the direction and the level at once: no glitch.
    await writeAttribute(`${path}/direction`, activeLow ? "high" : "low");
    return new SysfsGpioLed(path, clock, activeLow);
  }

  on(): Promise<void> {
    return this.#run(() => this.#write(true));
  }

  off(): Promise<void> {
    return this.#run(() => this.#write(false));
  }

  blink(periodMs: number): Promise<void> {
    return this.#run(async () => {
      checkBlinkPeriod(periodMs);
      await this.#write(true);
      const stop = new AbortController();
      const done = this.#blinkLoop(Math.round(periodMs / 2), stop.signal);
      this.#blinking = { stop, done };
    });
  }

  close(): Promise<void> {
    if (this.#closed) return this.#chain.catch(() => {});
    const done = this.#run(() => this.#write(false));
    this.#closed = true;
    return done;
  }

  async #blinkLoop(halfMs: number, signal: AbortSignal): Promise<void> {
    let lit = true;
    while (!signal.aborted) {
      try {
        await this.#clock.sleep(halfMs, signal);
      } catch {
        return; // stopped
      }
      lit = !lit;
      try {
        await writeAttribute(`${this.path}/value`, lit ? this.#high : this.#low);
      } catch (err) {
        this.#failure = err as Error; // reported by the next call
        return;
      }
    }
  }

  async #write(lit: boolean): Promise<void> {
    await writeAttribute(`${this.path}/value`, lit ? this.#high : this.#low);
  }

  #run(step: () => Promise<void>): Promise<void> {
    if (this.#closed) return Promise.reject(new LedClosedError(`GPIO LED ${this.path}`));
    const next = this.#chain.catch(() => {}).then(async () => {
      const blinking = this.#blinking;
      this.#blinking = undefined;
      if (blinking) {
        blinking.stop.abort();
        await blinking.done;
      }
      const failure = this.#failure;
      this.#failure = undefined;
      if (failure) throw new Error(`Blinking ${this.path} failed: ${failure.message}`);
      await step();
    });
    this.#chain = next;
    return next;
  }
}
