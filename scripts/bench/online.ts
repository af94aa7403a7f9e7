/**
 * Bench section `online`: one 1 GiB packet over loopback in an online
 * session, each pairing in the same run: `nncp-call` → `nncp-daemon` (the
 * anchor), `ferry call` → `ferry daemon`, `ferry call` → `nncp-daemon` and
 * `nncp-call` → `ferry daemon`. The time is the caller's wall time (start,
 * handshake, transfer, one second of idle deadline, exit); memory is each
 * side's peak RSS (the caller's from `/usr/bin/time -v`, the daemon's VmHWM
 * read from /proc just before it is stopped). Each run starts from the same
 * packet (a hard link of a kept copy) and checks that it arrived whole.
 *
 * Bars: ferry at most 1.5× NNCP's time; peak RSS of each ferry side at most
 * 128 MiB.
 *
 * Run just this section: `deno task bench online` (`--quick`: 64 MiB).
 * @module
 */

import type { BenchContext, BenchTable } from "./_harness.ts";
import { measure, type Measured, mib } from "./_harness.ts";
import { FERRY_V8_FLAGS } from "./packet.ts";

const MiB = 1024 * 1024;
/** The time bar: ferry's time over NNCP's. */
const timeRatioMax = 1.5;
/** The memory bar for each ferry side, KiB. */
const rssKiBMax = 128 * 1024;
/** Longest wait for a daemon to listen, ms. */
const listenWaitMs = 30_000;
/** Characters of a failed run's standard error shown. */
const stderrTailChars = 4000;
/** Seconds of idle after which both callers end a session. */
const idleSec = 1;

const ALICE = "36N53ZAS2X7GYXKZPGUGLRU53XIVNEQMRNLF5VTAQRQGVX54A3KQ";
const BOB = "JIHU3APBZHWUGIJIOZQ5Z6C4LOKLEYTVGOFNGKU7U2TCMZZWQT3Q";

type Side = "ferry" | "nncp";

interface World {
  cfg: { alice: string; bob: string };
  spool: { alice: string; bob: string };
  /** The kept copy of the packet and its id. */
  stash: string;
  id: string;
  bytes: number;
}

async function sh(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (out.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

async function setup(ctx: BenchContext, bytes: number, port: number): Promise<World> {
  const root = `${ctx.dir}/online`;
  const cfg = { alice: `${root}/alice.hjson`, bob: `${root}/bob.hjson` };
  const spool = { alice: `${root}/alice/spool`, bob: `${root}/bob/spool` };
  for (const name of ["alice", "bob"] as const) {
    await Deno.mkdir(`${root}/${name}/spool`, { recursive: true });
    await Deno.mkdir(`${root}/${name}/incoming`, { recursive: true });
    const text = (await Deno.readTextFile(`${ctx.root}/test/vectors/nncp/cfg/${name}.hjson`))
      .replaceAll("@ROOT@/nodes", root);
    const c = JSON.parse(text);
    const peer = name === "alice" ? "bob" : "alice";
    c.neigh[peer].addrs = { lo: `127.0.0.1:${port}` };
    c.noprogress = true;
    await Deno.writeTextFile(cfg[name], JSON.stringify(c), { mode: 0o600 });
  }
  ctx.say(`online: making a ${bytes / MiB} MiB packet for bob`);
  const src = `${root}/payload.bin`;
  await sh("sh", ["-c", `head -c ${bytes} /dev/urandom > ${src}`]);
  await sh("nncp-file", ["-cfg", cfg.alice, "-noprogress", src, "bob:payload.bin"]);
  await Deno.remove(src);
  const tx = `${spool.alice}/${BOB}/tx`;
  const ids = [...Deno.readDirSync(tx)].filter((e) => e.isFile).map((e) => e.name);
  if (ids.length !== 1) throw new Error(`expected one packet in ${tx}, found ${ids.length}`);
  const id = ids[0]!;
  const stash = `${root}/stash.pkt`;
  await Deno.rename(`${tx}/${id}`, stash);
  await Deno.remove(`${tx}/hdr`, { recursive: true }).catch(() => {});
  return { cfg, spool, stash, id, bytes: (await Deno.stat(stash)).size };
}

/** Puts the packet back in alice's tx and clears bob's rx. */
async function reset(w: World): Promise<void> {
  const tx = `${w.spool.alice}/${BOB}/tx`;
  const rx = `${w.spool.bob}/${ALICE}/rx`;
  await Deno.remove(rx, { recursive: true }).catch(() => {});
  await Deno.remove(`${tx}/hdr`, { recursive: true }).catch(() => {});
  await Deno.mkdir(tx, { recursive: true });
  await Deno.remove(`${tx}/${w.id}`).catch(() => {});
  await Deno.link(w.stash, `${tx}/${w.id}`);
}

async function vmHwmKiB(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
  return Number(/VmHWM:\s*(\d+) kB/.exec(text)?.[1] ?? NaN);
}

async function waitListening(port: number): Promise<void> {
  const until = Date.now() + listenWaitMs;
  while (Date.now() < until) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

interface Run {
  caller: Side;
  daemon: Side;
  seconds: number;
  callerRssKiB: number;
  daemonRssKiB: number;
}

async function once(
  ctx: BenchContext,
  w: World,
  caller: Side,
  daemon: Side,
  port: number,
): Promise<Run> {
  await reset(w);
  const main = `${ctx.root}/main.ts`;
  const bind = `127.0.0.1:${port}`;
  const d = daemon === "nncp"
    ? new Deno.Command("nncp-daemon", {
      args: ["-cfg", w.cfg.bob, "-bind", bind, "-quiet"],
      stdout: "null",
      stderr: "piped",
    }).spawn()
    : new Deno.Command(ctx.deno, {
      args: ["run", "-A", FERRY_V8_FLAGS, main, "-c", w.cfg.bob, "daemon", "--bind", bind],
      env: { NO_PROGRESS: "1" },
      stdout: "null",
      stderr: "piped",
    }).spawn();
  // The daemon's last words, for the error when a run fails.
  let daemonTail = "";
  const drained = d.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write: (t) => void (daemonTail = (daemonTail + t).slice(-stderrTailChars)),
    }),
  );
  try {
    await waitListening(port);
    ctx.say(`online: ${caller} call → ${daemon} daemon`);
    const m: Measured = caller === "nncp"
      ? await measure("nncp-call", [
        "-cfg",
        w.cfg.alice,
        "-noprogress",
        "-onlinedeadline",
        String(idleSec),
        "bob",
      ])
      : await measure(ctx.deno, [
        "run",
        "-A",
        FERRY_V8_FLAGS,
        main,
        "-c",
        w.cfg.alice,
        "call",
        "--onlinedeadline",
        String(idleSec),
        "bob",
      ], { env: { NO_PROGRESS: "1" } });
    const daemonRssKiB = await vmHwmKiB(d.pid);
    const got = await Deno.stat(`${w.spool.bob}/${ALICE}/rx/${w.id}`).catch(() => null);
    if (!got || got.size !== w.bytes) {
      throw new Error(
        `${caller} → ${daemon}: the packet did not arrive whole (${
          got?.size ?? 0
        } of ${w.bytes} bytes)`,
      );
    }
    return { caller, daemon, seconds: m.seconds, callerRssKiB: m.maxRssKiB, daemonRssKiB };
  } finally {
    try {
      d.kill("SIGTERM");
    } catch { /* gone */ }
    await d.status;
    await drained.catch(() => {});
  }
}

/** Runs the section. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const bytes = ctx.quick ? 64 * MiB : 1024 * MiB;
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const w = await setup(ctx, bytes, port);
  const pairs: [Side, Side][] = [["nncp", "nncp"], ["ferry", "ferry"], ["ferry", "nncp"], [
    "nncp",
    "ferry",
  ]];
  const runs: Run[] = [];
  for (const [caller, daemon] of pairs) runs.push(await once(ctx, w, caller, daemon, port));
  const anchor = runs[0]!.seconds;
  const notes: string[] = [];
  const rows = runs.map((r) => {
    const ratio = r.seconds / anchor;
    const ferrySides = [
      ...(r.caller === "ferry" ? [r.callerRssKiB] : []),
      ...(r.daemon === "ferry" ? [r.daemonRssKiB] : []),
    ];
    const timeOk = r.caller === "nncp" && r.daemon === "nncp"
      ? "anchor"
      : ratio <= timeRatioMax
      ? "yes"
      : "NO";
    const rssOk = ferrySides.length === 0
      ? "-"
      : ferrySides.every((k) => k <= rssKiBMax)
      ? "yes"
      : "NO";
    return [
      `${r.caller} call → ${r.daemon} daemon`,
      r.seconds.toFixed(2),
      (bytes / MiB / r.seconds).toFixed(0),
      ratio.toFixed(2),
      mib(r.callerRssKiB),
      mib(r.daemonRssKiB),
      timeOk,
      rssOk,
    ];
  });
  notes.push(
    `One ${bytes / MiB} MiB packet (${w.bytes} bytes on disk) over 127.0.0.1, verified whole ` +
      `after each run; times include process start and ${idleSec} s of idle deadline. ` +
      `Bars: ferry at most ${timeRatioMax}× NNCP's time, each ferry side at most ` +
      `${rssKiBMax / 1024} MiB peak RSS. ferry runs with ${FERRY_V8_FLAGS}.`,
  );
  return [{
    title: `Online session: ${bytes / MiB} MiB over loopback`,
    columns: [
      "pairing",
      "time s",
      "MiB/s",
      "× NNCP",
      "caller peak RSS MiB",
      "daemon peak RSS MiB",
      "time bar",
      "RSS bar",
    ],
    rows,
    notes,
  }];
}
