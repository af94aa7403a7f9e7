/**
 * `deno task bench media_xfer`: how fast packets move between a medium and
 * the spool, against what a careful person does by hand to move the same
 * bytes and know they arrived: `cp`, `sync` the copies, drop the copies'
 * cached pages (`dd iflag=nocache count=0`), and `cmp` each copy with its
 * source, so the copy is read back from the device, as ferry's export does.
 *
 * 4 packets of 64 MiB (quick: 8 MiB), 256 MiB in all, on one ext4 loop
 * image and on one tmpfs in the same run (root; a temp folder otherwise),
 * each holding the spools, the medium and the hand-made copies. Import
 * copies each packet into the spool while computing its id, and fsyncs;
 * export copies (in the kernel), fsyncs, drops the copy's cached pages and
 * reads it back from the medium, comparing it with the spool copy. Best of three runs, in this process
 * (the copy path alone) and as a `ferry xfer` process (start-up included).
 * Plain `cp` is shown for reference, and a last row times computing the
 * packet ids alone from memory: the ceiling of any copy that verifies.
 *
 * Bar: ferry's copy path at most 1.0× the careful copy's time on ext4.
 * (The wait from plugging a stick in to "safe to remove" is the section
 * `media_safe`.)
 * @module
 */

import { type BenchContext, type BenchTable, measure } from "./_harness.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { silentLogger } from "../../src/log/logger.ts";
import {
  type ConfigWithSelf,
  createNodeContext,
  type NodeContext,
} from "../../src/node/context.ts";
import { NICE } from "../../src/config/mod.ts";
import { sendFile } from "../../src/send/file.ts";
import { readBack, xfer } from "../../src/xfer/mod.ts";

const MiB = 1024 * 1024;
const REPEATS = 3;
/** The bar: ferry's time over the careful copy's. */
const barRatio = 1.0;

/** Two nodes whose files live under `root`; `edit` may change a config before it is written. */
export async function makeNodes(
  ctx: BenchContext,
  root: string,
  edit?: (name: string, cfg: Record<string, unknown>) => void,
): Promise<
  { cfg: Record<string, string>; nodes: Record<string, NodeContext>; ids: Record<string, string> }
> {
  const cfg: Record<string, string> = {};
  const nodes: Record<string, NodeContext> = {};
  const ids: Record<string, string> = {};
  for (const name of ["alice", "bob"]) {
    const text = await Deno.readTextFile(`${ctx.root}/test/vectors/nncp/cfg/${name}.hjson`);
    const obj = JSON.parse(text.replaceAll("@ROOT@", root));
    edit?.(name, obj);
    for (const sub of ["spool", "incoming"]) {
      await Deno.mkdir(`${root}/nodes/${name}/${sub}`, { recursive: true });
    }
    cfg[name] = `${root}/${name}.hjson`;
    await Deno.writeTextFile(cfg[name]!, JSON.stringify(obj), { mode: 0o600 });
    const { config } = await loadConfig(cfg[name]!);
    nodes[name] = createNodeContext(config as ConfigWithSelf, silentLogger);
    ids[name] = obj.self.id;
  }
  return { cfg, nodes, ids };
}

/** Queues `count` random files of `bytes` from `from` to `to`; answers the packet ids. */
export async function queueRandom(
  from: NodeContext,
  to: string,
  count: number,
  bytes: number,
  scratch: string,
): Promise<string[]> {
  await Deno.mkdir(scratch, { recursive: true });
  const block = new Uint8Array(Math.min(bytes, MiB));
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = `${scratch}/f${i}`;
    {
      using file = await Deno.open(path, { write: true, create: true, truncate: true });
      for (let done = 0; done < bytes; done += block.length) {
        for (let j = 0; j < block.length; j += 65536) {
          crypto.getRandomValues(block.subarray(j, j + 65536));
        }
        const n = Math.min(block.length, bytes - done);
        for (let w = 0; w < n;) w += await file.write(block.subarray(w, n));
      }
    }
    const sent = await sendFile(from, {
      src: path,
      to: from.config.neigh.get(to)!,
      nice: NICE.NORMAL,
    });
    ids.push(sent.packets[0]!.id);
    await Deno.remove(path);
  }
  return ids;
}

async function copyAll(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

async function fresh(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
}

async function bestOf(
  label: string,
  ctx: BenchContext,
  fn: () => Promise<number>,
): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    const s = await fn();
    ctx.say(`media_xfer: ${label}: ${s.toFixed(3)} s`);
    best = Math.min(best, s);
  }
  return best;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

async function throughput(
  ctx: BenchContext,
  root: string,
  where: string,
): Promise<BenchTable> {
  const packetBytes = (ctx.quick ? 8 : 64) * MiB;
  const count = 4;
  const { cfg, nodes, ids } = await makeNodes(ctx, root);
  const alice = nodes.alice!, bob = nodes.bob!;
  ctx.say(`media_xfer: queueing ${count} packets of ${packetBytes / MiB} MiB`);
  await queueRandom(alice, "bob", count, packetBytes, `${root}/scratch`);
  const tx = alice.spool.dir(ids.bob!, "tx");
  const stash = `${root}/stash`;
  await copyAll(tx, stash);
  const medium = `${root}/medium`;
  const inbox = `${medium}/${ids.bob}/${ids.alice}`;
  const files = [...Deno.readDirSync(stash)].filter((e) => e.isFile).map((e) =>
    `${stash}/${e.name}`
  );
  let total = 0;
  for (const f of files) total += (await Deno.stat(f)).size;
  // Each timed run starts, as the careful copy does, with nothing left to write back.
  const settle = () => measure("sync", ["-f", root]);
  const resetExport = async () => {
    await fresh(medium);
    await fresh(tx);
    await copyAll(stash, tx);
    await settle();
  };
  const cpDst = `${root}/cp`;
  /** cp alone: on a disk-backed mount it only fills the page cache. */
  const cp = async (from: string[]) => {
    await fresh(cpDst);
    await measure("sync", ["-f", root]);
    return (await measure("sh", ["-c", `cp "$@" ${cpDst}`, "cp", ...from])).seconds;
  };
  /** cp, sync the copies, drop their cached pages, cmp each with its source. */
  const careful = async (from: string[]) => {
    await fresh(cpDst);
    await measure("sync", ["-f", root]);
    const script = `cp "$@" ${cpDst} && sync ${cpDst}/* && for f in "$@"; do ` +
      `c=${cpDst}/$(basename "$f"); dd if="$c" iflag=nocache count=0 status=none && ` +
      `cmp "$f" "$c" || exit 1; done`;
    return (await measure("sh", ["-c", script, "careful", ...from])).seconds;
  };
  const carefulS = await bestOf("careful copy", ctx, () => careful(files));
  const cpS = await bestOf("cp", ctx, () => cp(files));
  let readBackNote: string | null = null;
  const exportS = await bestOf("export (in process)", ctx, async () => {
    await resetExport();
    return await timed(async () => {
      const summary = await xfer(alice, medium, { rx: false, tx: true, mkdir: true, keep: false });
      if (summary.sent !== count) throw new Error(`export sent ${summary.sent}, not ${count}`);
      readBackNote = summary.readBackNote;
    });
  });
  const ferryCli = (args: string[]) =>
    measure(ctx.deno, ["run", "-A", "--quiet", `${ctx.root}/main.ts`, ...args]);
  const exportProc = await bestOf("export (ferry xfer process)", ctx, async () => {
    await resetExport();
    return (await ferryCli(["--config", cfg.alice!, "xfer", "--tx", "--mkdir", medium])).seconds;
  });
  const rx = bob.spool.dir(ids.alice!, "rx");
  const importS = await bestOf("import (in process)", ctx, async () => {
    await fresh(rx);
    await settle();
    return await timed(() => xfer(bob, medium, { rx: true, tx: false, mkdir: false, keep: true }));
  });
  const importProc = await bestOf("import (ferry xfer process)", ctx, async () => {
    await fresh(rx);
    await settle();
    return (await ferryCli(["--config", cfg.bob!, "xfer", "--rx", "--keep", medium])).seconds;
  });
  const got = [...Deno.readDirSync(rx)].filter((e) => e.isFile).length;
  if (got !== count) throw new Error(`import brought ${got} packets, not ${count}`);
  const onMedium = [...Deno.readDirSync(inbox)].map((e) => `${inbox}/${e.name}`);
  const carefulInS = await bestOf("careful copy from the medium", ctx, () => careful(onMedium));
  const cpInS = await bestOf("cp from the medium", ctx, () => cp(onMedium));
  // The ceiling of any verifying copy: computing the ids alone (files already in memory).
  const hashS = await bestOf("ids alone (read back)", ctx, () =>
    timed(async () => {
      for (const f of onMedium) await readBack(f);
    }));
  const rate = (s: number) => `${(total / MiB / s).toFixed(0)} MiB/s`;
  const ratio = (s: number, base: number) => (s / base).toFixed(2);
  const pass = (s: number, base: number) => (s / base <= barRatio ? "yes" : "NO");
  const row = (what: string, s: number, base: number, bar: boolean) => [
    what,
    s.toFixed(3),
    rate(s),
    ratio(s, base),
    bar ? pass(s, base) : "",
  ];
  return {
    title: `Media transfer: ${count} × ${packetBytes / MiB} MiB packets on ${where}`,
    columns: ["what", "time (s)", "throughput", "× careful copy", `≤ ${barRatio}×`],
    rows: [
      row("careful copy spool → medium", carefulS, carefulS, false),
      row("cp alone spool → medium", cpS, carefulS, false),
      row("ferry export, copy path", exportS, carefulS, true),
      row("ferry xfer --tx, process", exportProc, carefulS, false),
      row("careful copy medium → spool", carefulInS, carefulInS, false),
      row("cp alone medium → spool", cpInS, carefulInS, false),
      row("ferry import, copy path", importS, carefulInS, true),
      row("ferry xfer --rx, process", importProc, carefulInS, false),
      row("packet ids alone (MTH, as copies hash)", hashS, carefulInS, false),
    ],
    notes: [
      "Best of three. Careful copy: `cp`, `sync` the copies, `dd iflag=nocache count=0` on " +
      "each copy (drops its cached pages), `cmp` with the source. Export copies, fsyncs, " +
      "renames, fsyncs the folder, drops the copy's cached pages and reads it back, comparing " +
      "it with the spool copy; import computes each id while copying and fsyncs. Process rows include Deno's " +
      "start-up (about 0.2 s). " +
      (readBackNote === null
        ? "ferry's read-back came from the medium (its cached pages were dropped)."
        : `ferry's read-back came from memory here: ${readBackNote}.`),
    ],
  };
}

/** Runs the media_xfer section. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const root = `${ctx.dir}/media_xfer`;
  await Deno.mkdir(root, { recursive: true });
  const isRoot = Deno.uid() === 0;
  const tables: BenchTable[] = [];
  if (!isRoot) {
    tables.push(await throughput(ctx, root, "the temp folder (not root: no mounts)"));
  } else {
    const sizeMiB = ctx.quick ? 256 : 1536;
    const img = `${ctx.dir}/media_xfer.img`;
    await runMount(["-s", `${sizeMiB}M`, img], "truncate");
    await runMount(["-q", img], "mkfs.ext4");
    await runMount(["-o", "loop", img, root]);
    try {
      tables.push(await throughput(ctx, root, "one ext4 loop image on the disk"));
    } finally {
      await runMount(["-l", root], "umount");
      await Deno.remove(img);
    }
    await runMount(["-t", "tmpfs", "-o", `size=${sizeMiB}m`, "none", root]);
    try {
      tables.push(await throughput(ctx, root, "one tmpfs"));
    } finally {
      await runMount(["-l", root], "umount");
    }
  }
  return tables;
}

async function runMount(args: string[], program = "mount"): Promise<void> {
  const out = await new Deno.Command(program, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${program} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}
