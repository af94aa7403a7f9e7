/**
 * The LED contract: one indicator a person can see, used to say "busy"
 * (blinking) and "safe to remove" (steady). Drivers: {@linkcode SysfsLed}
 * (`/sys/class/leds/NAME`), {@linkcode SysfsGpioLed}
 * (`/sys/class/gpio/gpioN`); tests use {@linkcode MockLed}.
 *
 * @example
 * ```ts
 * import { MockLed } from "./mock.ts";
 * const led = new MockLed();
 * await led.blink(500);
 * await led.on();
 * console.assert(led.states.at(-1)?.mode === "on");
 * ```
 * @module
 */

/** What an LED is doing. */
export type LedState =
  | { mode: "off" }
  | { mode: "on" }
  | { mode: "blink"; periodMs: number };

/**
 * One LED. Calls take effect in the order they are made; each resolves once
 * the hardware has been told. After {@linkcode Led.close} every call rejects.
 */
export interface Led {
  /** Steady on; stops blinking. */
  on(): Promise<void>;
  /** Off; stops blinking. */
  off(): Promise<void>;
  /**
   * Blinks with the given period (half on, half off), until the next call.
   * `periodMs` must be an integer in [{@linkcode blinkPeriodMsMin}, {@linkcode blinkPeriodMsMax}].
   */
  blink(periodMs: number): Promise<void>;
  /** Turns the LED off and releases timers. Calling it twice is harmless. */
  close(): Promise<void>;
}

/** Shortest blink period, in milliseconds (faster looks like steady on, and costs wake-ups). */
export const blinkPeriodMsMin = 50;
/** Longest blink period, in milliseconds. */
export const blinkPeriodMsMax = 10_000;

/** Throws a `RangeError` unless `periodMs` is a valid blink period. */
export function checkBlinkPeriod(periodMs: number): void {
  if (!Number.isInteger(periodMs) || periodMs < blinkPeriodMsMin || periodMs > blinkPeriodMsMax) {
    throw new RangeError(
      `LED blink period ${periodMs} ms is out of range: give an integer from ` +
        `${blinkPeriodMsMin} to ${blinkPeriodMsMax}`,
    );
  }
}

/** The error every call on a closed LED rejects with. */
export class LedClosedError extends Error {
  constructor(what: string) {
    super(`${what} is closed: open a new one`);
    this.name = "LedClosedError";
  }
}

/** Writes `value` to an existing sysfs attribute file (never creates one). */
export async function writeAttribute(path: string, value: string): Promise<void> {
  try {
    await Deno.writeTextFile(path, value, { create: false });
  } catch (err) {
    const hint = err instanceof Deno.errors.NotFound
      ? "the attribute does not exist: check the LED name or GPIO number"
      : err instanceof Deno.errors.PermissionDenied
      ? "run as root or add a udev rule giving the ferry user write access"
      : "the kernel refused the value";
    throw new Error(
      `Cannot write ${JSON.stringify(value)} to ${path}: ${(err as Error).message} (${hint})`,
    );
  }
}
