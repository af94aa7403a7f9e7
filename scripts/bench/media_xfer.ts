/**
 * `deno task bench media_xfer`: how fast packets move between a medium and
 * the spool, against `cp` of the same bytes on the same mount, and how long
 * a person waits between plugging a stick in and being told it is safe to
 * pull it out.
 *
 * Throughput: 4 packets of 64 MiB (quick: 8 MiB) on one tmpfs that holds
 * the spools, the medium and cp's copies (a temp folder when not root).
 * Import copies each packet into the spool while computing its id; export
 * copies, fsyncs and then reads each packet back from the medium to check
 * its id. cp does neither. Best of three runs, in this process (the copy
 * path alone) and as a `ferry xfer` process (start-up included). A last
 * row times computing the packet ids alone from memory: the ceiling of any
 * copy that verifies.
 *
 * Mount to safe: `ferry media --watch` runs; a prepared ext4 loop image
 * carrying 100 packets for us is mounted while 100 packets wait to go out;
 * the time is from `mount` returning to the `medium-safe-to-remove` line
 * (it includes up to one poll interval of the watcher). Root only.
 *
 * Bar: ferry at least 0.8× cp's throughput for import and for export.
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
import { mediaSafeWait } from "./_media_safe.ts";

const MiB = 1024 * 1024;
const REPEATS = 3;
/** The bar: ferry's throughput over cp's. */
const barRatio = 0.8;

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
  flushed: boolean,
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
  const resetExport = async () => {
    await fresh(medium);
    await fresh(tx);
    await copyAll(stash, tx);
  };
  const exportS = await bestOf("export (in process)", ctx, async () => {
    await resetExport();
    return await timed(() =>
      xfer(alice, medium, { rx: false, tx: true, mkdir: true, keep: false })
    );
  });
  const ferryCli = (args: string[]) =>
    measure(ctx.deno, ["run", "-A", "--quiet", `${ctx.root}/main.ts`, ...args]);
  const exportProc = await bestOf("export (ferry xfer process)", ctx, async () => {
    await resetExport();
    return (await ferryCli(["--config", cfg.alice!, "xfer", "--tx", "--mkdir", medium])).seconds;
  });
  const cpDst = `${root}/cp`;
  /** cp, and with `flushed` also `sync FILES` (fsync of each copy): its bytes reach the device, as ferry's do. */
  const cp = async (from: string[]) => {
    await fresh(cpDst);
    await measure("sync", ["-f", root]);
    const script = `cp "$@" ${cpDst}${flushed ? ` && sync ${cpDst}/*` : ""}`;
    return (await measure("sh", ["-c", script, "cp", ...from])).seconds;
  };
  const cpS = await bestOf("cp", ctx, () => cp(files));
  const rx = bob.spool.dir(ids.alice!, "rx");
  const importS = await bestOf("import (in process)", ctx, async () => {
    await fresh(rx);
    return await timed(() => xfer(bob, medium, { rx: true, tx: false, mkdir: false, keep: true }));
  });
  const importProc = await bestOf("import (ferry xfer process)", ctx, async () => {
    await fresh(rx);
    return (await ferryCli(["--config", cfg.bob!, "xfer", "--rx", "--keep", medium])).seconds;
  });
  const got = [...Deno.readDirSync(rx)].filter((e) => e.isFile).length;
  if (got !== count) throw new Error(`import brought ${got} packets, not ${count}`);
  const onMedium = [...Deno.readDirSync(inbox)].map((e) => `${inbox}/${e.name}`);
  const cpInS = await bestOf("cp from the medium", ctx, () => cp(onMedium));
  const cpName = flushed ? "cp && sync FILES" : "cp";
  // The ceiling of any verifying copy: computing the ids alone (files already in memory).
  const hashS = await bestOf("ids alone (read back)", ctx, () =>
    timed(async () => {
      for (const f of onMedium) await readBack(f);
    }));
  const rate = (s: number) => `${(total / MiB / s).toFixed(0)} MiB/s`;
  const ratio = (s: number, base: number) => (base / s).toFixed(2);
  const pass = (s: number, base: number) => (base / s >= barRatio ? "yes" : "NO");
  return {
    title: `Media transfer throughput: ${count} × ${packetBytes / MiB} MiB packets on ${where}`,
    columns: ["what", "time (s)", "throughput", "× cp", `≥ ${barRatio}× cp`],
    rows: [
      [`${cpName} spool → medium`, cpS.toFixed(3), rate(cpS), "1.00", ""],
      [
        "ferry export, copy path",
        exportS.toFixed(3),
        rate(exportS),
        ratio(exportS, cpS),
        pass(exportS, cpS),
      ],
      [
        "ferry xfer --tx, process",
        exportProc.toFixed(3),
        rate(exportProc),
        ratio(exportProc, cpS),
        "",
      ],
      [`${cpName} medium → spool`, cpInS.toFixed(3), rate(cpInS), "1.00", ""],
      [
        "ferry import, copy path",
        importS.toFixed(3),
        rate(importS),
        ratio(importS, cpInS),
        pass(importS, cpInS),
      ],
      [
        "ferry xfer --rx, process",
        importProc.toFixed(3),
        rate(importProc),
        ratio(importProc, cpInS),
        "",
      ],
      [
        "packet ids alone (MTH, both cores)",
        hashS.toFixed(3),
        rate(hashS),
        ratio(hashS, cpInS),
        "",
      ],
    ],
    notes: [
      "Best of three. Export copies, fsyncs, renames, fsyncs the folder and reads every packet " +
      "back from the medium to check its id; import computes each id while copying and fsyncs. " +
      `${cpName} does neither. Process rows include Deno's start-up (about 0.2 s).` +
      (flushed
        ? " On a disk-backed mount cp alone only fills the page cache; sync FILES fsyncs " +
          "each copy, as ferry does before a packet leaves the spool or the medium."
        : " On tmpfs a flush costs nothing: this is the CPU cost of verifying."),
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
    tables.push(await throughput(ctx, root, "the temp folder (not root: no mounts)", true));
  } else {
    const sizeMiB = ctx.quick ? 256 : 1536;
    await runMount(["-t", "tmpfs", "-o", `size=${sizeMiB}m`, "none", root]);
    try {
      tables.push(await throughput(ctx, root, "one tmpfs", false));
    } finally {
      await runMount(["-l", root], "umount");
    }
    const img = `${ctx.dir}/media_xfer.img`;
    await runMount(["-s", `${sizeMiB}M`, img], "truncate");
    await runMount(["-q", img], "mkfs.ext4");
    await runMount(["-o", "loop", img, root]);
    try {
      tables.push(await throughput(ctx, root, "one ext4 loop image on the disk", true));
    } finally {
      await runMount(["-l", root], "umount");
      await Deno.remove(img);
    }
  }
  if (isRoot) tables.push(await mediaSafeWait(ctx, `${ctx.dir}/media_safe`));
  else {
    tables.push({
      title: "Mount to safe to remove",
      columns: ["what", "value"],
      rows: [["not measured", "needs root to mount a loop image"]],
    });
  }
  return tables;
}

async function runMount(args: string[], program = "mount"): Promise<void> {
  const out = await new Deno.Command(program, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${program} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}
