/**
 * Child process of the `serial` bench section: moves bytes between the two
 * ptys of a socat pair and prints one JSON line of results.
 *
 * Usage: deno run -A scripts/bench/_serial_probe.ts ferry|deno-file MIB IDLE_MS
 * - `ferry`: ferry's SerialPort (FFI to glibc, poll on the blocking pool)
 * - `deno-file`: Deno.open on the same ptys (Deno's own blocking file I/O), for comparison
 * @module
 */

import process from "node:process";
import { startSocatPtyPair } from "../../hw/mock/socat_pty_pair.ts";
import { openSerialPort } from "../../hw/serial/mod.ts";
import type { ByteLink } from "../../hw/link/link.ts";

const [mode = "ferry", mibText = "8", idleText = "2000"] = Deno.args;
const bytes = Number(mibText) * 1024 * 1024;
const idleMs = Number(idleText);
const chunkBytes = 64 * 1024;

function fileLink(file: Deno.FsFile): ByteLink {
  const buffer = new Uint8Array(16384);
  return {
    async read() {
      const n = await file.read(buffer);
      return n === null ? null : buffer.slice(0, n);
    },
    async write(data: Uint8Array) {
      let at = 0;
      while (at < data.length) at += await file.write(data.subarray(at));
    },
    close: () => Promise.resolve(file.close()),
  };
}

async function open(path: string): Promise<ByteLink> {
  if (mode === "ferry") return await openSerialPort(path, { baudRate: 921600 });
  return fileLink(await Deno.open(path, { read: true, write: true }));
}

const pair = await startSocatPtyPair();
const a = await open(pair.paths[0]);
const b = await open(pair.paths[1]);

// Throughput, one direction.
const data = new Uint8Array(chunkBytes).map((_, i) => (i * 31) & 255);
const started = performance.now();
const writing = (async () => {
  for (let sent = 0; sent < bytes; sent += chunkBytes) await a.write(data);
})();
let received = 0;
while (received < bytes) {
  const chunk = await b.read();
  if (chunk === null) throw new Error("pty ended early");
  received += chunk.length;
}
await writing;
const mibPerS = bytes / 1048576 / ((performance.now() - started) / 1000);

// Round trip of one byte through an echoing peer.
const echo = (async () => {
  for (;;) {
    const chunk = await b.read();
    if (chunk === null || chunk[0] === 255) return;
    await b.write(chunk);
  }
})();
const rtts: number[] = [];
for (let i = 0; i < 500; i++) {
  const t = performance.now();
  await a.write(new Uint8Array([i % 200]));
  await a.read();
  rtts.push((performance.now() - t) * 1000);
}
await a.write(new Uint8Array([255]));
await echo;
rtts.sort((x, y) => x - y);

// CPU while idle: a read pending on each end, nothing arriving.
// Deno's file reads reject (EIO) at hang-up where ferry's resolve null: catch both.
const pendingA = a.read().catch(() => null);
const pendingB = b.read().catch(() => null);
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
await new Promise((resolve) => setTimeout(resolve, idleMs));
const cpu = process.cpuUsage(cpu0);
const idleCpuPct = ((cpu.user + cpu.system) / 1000) / (performance.now() - wall0) * 100;

await pair.stop();
await Promise.allSettled([pendingA, pendingB]);
await a.close();
await b.close();
console.log(JSON.stringify({
  mibPerS,
  rttP50Us: rtts[Math.floor(rtts.length * 0.5)],
  rttP99Us: rtts[Math.floor(rtts.length * 0.99)],
  idleCpuPct,
}));
Deno.exit(0);
