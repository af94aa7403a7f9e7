/**
 * A lossy relay between two serial ports, standing in for a bad radio path
 * in the real-port test and the demo: it forwards bytes both ways, cutting the stream
 * into ferry's COBS frames (0x00 delimited) and dropping or corrupting
 * whole frames at random (seeded). Run:
 *   deno run -A scripts/lossy_relay.ts PORT_A PORT_B DROP CORRUPT SEED
 * It prints "relay-ready" once both ports are open and counts on exit.
 */

import { openSerialPort } from "../hw/serial/mod.ts";

const [portA, portB, dropText = "0.1", corruptText = "0.05", seedText = "1"] = Deno.args;
if (!portA || !portB) {
  console.error("usage: relay.ts PORT_A PORT_B DROP CORRUPT SEED");
  Deno.exit(2);
}
const drop = Number(dropText);
const corrupt = Number(corruptText);
let seed = Number(seedText) >>> 0 || 1;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};
const a = await openSerialPort(portA, { baudRate: 9600 });
const b = await openSerialPort(portB, { baudRate: 9600 });
const counts = { frames: 0, dropped: 0, corrupted: 0 };
const frameBytesMax = 4096;

async function pump(from: typeof a, to: typeof a): Promise<void> {
  let frame: number[] = [];
  for (;;) {
    const chunk = await from.read();
    if (chunk === null) return;
    for (const byte of chunk) {
      frame.push(byte);
      if (byte !== 0 && frame.length < frameBytesMax) continue;
      counts.frames++;
      const r = random();
      if (r < drop) counts.dropped++;
      else {
        const out = Uint8Array.from(frame);
        if (r < drop + corrupt && out.length > 2) {
          out[Math.floor(random() * (out.length - 1))]! ^= 0x5a;
          counts.corrupted++;
        }
        await to.write(out);
      }
      frame = [];
    }
  }
}

const stop = () => {
  console.log(JSON.stringify(counts));
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
console.log("relay-ready");
await Promise.race([pump(a, b), pump(b, a)]);
stop();
