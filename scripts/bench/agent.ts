/**
 * Bench section `agent`: the memory of `ferry agent` run the way users run
 * it. Busy: bob's agent imports a 1 GiB packet from a USB stick (a real
 * tmpfs mount when run as root, a sync folder otherwise), tosses it into
 * incoming, and at the same time receives a few MiB over a serial link (a
 * socat pty pair, alice running `ferry link --stay`). Idle: the agent
 * watching for media and keeping the link, with nothing to do, for 20 s.
 * Each is run with and without the V8 flags of the installed wrapper.
 * Memory is the agent's own peak RSS (VmHWM from /proc/PID/status).
 *
 * Bar: peak RSS at most 128 MiB while busy.
 * @module
 */

import type { BenchContext, BenchTable } from "./_harness.ts";
import { mib } from "./_harness.ts";
import { FERRY_V8_FLAGS } from "./packet.ts";
import { startSocatPtyPair } from "../../hw/mock/mod.ts";

const MiB = 1024 * 1024;
/** The bar for the busy agent's peak RSS, KiB. */
const busyRssKiBMax = 128 * 1024;
/** Serial speed of the benchmark link (a pty: only the airtime pacing depends on it). */
const linkBaud = 921_600;
/** How long one busy run may take before the bench gives up, ms. */
const busyTimeoutMs = 15 * 60_000;
/** How often the agent's memory is sampled, ms. */
const sampleMs = 200;

interface Sizes {
  mediaBytes: number;
  radioFiles: number;
  radioFileBytes: number;
  idleSeconds: number;
}

interface World {
  root: string;
  cfg: { alice: string; bob: string };
  ids: { alice: string; bob: string };
  incoming: string;
}

async function run0(cmd: string, args: string[], stdin?: Uint8Array): Promise<string> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  if (out.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** VmHWM and VmRSS of a process, KiB (null once it is gone). */
async function memoryOf(pid: number): Promise<{ hwm: number; rss: number } | null> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => null);
  if (text === null) return null;
  const field = (name: string) => Number(new RegExp(`${name}:\\s*(\\d+) kB`).exec(text)?.[1]);
  return { hwm: field("VmHWM"), rss: field("VmRSS") };
}

async function waitFor(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, sampleMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function fileSize(path: string): Promise<number> {
  return (await Deno.stat(path).catch(() => null))?.size ?? -1;
}

/** Writes `bytes` of random-looking data without holding them in memory. */
async function makePayload(path: string, bytes: number): Promise<void> {
  const block = new Uint8Array(MiB);
  for (let i = 0; i < MiB; i += 65536) crypto.getRandomValues(block.subarray(i, i + 65536));
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  for (let done = 0; done < bytes; done += MiB) {
    new DataView(block.buffer).setUint32(0, done / MiB);
    const n = Math.min(MiB, bytes - done);
    for (let w = 0; w < n;) w += await file.write(block.subarray(w, n));
  }
}

/** alice and bob from the vectors; bob's agent watches `media` (mounts, or a sync folder). */
async function makeWorld(
  ctx: BenchContext,
  name: string,
  port: string,
  medium: { mounts: string } | { syncFolder: string },
): Promise<World> {
  const root = `${ctx.dir}/agent-${name}`;
  const cfg = { alice: `${root}/alice.hjson`, bob: `${root}/bob.hjson` };
  const ids = { alice: "", bob: "" };
  for (const node of ["alice", "bob"] as const) {
    const text = await Deno.readTextFile(`${ctx.root}/test/vectors/nncp/cfg/${node}.hjson`);
    for (const sub of ["spool", "incoming", "pub"]) {
      await Deno.mkdir(`${root}/nodes/${node}/${sub}`, { recursive: true });
    }
    const config = JSON.parse(text.replaceAll("@ROOT@", root));
    ids[node] = config.self.id;
    if (node === "bob") {
      config.ferry = {
        name: "bob",
        toss: { "cycle-sec": 5 },
        links: [{ node: "alice", port, modem: "cable", baud: linkBaud }],
        ...("mounts" in medium
          ? { media: { mounts: [medium.mounts] } }
          : { "sync-folders": [{ path: medium.syncFolder, "interval-sec": 2, "settle-sec": 0 }] }),
      };
    }
    await Deno.writeTextFile(cfg[node], JSON.stringify(config, null, 2), { mode: 0o600 });
  }
  return { root, cfg, ids, incoming: `${root}/nodes/bob/incoming` };
}

class Sampler {
  hwm = 0;
  #stop = false;
  #done: Promise<void>;

  constructor(pid: number) {
    this.#done = (async () => {
      while (!this.#stop) {
        const m = await memoryOf(pid);
        if (m) this.hwm = Math.max(this.hwm, m.hwm);
        await new Promise((r) => setTimeout(r, sampleMs));
      }
    })();
  }

  async stop(): Promise<number> {
    this.#stop = true;
    await this.#done;
    return this.hwm;
  }
}

function ferryProcess(
  ctx: BenchContext,
  v8: string[],
  args: string[],
  log: string,
): { child: Deno.ChildProcess; done: Promise<void> } {
  const child = new Deno.Command(ctx.deno, {
    args: ["run", "-A", "--quiet", ...v8, `${ctx.root}/main.ts`, ...args],
    env: { NO_PROGRESS: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const file = Deno.openSync(log, { write: true, create: true, append: true });
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) file.writeSync(c);
  };
  const done = Promise.all([pump(child.stdout), pump(child.stderr)]).then(() => file.close());
  return { child, done };
}

async function stop(p: { child: Deno.ChildProcess; done: Promise<void> }): Promise<void> {
  try {
    p.child.kill("SIGTERM");
  } catch { /* gone */ }
  await p.child.status;
  await p.done;
}

interface Result {
  busyKiB: number;
  busySeconds: number;
  idleHwmKiB: number;
  idleRssKiB: number;
}

async function measureAgent(
  ctx: BenchContext,
  label: string,
  v8: string[],
  sizes: Sizes,
): Promise<Result> {
  const isRoot = Deno.uid() === 0;
  const pty = await startSocatPtyPair();
  const cleanups: (() => Promise<unknown>)[] = [() => pty.stop()];
  try {
    const base = `${ctx.dir}/agent-${label}`;
    await Deno.mkdir(`${base}/media`, { recursive: true });
    const world = await makeWorld(
      ctx,
      label,
      pty.paths[1],
      isRoot ? { mounts: `${base}/media/stick-*` } : { syncFolder: `${base}/sync` },
    );
    const ferry = (args: string[], stdin?: Uint8Array) =>
      run0(ctx.deno, ["run", "-A", "--quiet", `${ctx.root}/main.ts`, ...args], stdin);
    // The big packet goes on the stick; then the radio files wait in alice's spool.
    ctx.say(`agent ${label}: making a ${mib(sizes.mediaBytes / 1024)} MiB packet`);
    await makePayload(`${world.root}/big.bin`, sizes.mediaBytes);
    await ferry(["--config", world.cfg.alice, "file", `${world.root}/big.bin`, "bob:"]);
    await Deno.remove(`${world.root}/big.bin`);
    const staging = isRoot ? `${base}/staging` : `${base}/sync`;
    await Deno.mkdir(staging, { recursive: true });
    if (isRoot) {
      const sizeMiB = Math.ceil(sizes.mediaBytes / MiB) + 64;
      await run0("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m`, "ferry-bench", staging]);
      cleanups.push(() => run0("umount", ["-l", staging]).catch(() => {}));
    }
    // Written outside the watched place first (the stick), then moved in once complete.
    await ferry(["--config", world.cfg.alice, "xfer", "--tx", "--mkdir", staging]);
    for (let i = 0; i < sizes.radioFiles; i++) {
      await makePayload(`${world.root}/radio-${i}.bin`, sizes.radioFileBytes);
      await ferry(["--config", world.cfg.alice, "file", `${world.root}/radio-${i}.bin`, "bob:"]);
    }

    const agent = ferryProcess(ctx, v8, ["--config", world.cfg.bob, "agent"], `${base}/bob.log`);
    cleanups.push(() => stop(agent));
    await waitFor(
      "the agent",
      async () => (await Deno.readTextFile(`${base}/bob.log`)).includes("agent-ready"),
      60_000,
    );
    const sampler = new Sampler(agent.child.pid);
    const started = performance.now();
    const link = ferryProcess(ctx, [], [
      "--config",
      world.cfg.alice,
      "link",
      "--node",
      "bob",
      "--port",
      pty.paths[0],
      "--modem",
      "cable",
      "--baud",
      String(linkBaud),
      "--stay",
    ], `${base}/alice.log`);
    cleanups.push(() => stop(link));
    // The stick arrives while the radio is busy.
    await new Promise((r) => setTimeout(r, 1_000));
    if (isRoot) {
      const stick = `${base}/media/stick-1`;
      await Deno.mkdir(stick);
      await run0("mount", ["--move", staging, stick]);
      cleanups.pop();
      cleanups.push(() => run0("umount", ["-l", stick]).catch(() => {}));
    }
    ctx.say(
      `agent ${label}: moving ${mib(sizes.mediaBytes / 1024)} MiB by media and ${
        mib(sizes.radioFiles * sizes.radioFileBytes / 1024)
      } MiB by radio`,
    );
    await waitFor("every file at bob", async () => {
      if ((await fileSize(`${world.incoming}/big.bin`)) !== sizes.mediaBytes) return false;
      for (let i = 0; i < sizes.radioFiles; i++) {
        if ((await fileSize(`${world.incoming}/radio-${i}.bin`)) !== sizes.radioFileBytes) {
          return false;
        }
      }
      return true;
    }, busyTimeoutMs);
    const busySeconds = (performance.now() - started) / 1000;
    const busyKiB = await sampler.stop();
    await stop(agent);

    // Idle: a fresh agent on the same (now empty) queues, the link kept, no media.
    const idle = ferryProcess(ctx, v8, ["--config", world.cfg.bob, "agent"], `${base}/idle.log`);
    cleanups.push(() => stop(idle));
    ctx.say(`agent ${label}: idle for ${sizes.idleSeconds} s`);
    await new Promise((r) => setTimeout(r, sizes.idleSeconds * 1000));
    const idleMem = await memoryOf(idle.child.pid);
    if (!idleMem) throw new Error("the idle agent exited");
    return { busyKiB, busySeconds, idleHwmKiB: idleMem.hwm, idleRssKiB: idleMem.rss };
  } finally {
    for (const clean of cleanups.reverse()) await clean();
  }
}

/** Runs the section. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const sizes: Sizes = ctx.quick
    ? { mediaBytes: 64 * MiB, radioFiles: 2, radioFileBytes: 256 * 1024, idleSeconds: 5 }
    : { mediaBytes: 1024 * MiB, radioFiles: 4, radioFileBytes: MiB, idleSeconds: 20 };
  const variants: [string, string[]][] = [
    ["with V8 flags", [FERRY_V8_FLAGS]],
    ["without V8 flags", []],
  ];
  const rows: (string | number)[][] = [];
  for (const [label, v8] of variants) {
    const r = await measureAgent(ctx, label.replaceAll(" ", "-"), v8, sizes);
    ctx.say(`agent ${label}: busy ${mib(r.busyKiB)} MiB, idle ${mib(r.idleHwmKiB)} MiB`);
    rows.push([
      label,
      mib(r.busyKiB),
      r.busySeconds.toFixed(1),
      mib(r.idleHwmKiB),
      mib(r.idleRssKiB),
      r.busyKiB <= busyRssKiBMax ? "pass" : "FAIL",
    ]);
  }
  const medium = Deno.uid() === 0 ? "a tmpfs stick" : "a sync folder (not root: no mounts)";
  return [{
    title: `ferry agent memory: ${mib(sizes.mediaBytes / 1024)} MiB from ${medium} while ${
      mib(sizes.radioFiles * sizes.radioFileBytes / 1024)
    } MiB arrive by serial link`,
    columns: [
      "",
      "busy peak RSS MiB",
      "busy s",
      `idle peak RSS MiB (${sizes.idleSeconds} s)`,
      "idle RSS at the end MiB",
      "bar ≤ 128 MiB",
    ],
    rows,
    notes: [
      "Peak RSS is VmHWM of the agent process itself (exec handlers and alice's link not counted). " +
      `V8 flags: \`${FERRY_V8_FLAGS}\` (what scripts/install.sh's wrapper passes).`,
    ],
  }];
}
