/**
 * Bench section `footprint`: start-up time and peak RSS of one-shot commands
 * (`ferry --version`, `ferry stat`, `ferry queue write`, `ferry file` of
 * 1 MiB) against the bare Deno floor (`deno run` of an empty file, same V8
 * flags) and the NNCP/fspl equivalents, on this machine; then the same
 * commands of the arm64 Debian package under `qemu-aarch64` (time ratios to
 * the emulated floor only: emulation distorts absolute times and memory).
 *
 * Bars (DESIGN §12): `--version`, `stat` and `queue write` at most the floor
 * plus 24 MiB peak RSS and 2.5x the floor's time. Best of several runs after
 * one warm-up (the V8 code cache is filled by the first run, as on a Pi).
 * @module
 */

import { type BenchContext, type BenchTable, measure, type Measured, mib } from "./_harness.ts";

/** Timed runs per command after the warm-up (best one kept). */
const runsNative = 7;
const runsEmulated = 3;
/** Bars for the one-shot commands. */
const rssOverFloorMiBMax = 24;
const timeOverFloorMax = 2.5;
/** Same flags as the installed `/usr/bin/ferry`. */
const V8_FLAGS = "--expose-gc,--max-semi-space-size=1";
const QEMU_LD_PREFIX = "/usr/aarch64-linux-gnu";

interface Case {
  name: string;
  /** ferry's arguments (after the program). */
  ferry: string[];
  /** The NNCP/fspl command doing the same, if any. */
  other?: [string, string[]];
  stdinFile?: string;
  /** Whether the bars apply. */
  barred: boolean;
}

async function best(
  runs: number,
  cmd: string,
  args: string[],
  options: Parameters<typeof measure>[2] = {},
): Promise<Measured> {
  let top = await measure(cmd, args, options); // warm-up: fills the code cache
  let seconds = Infinity;
  let maxRssKiB = Infinity;
  for (let i = 0; i < runs; i++) {
    top = await measure(cmd, args, options);
    seconds = Math.min(seconds, top.seconds);
    maxRssKiB = Math.min(maxRssKiB, top.maxRssKiB);
  }
  return { ...top, seconds, maxRssKiB };
}

async function setup(ctx: BenchContext, ferryArgs: (args: string[]) => [string, string[]]) {
  const dir = await Deno.makeTempDir({ dir: ctx.dir, prefix: "footprint-" });
  const make = async (name: string) => {
    const [cmd, args] = ferryArgs(["init", "--name", name, "--spool", `${dir}/${name}/spool`]);
    await Deno.mkdir(`${dir}/${name}/spool`, { recursive: true });
    const out = await measure(cmd, args);
    await Deno.writeTextFile(`${dir}/${name}.hjson`, out.stdout, { mode: 0o600 });
    const [pc, pa] = ferryArgs(["-c", `${dir}/${name}.hjson`, "pubkey"]);
    return (await measure(pc, pa)).stdout;
  };
  await make("shed");
  const housePub = await make("house");
  const cfg = `${dir}/shed.hjson`;
  const text = await Deno.readTextFile(cfg);
  await Deno.writeTextFile(cfg, text.replace(/^ {2}neigh: \{$/m, `  neigh: {\n${housePub}`));
  const payload = new Uint8Array(1024 * 1024);
  for (let off = 0; off < payload.length; off += 65536) {
    crypto.getRandomValues(payload.subarray(off, off + 65536));
  }
  await Deno.writeFile(`${dir}/1mib.bin`, payload);
  await Deno.writeTextFile(`${dir}/body.txt`, "hello\n");
  const [qc, qa] = ferryArgs(["queue", "init", "-q", `${dir}/jobs`]);
  await measure(qc, qa);
  // A job file as a sender makes it (binary: written by the shell, not decoded).
  await measure("sh", ["-c", `fspl prepare -s - -i '${dir}/body.txt' > '${dir}/job.fspl'`]);
  const cases: Case[] = [
    { name: "--version", ferry: ["--version"], other: ["nncp-stat", ["-version"]], barred: true },
    {
      name: "stat",
      ferry: ["-c", cfg, "stat"],
      other: ["nncp-stat", ["-cfg", cfg]],
      barred: true,
    },
    {
      name: "queue write",
      ferry: ["queue", "write", "-q", `${dir}/jobs`],
      other: ["fspl", ["queue-write", "-q", `${dir}/jobs`]],
      stdinFile: `${dir}/job.fspl`,
      barred: true,
    },
    {
      // As an NNCP exec handler runs it: the job named after its SHA-256.
      name: "queue write --content-name",
      ferry: ["queue", "write", "--content-name", "-q", `${dir}/jobs`],
      stdinFile: `${dir}/job.fspl`,
      barred: true,
    },
    {
      name: "file 1 MiB",
      ferry: ["-c", cfg, "file", `${dir}/1mib.bin`, "house:"],
      other: ["nncp-file", ["-cfg", cfg, "-quiet", "-noprogress", `${dir}/1mib.bin`, "house:"]],
      barred: false,
    },
  ];
  return { dir, cases };
}

async function native(ctx: BenchContext): Promise<BenchTable> {
  const ferryArgs = (args: string[]): [string, string[]] => [ctx.deno, [
    "run",
    "--quiet",
    "-A",
    `--v8-flags=${V8_FLAGS}`,
    "--config",
    `${ctx.root}/deno.json`,
    `${ctx.root}/main.ts`,
    ...args,
  ]];
  const { dir, cases } = await setup(ctx, ferryArgs);
  await Deno.writeTextFile(`${dir}/empty.ts`, "");
  const floor = await best(runsNative, ctx.deno, [
    "run",
    "--quiet",
    "-A",
    `--v8-flags=${V8_FLAGS}`,
    `${dir}/empty.ts`,
  ]);
  ctx.say(`floor ${floor.seconds.toFixed(3)} s ${mib(floor.maxRssKiB)} MiB`);
  const rows: (string | number)[][] = [[
    "`deno run` empty file (floor)",
    floor.seconds.toFixed(3),
    mib(floor.maxRssKiB),
    "1.0",
    "0.0",
    "",
    "",
    "",
  ]];
  for (const c of cases) {
    ctx.say(`native ${c.name}`);
    const opts = c.stdinFile ? { stdinFile: c.stdinFile } : {};
    const f = await best(runsNative, ...ferryArgs(c.ferry), opts);
    const o = c.other ? await best(runsNative, c.other[0], c.other[1], opts) : undefined;
    const ratio = f.seconds / floor.seconds;
    const over = (f.maxRssKiB - floor.maxRssKiB) / 1024;
    const pass = ratio <= timeOverFloorMax && over <= rssOverFloorMiBMax;
    rows.push([
      `ferry ${c.name}`,
      f.seconds.toFixed(3),
      mib(f.maxRssKiB),
      ratio.toFixed(1),
      over.toFixed(1),
      o ? `${c.other![0]} ${o.seconds.toFixed(3)} s, ${mib(o.maxRssKiB)} MiB` : "",
      o ? (f.seconds / o.seconds).toFixed(1) : "",
      c.barred ? (pass ? "met" : "**missed**") : "(no bar)",
    ]);
  }
  return {
    title:
      `Footprint of one-shot commands, ${Deno.build.arch} (best of ${runsNative} after a warm-up)`,
    columns: [
      "command",
      "time s",
      "peak RSS MiB",
      "time / floor",
      "RSS over floor MiB",
      "NNCP / fspl",
      "time / NNCP or fspl",
      `bar (≤ ${timeOverFloorMax}× floor time, ≤ floor + ${rssOverFloorMiBMax} MiB)`,
    ],
    rows,
  };
}

async function emulated(ctx: BenchContext): Promise<BenchTable | null> {
  const ready = await new Deno.Command("sh", {
    args: ["-c", `command -v qemu-aarch64 && test -e ${QEMU_LD_PREFIX}/lib/libc.so.6`],
    stdout: "null",
    stderr: "null",
  }).output();
  if (!ready.success) {
    ctx.say("qemu-aarch64 or the arm64 C library missing: emulated table skipped");
    return null;
  }
  ctx.say("building the arm64 package (reused when unchanged)");
  const build = await new Deno.Command("bash", {
    args: [`${ctx.root}/scripts/build.sh`, "--reuse", "arm64"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const deb = new TextDecoder().decode(build.stdout).match(/^(?:built|reused) (\S+\.deb)$/m)?.[1];
  if (!build.success || !deb) throw new Error("build.sh arm64 failed");
  const root = await Deno.makeTempDir({ dir: ctx.dir, prefix: "arm64-" });
  await measure("dpkg-deb", ["-x", deb, root]);
  const opt = `${root}/opt/ferry`;
  await Deno.mkdir(`${root}/cache`);
  await Deno.symlink(`${opt}/deno-dir/npm`, `${root}/cache/npm`);
  const env = {
    ...Deno.env.toObject(),
    QEMU_LD_PREFIX,
    DENO_DIR: `${root}/cache`,
    DENO_NO_UPDATE_CHECK: "1",
    NO_PROGRESS: "1",
  };
  const ferryArgs = (args: string[]): [string, string[]] => [
    "qemu-aarch64",
    [
      `${opt}/bin/deno`,
      "run",
      "--cached-only",
      "--frozen",
      "--quiet",
      "-A",
      `--v8-flags=${V8_FLAGS}`,
      "--config",
      `${opt}/app/deno.json`,
      `${opt}/app/main.ts`,
      ...args,
    ],
  ];
  const { dir, cases } = await setup(ctx, (args) => {
    const [cmd, a] = ferryArgs(args);
    return ["env", [...Object.entries(env).map(([k, v]) => `${k}=${v}`), cmd, ...a]];
  });
  await Deno.writeTextFile(`${dir}/empty.ts`, "");
  const floor = await best(runsEmulated, "qemu-aarch64", [
    `${opt}/bin/deno`,
    "run",
    "--quiet",
    "-A",
    `--v8-flags=${V8_FLAGS}`,
    `${dir}/empty.ts`,
  ], { env });
  const rows: (string | number)[][] = [["`deno run` empty file (floor)", "1.0", ""]];
  for (const c of cases) {
    ctx.say(`qemu-aarch64 ${c.name}`);
    const opts = c.stdinFile ? { env, stdinFile: c.stdinFile } : { env };
    const f = await best(runsEmulated, ...ferryArgs(c.ferry), opts);
    const ratio = f.seconds / floor.seconds;
    rows.push([
      `ferry ${c.name}`,
      ratio.toFixed(1),
      c.barred ? (ratio <= timeOverFloorMax ? "met" : "**missed**") : "(no bar)",
    ]);
  }
  return {
    title:
      `Footprint under qemu-aarch64 (arm64 package; time ratios only, best of ${runsEmulated})`,
    columns: ["command", "time / emulated floor", `bar (≤ ${timeOverFloorMax}× floor time)`],
    rows,
    notes: [
      `Emulated floor: ${floor.seconds.toFixed(2)} s. Under emulation every compiled line costs ` +
      "far more than on a real Cortex-A76, so these ratios overstate a Pi's.",
    ],
  };
}

/** The section: the native table, then the emulated one when qemu is at hand. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const tables = [await native(ctx)];
  const emu = await emulated(ctx);
  if (emu) tables.push(emu);
  return tables;
}
