/**
 * Bench section `node`: `ferry toss` against `nncp-toss` on 1,000 small
 * packets, `ferry xfer` against `nncp-xfer` moving one 256 MiB packet to a
 * medium (--tx; an ext4 loop image when root, so ferry's read-back reads
 * the device) and from one (--rx), and both tools on 3,000 small packets
 * (xfer --rx, then toss) for peak memory. The packets are made once (by
 * ferry, in this process); each run starts from a fresh copy of the same
 * spool or medium (hard links, so the page cache is equally warm for both
 * tools). Best of three runs, as the machine is shared.
 *
 * ferry runs as users run it (`deno run -A main.ts ...`), and once more
 * with the V8 flags the packet core recommends for long-running processes.
 * `FERRY_BENCH_NODE=toss,--tx` runs only the workloads whose title has one
 * of those words.
 *
 * Bars: toss at most 1.5× NNCP's time, xfer at most 2×; 3,000 small
 * packets in at most 96 MiB peak RSS.
 * @module
 */

import { type BenchContext, type BenchTable, measure, type Measured, mib } from "./_harness.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { type ConfigWithSelf, createNodeContext } from "../../src/node/context.ts";
import { queuePacket } from "../../src/node/send.ts";
import { filePlain } from "../../src/packet/mod.ts";
import { sendFile } from "../../src/send/file.ts";
import { FERRY_V8_FLAGS } from "./packet.ts";

const MiB = 1024 * 1024;
const REPEATS = 3;
/** Peak RSS bar of the many-small-packets runs. */
const RSS_BAR_MIB = 96;

interface Node {
  cfg: string;
  id: string;
  dir: string;
}

/** alice and bob under `root`, their spool, incoming and log inside it. */
async function makeNodes(ctx: BenchContext, root: string): Promise<{ alice: Node; bob: Node }> {
  const out: Record<string, Node> = {};
  for (const name of ["alice", "bob"]) {
    const text = await Deno.readTextFile(`${ctx.root}/test/vectors/nncp/cfg/${name}.hjson`);
    const dir = `${root}/nodes/${name}`;
    for (const sub of ["spool", "incoming", "pub"]) {
      await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
    }
    const cfg = `${root}/${name}.hjson`;
    await Deno.writeTextFile(cfg, text.replaceAll("@ROOT@", root), { mode: 0o600 });
    out[name] = { cfg, id: JSON.parse(text).self.id, dir };
  }
  return { alice: out.alice!, bob: out.bob! };
}

/** Hard-links the packets of `from` into `to` (fresh), with `hdr/` files as xfer leaves them. */
async function linkPackets(from: string, to: string): Promise<number> {
  await Deno.remove(to, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${to}/hdr`, { recursive: true });
  let n = 0;
  for await (const e of Deno.readDir(from)) {
    if (!e.isFile) continue;
    await Deno.link(`${from}/${e.name}`, `${to}/${e.name}`);
    using file = await Deno.open(`${from}/${e.name}`);
    const head = new Uint8Array(172);
    for (let off = 0; off < head.length;) off += (await file.read(head.subarray(off)))!;
    await Deno.writeFile(`${to}/hdr/${e.name}`, head);
    n++;
  }
  return n;
}

async function fresh(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
}

/** Empties `dir` (a mount point stays). */
async function emptyDir(dir: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name !== "lost+found") await Deno.remove(`${dir}/${e.name}`, { recursive: true });
  }
}

async function sh(program: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(program, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${program} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

async function count(dir: string): Promise<number> {
  let n = 0;
  for await (const e of Deno.readDir(dir)) if (e.isFile) n++;
  return n;
}

async function best(ctx: BenchContext, label: string, run: () => Promise<Measured>) {
  let top: Measured | null = null;
  for (let i = 0; i < (ctx.quick ? 1 : REPEATS); i++) {
    const m = await run();
    ctx.say(`node: ${label}: ${m.seconds.toFixed(2)} s, ${mib(m.maxRssKiB)} MiB`);
    if (top === null || m.seconds < top.seconds) top = m;
  }
  return top!;
}

interface Workload {
  title: string;
  /** Resets the input; returns the check to run after each tool. */
  reset(): Promise<() => Promise<void>>;
  ferry: string[];
  nncp: string[];
  /** Bar: ferry's time over NNCP's. */
  bar: number;
  /** Bar on ferry's peak RSS, when there is one. */
  rssBarMiB?: number;
}

/** Runs the section. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const packets = ctx.quick ? 100 : 1000;
  const many = ctx.quick ? 300 : 3000;
  const bigBytes = (ctx.quick ? 32 : 256) * MiB;
  const root = `${ctx.dir}/node`;
  const { alice, bob } = await makeNodes(ctx, root);
  const { config } = await loadConfig(alice.cfg);
  const actx = createNodeContext(config as ConfigWithSelf, silentLogger);
  const toBob = actx.config.neigh.get("bob")!;

  ctx.say(`node: making ${packets} small packets and one of ${bigBytes / MiB} MiB`);
  const small = `${root}/small`;
  const big = `${root}/big`;
  const aliceTx = `${alice.dir}/spool/${bob.id}/tx`;
  const smallPackets = async (n: number, dir: string) => {
    for (let i = 0; i < n; i++) {
      const body = new TextEncoder().encode(`note ${i}\n`);
      await queuePacket(actx, {
        to: toBob,
        plain: filePlain(`note-${i}.txt`, 96),
        payload: body,
        nice: 96,
      });
    }
    await Deno.rename(aliceTx, dir);
  };
  await smallPackets(packets, small);
  const smallMany = `${root}/small-many`;
  ctx.say(`node: making ${many} small packets`);
  await smallPackets(many, smallMany);
  const payload = `${root}/payload.bin`;
  {
    using file = await Deno.open(payload, { write: true, createNew: true });
    const block = new Uint8Array(MiB);
    for (let done = 0; done < bigBytes; done += MiB) {
      crypto.getRandomValues(block.subarray(0, 65536));
      new DataView(block.buffer).setUint32(65536, done);
      for (let w = 0; w < MiB;) w += await file.write(block.subarray(w));
    }
  }
  await sendFile(actx, { src: payload, to: toBob, nice: 96 });
  await Deno.rename(aliceTx, big);

  const bobRx = `${bob.dir}/spool/${alice.id}/rx`;
  const media = `${root}/media`;
  const onMedium = `${media}/${bob.id}/${alice.id}`;
  // Sending goes to a stick-like medium: an ext4 loop image (root), so read-backs reach a device.
  const stick = `${root}/stick`;
  await Deno.mkdir(stick);
  const loop = Deno.uid() === 0;
  if (loop) {
    await sh("truncate", ["-s", `${Math.ceil((2 * bigBytes) / MiB) + 128}M`, `${root}/stick.img`]);
    await sh("mkfs.ext4", ["-q", `${root}/stick.img`]);
    await sh("mount", ["-o", "loop", `${root}/stick.img`, stick]);
  }
  const onStick = `${stick}/${bob.id}/${alice.id}`;
  const workloads: Workload[] = [{
    title: `toss ${packets} small file packets`,
    reset: async () => {
      await fresh(`${bob.dir}/incoming`);
      await Deno.remove(`${bob.dir}/spool`, { recursive: true }).catch(() => {});
      await linkPackets(small, bobRx);
      return async () => {
        if ((await count(`${bob.dir}/incoming`)) !== packets || (await count(bobRx)) !== 0) {
          throw new Error("toss did not deliver every packet");
        }
      };
    },
    ferry: ["-c", bob.cfg, "toss"],
    nncp: ["nncp-toss", "-cfg", bob.cfg, "-seen", "-quiet"],
    bar: 1.5,
  }, {
    title: `xfer --tx one ${bigBytes / MiB} MiB packet${loop ? " to an ext4 loop image" : ""}`,
    reset: async () => {
      await emptyDir(stick);
      await linkPackets(big, aliceTx);
      return async () => {
        if ((await count(onStick)) !== 1 || (await count(aliceTx)) !== 0) {
          throw new Error("xfer --tx did not move the packet");
        }
      };
    },
    ferry: ["-c", alice.cfg, "xfer", "--tx", "--mkdir", stick],
    nncp: ["nncp-xfer", "-cfg", alice.cfg, "-tx", "-mkdir", "-quiet", stick],
    bar: 2,
  }, {
    title: `xfer --rx one ${bigBytes / MiB} MiB packet`,
    reset: async () => {
      await fresh(`${bob.dir}/spool`);
      await fresh(media);
      await linkPackets(big, onMedium);
      await Deno.remove(`${onMedium}/hdr`, { recursive: true });
      return async () => {
        if ((await count(bobRx)) !== 1 || (await count(onMedium)) !== 0) {
          throw new Error("xfer --rx did not take the packet");
        }
      };
    },
    ferry: ["-c", bob.cfg, "xfer", "--rx", media],
    nncp: ["nncp-xfer", "-cfg", bob.cfg, "-rx", "-quiet", media],
    bar: 2,
  }, {
    title: `xfer --rx ${many} small packets`,
    reset: async () => {
      await fresh(`${bob.dir}/spool`);
      await fresh(media);
      await linkPackets(smallMany, onMedium);
      await Deno.remove(`${onMedium}/hdr`, { recursive: true });
      return async () => {
        if ((await count(bobRx)) !== many || (await count(onMedium)) !== 0) {
          throw new Error("xfer --rx did not take every packet");
        }
      };
    },
    ferry: ["-c", bob.cfg, "xfer", "--rx", media],
    nncp: ["nncp-xfer", "-cfg", bob.cfg, "-rx", "-quiet", media],
    bar: 2,
    rssBarMiB: RSS_BAR_MIB,
  }, {
    title: `toss ${many} small file packets`,
    reset: async () => {
      await fresh(`${bob.dir}/incoming`);
      await Deno.remove(`${bob.dir}/spool`, { recursive: true }).catch(() => {});
      await linkPackets(smallMany, bobRx);
      return async () => {
        if ((await count(`${bob.dir}/incoming`)) !== many || (await count(bobRx)) !== 0) {
          throw new Error("toss did not deliver every packet");
        }
      };
    },
    ferry: ["-c", bob.cfg, "toss"],
    nncp: ["nncp-toss", "-cfg", bob.cfg, "-seen", "-quiet"],
    bar: 1.5,
    rssBarMiB: RSS_BAR_MIB,
  }];
  const only = (Deno.env.get("FERRY_BENCH_NODE") ?? "").split(",").filter((w) => w !== "");
  const chosen = only.length === 0
    ? workloads
    : workloads.filter((w) => only.some((o) => w.title.includes(o)));

  const rows: (string | number)[][] = [];
  const main = `${ctx.root}/main.ts`;
  try {
    for (const w of chosen) {
      const timed = (label: string, cmd: string, args: string[]) =>
        best(ctx, `${w.title}, ${label}`, async () => {
          const check = await w.reset();
          const m = await measure(cmd, args);
          await check();
          return m;
        });
      const nncp = await timed("NNCP", w.nncp[0]!, w.nncp.slice(1));
      const ferry = await timed("ferry", ctx.deno, ["run", "-A", "--quiet", main, ...w.ferry]);
      const flagged = await timed(
        "ferry with V8 flags",
        ctx.deno,
        ["run", "-A", "--quiet", FERRY_V8_FLAGS, main, ...w.ferry],
      );
      for (const [label, m] of [["ferry", ferry], ["ferry + V8 flags", flagged]] as const) {
        const ratio = m.seconds / nncp.seconds;
        const rssOk = w.rssBarMiB === undefined || m.maxRssKiB / 1024 <= w.rssBarMiB;
        rows.push([
          w.title,
          label,
          nncp.seconds.toFixed(2),
          m.seconds.toFixed(2),
          ratio.toFixed(2),
          `${ratio <= w.bar ? "yes" : "NO"} (${w.bar}×)`,
          mib(nncp.maxRssKiB),
          mib(m.maxRssKiB) +
          (w.rssBarMiB === undefined ? "" : ` (${rssOk ? "≤" : "NOT ≤"} ${w.rssBarMiB})`),
        ]);
      }
    }
  } finally {
    if (loop) await sh("umount", ["-l", stick]).catch(() => {});
  }
  const startup = await measure(ctx.deno, ["run", "-A", "--quiet", main, "-c", bob.cfg, "stat"]);
  return [{
    title: "node: `ferry toss` / `ferry xfer` vs `nncp-toss` / `nncp-xfer` on identical spools",
    columns: [
      "workload",
      "run as",
      "NNCP s",
      "ferry s",
      "ferry/NNCP",
      "within bar",
      "NNCP peak RSS MiB",
      "ferry peak RSS MiB",
    ],
    rows,
    notes: [
      `Best of ${ctx.quick ? 1 : REPEATS} runs each. Times include start-up: a trivial ferry ` +
      `command takes ${startup.seconds.toFixed(2)} s and ${mib(startup.maxRssKiB)} MiB here. ` +
      `V8 flags: \`${FERRY_V8_FLAGS}\`.`,
      "Both tosses leave seen/ markers (nncp-toss -seen, ferry's default) and fsync each file, " +
      "its folder and the seen/ folder: 3 fsyncs per packet each (strace). ferry makes the small " +
      "file steps as direct system calls and tosses two file packets at a time with their fsyncs " +
      "on Deno's thread pool, so one packet is decrypted while the other waits for the disk and " +
      "the two fsyncs share a journal commit; nncp-toss reads the next headers on a second " +
      "goroutine. The V8 flags keep the heap small.",
      "nncp-xfer -tx copies and fsyncs. ferry copies inside the kernel (sendfile), fsyncs, " +
      "drops the copy's cached pages and reads it back from the device, comparing it byte for " +
      "byte with the spool copy (memcmp) before deleting that (DESIGN §7): its floor is " +
      "nncp-xfer's work plus one read of the device and Deno's start-up. Both check the id " +
      "on --rx. On a Pi's SD card or a USB stick, where writing and fsync dominate, the " +
      "ratios shrink towards 1.",
    ],
  }];
}
