/**
 * Runs fake modems on the far side of real socat pty pairs, so each driver
 * under test talks to a real serial device.
 * @module
 */

import type { ByteLink } from "../../hw/link/link.ts";
import { type SocatPtyPair, startSocatPtyPair } from "../../hw/mock/socat_pty_pair.ts";
import { openSerialPort, type SerialPort } from "../../hw/serial/mod.ts";

/** A fake modem wired to a pty the driver opens. */
export interface FakeOnPty<F> {
  fake: F;
  /** The driver's side, opened at the module's baud rate. */
  port: SerialPort;
  pair: SocatPtyPair;
  /** Pulls the cable: kills socat. */
  unplug(): Promise<void>;
  /** Closes everything (safe after unplug or after the driver closed its port). */
  stop(): Promise<void>;
}

/** Starts socat, opens both ends, builds the fake on the module's end. */
export async function fakeOnPty<F extends { close(): Promise<void> }>(
  baudRate: number,
  makeFake: (port: ByteLink) => F,
): Promise<FakeOnPty<F>> {
  const pair = await startSocatPtyPair();
  const port = await openSerialPort(pair.paths[0], { baudRate });
  const fakePort = await openSerialPort(pair.paths[1], { baudRate });
  const fake = makeFake(fakePort);
  return {
    fake,
    port,
    pair,
    unplug: () => pair.stop(),
    async stop() {
      await fake.close();
      await port.close();
      await pair.stop();
    },
  };
}

/** Waits until `condition()` holds, checking every few ms; fails after `ms`. */
export async function eventually(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
