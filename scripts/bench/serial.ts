/**
 * Bench section `serial`: ferry's FFI serial ports on a socat pty pair.
 * Throughput (the pty ignores the 921600 baud setting, so this is the
 * software ceiling, to compare with the 90 KB/s such a line carries),
 * one-byte round trip through an echoing peer, CPU with reads pending and
 * nothing arriving, and peak RSS; next to Deno's own file API on the same
 * ptys.
 * @module
 */

import { type BenchContext, type BenchTable, measure, mib } from "./_harness.ts";

interface Probe {
  mibPerS: number;
  rttP50Us: number;
  rttP99Us: number;
  idleCpuPct: number;
}

/** Runs the section. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const mibCount = ctx.quick ? 4 : 32;
  const idleMs = ctx.quick ? 1000 : 5000;
  const rows: (string | number)[][] = [];
  for (const mode of ["ferry", "deno-file"]) {
    ctx.say(`serial: ${mode}, ${mibCount} MiB`);
    const result = await measure(ctx.deno, [
      "run",
      "-A",
      `${ctx.root}/scripts/bench/_serial_probe.ts`,
      mode,
      String(mibCount),
      String(idleMs),
    ], { cwd: ctx.root });
    const p = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}") as Probe;
    rows.push([
      mode === "ferry"
        ? "ferry SerialPort (FFI, poll on blocking pool)"
        : "Deno.open on the pty (comparison)",
      p.mibPerS.toFixed(1),
      Math.round(p.rttP50Us),
      Math.round(p.rttP99Us),
      p.idleCpuPct.toFixed(2),
      mib(result.maxRssKiB),
    ]);
  }
  return [{
    title: `Serial port on a socat pty pair (${mibCount} MiB one way at 921600 baud setting)`,
    columns: [
      "implementation",
      "MiB/s",
      "1-byte RTT p50 (µs)",
      "RTT p99 (µs)",
      "idle CPU %",
      "peak RSS (MiB)",
    ],
    rows,
    notes: [
      "A 921600 baud line carries at most 0.088 MiB/s; idle CPU is measured with a read pending on " +
      "both ends and nothing arriving.",
    ],
  }];
}
