/**
 * A radio module's AUX (busy) output, read by ferry to know when the module
 * can take more bytes. Ebyte modules drive AUX low while busy (bytes
 * waiting in the buffer or on the air) and high when idle.
 *
 * Two wirings are supported: a GPIO exported through sysfs (its `value`
 * file reads `0` or `1`), or the CTS input of the serial adapter.
 *
 * @example
 * ```ts ignore
 * import { sysfsGpioAux, waitForAuxIdle } from "./aux_line.ts";
 * const aux = sysfsGpioAux("/sys/class/gpio/gpio17/value");
 * await waitForAuxIdle(aux, { timeoutMs: 5000 });
 * ```
 * @module
 */

import { type Clock, systemClock } from "../clock/clock.ts";

/** Pause between two reads of a busy AUX line, in ms. */
export const auxPollMs = 2;

/** The AUX line as the drivers see it. */
export interface AuxLine {
  /** Where the line is read, for messages. */
  readonly source: string;
  /** True when the module is idle. */
  isIdle(): Promise<boolean>;
}

/**
 * AUX on a GPIO: `valuePath` is the sysfs `value` file of an input pin
 * (`/sys/class/gpio/gpioN/value`). `1` means idle unless `activeLow`.
 */
export function sysfsGpioAux(valuePath: string, options: { activeLow?: boolean } = {}): AuxLine {
  const idleText = options.activeLow ? "0" : "1";
  return {
    source: valuePath,
    async isIdle() {
      let text: string;
      try {
        text = await Deno.readTextFile(valuePath);
      } catch (err) {
        throw new Error(
          `Cannot read the AUX line at ${valuePath} (${(err as Error).message}); export the GPIO ` +
            `as an input (echo N > /sys/class/gpio/export) and check the path`,
        );
      }
      const value = text.trim();
      if (value !== "0" && value !== "1") {
        throw new Error(`AUX line ${valuePath} reads ${JSON.stringify(value)}, expected 0 or 1`);
      }
      return value === idleText;
    },
  };
}

/** Anything with modem status lines (a `SerialPort`). */
export interface HasCts {
  readonly path?: string;
  getModemLines(): { cts: boolean };
}

/**
 * AUX wired to the adapter's CTS input. A TTL adapter's CTS# pin is active
 * low, so an idle module (AUX high) reads as CTS off: `idleWhen` defaults
 * to `"cts-off"`; use `"cts-on"` if a level shifter inverts it.
 */
export function ctsAux(port: HasCts, idleWhen: "cts-off" | "cts-on" = "cts-off"): AuxLine {
  return {
    source: `CTS of ${port.path ?? "the serial port"}`,
    isIdle: () => Promise.resolve(port.getModemLines().cts === (idleWhen === "cts-on")),
  };
}

/**
 * Resolves once `aux` reads idle; rejects with a `Error` naming the line
 * after `timeoutMs`, or with the signal's reason.
 */
export async function waitForAuxIdle(
  aux: AuxLine,
  options: { timeoutMs: number; clock?: Clock; signal?: AbortSignal },
): Promise<void> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + options.timeoutMs;
  while (!(await aux.isIdle())) {
    options.signal?.throwIfAborted();
    if (clock.now() >= deadline) {
      throw new AuxTimeoutError(
        `AUX line (${aux.source}) stayed busy for ${options.timeoutMs} ms: check the AUX wiring ` +
          `and the module's mode pins (M0/M1 low for transparent mode)`,
      );
    }
    await clock.sleep(auxPollMs, options.signal);
  }
}

/** The AUX line did not go idle in time. */
export class AuxTimeoutError extends Error {
  override name = "AuxTimeoutError";
}
