/**
 * `deno task bench reass`: reassembling a chunked file, `ferry reass`
 * against `nncp-reass` on the same chunks. The file is 1 GiB in 256 chunks
 * of 4 MiB (quick: 64 MiB in 16), random bytes, with its meta made like
 * NNCP's (the MTH of each chunk); the first run of each tool is checked
 * byte for byte against the chunks. Each run gets fresh hard links to the
 * chunks (both tools remove them), starts after a `sync` (so no run pays
 * for writing back the previous one's output), and its output is deleted
 * afterwards; the runs alternate and the best of three counts. Both are full processes
 * (start-up included) under `/usr/bin/time -v`; ferry with the V8 flags it
 * is installed with (`--expose-gc,--max-semi-space-size=1`).
 *
 * Bars: ferry at most 1.5× nncp-reass's time; ferry's peak RSS at most 96 MiB.
 * @module
 */

import { type BenchContext, type BenchTable, measure, mib } from "./_harness.ts";
import { encodeChunkedMeta, Mth } from "../../src/packet/mod.ts";
import { makeNodes } from "./media_xfer.ts";
import { FERRY_V8_FLAGS } from "./packet.ts";

const MiB = 1024 * 1024;
const REPEATS = 3;
/** The bars. */
const timeRatioMax = 1.5;
const rssMiBMax = 96;

/** Writes `count` chunks of `chunkBytes` random bytes and their meta under `dir`. */
async function makeChunks(dir: string, name: string, count: number, chunkBytes: number) {
  await Deno.mkdir(dir, { recursive: true });
  const block = new Uint8Array(MiB);
  const checksums: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const mth = await Mth.create();
    using file = await Deno.open(`${dir}/${name}.nncp.chunk${i}`, {
      write: true,
      create: true,
      truncate: true,
    });
    for (let done = 0; done < chunkBytes; done += block.length) {
      for (let j = 0; j < block.length; j += 65536) {
        crypto.getRandomValues(block.subarray(j, j + 65536));
      }
      mth.update(block);
      for (let w = 0; w < block.length;) w += await file.write(block.subarray(w));
    }
    checksums.push(mth.digest());
  }
  const meta = encodeChunkedMeta({
    fileSize: count * chunkBytes,
    chunkSize: chunkBytes,
    checksums,
  });
  await Deno.writeFile(`${dir}/${name}.nncp.meta`, meta);
}

/** Throws unless `path` holds exactly the chunks of `dir`, in order. */
async function sameAsChunks(
  path: string,
  dir: string,
  name: string,
  count: number,
  tool: string,
): Promise<void> {
  using file = await Deno.open(path, { read: true });
  for (let i = 0; i < count; i++) {
    const chunk = await Deno.readFile(`${dir}/${name}.nncp.chunk${i}`);
    const got = new Uint8Array(chunk.length);
    for (let n = 0; n < got.length;) {
      const r = await file.read(got.subarray(n));
      if (r === null) throw new Error(`${tool}'s file ends inside chunk ${i}`);
      n += r;
    }
    if (got.some((b, j) => b !== chunk[j])) throw new Error(`${tool}'s file differs in chunk ${i}`);
  }
}

/** A folder holding fresh hard links to the chunks and the meta of `from`. */
async function linkCopy(from: string, to: string): Promise<void> {
  await Deno.remove(to, { recursive: true }).catch(() => {});
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isFile) await Deno.link(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/** Runs the section. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const count = ctx.quick ? 16 : 256;
  const chunkBytes = 4 * MiB;
  const root = `${ctx.dir}/reass`;
  const { cfg } = await makeNodes(ctx, root);
  const source = `${root}/chunks`;
  ctx.say(`reass: writing ${count} chunks of ${chunkBytes / MiB} MiB`);
  await makeChunks(source, "big.bin", count, chunkBytes);
  const work = `${root}/work`;
  const best = {
    ferry: { s: Infinity, cpu: Infinity, rss: 0 },
    nncp: { s: Infinity, cpu: Infinity, rss: 0 },
  };
  for (let i = 0; i < REPEATS; i++) {
    for (const tool of ["nncp", "ferry"] as const) {
      await linkCopy(source, work);
      // Start each run with nothing dirty waiting to be written back, or the
      // run pays for the previous one's writes.
      await new Deno.Command("sync").output();
      const meta = `${work}/big.bin.nncp.meta`;
      const m = tool === "ferry"
        ? await measure(ctx.deno, [
          "run",
          "-A",
          "--quiet",
          FERRY_V8_FLAGS,
          `${ctx.root}/main.ts`,
          "-c",
          cfg.alice!,
          "reass",
          meta,
        ])
        : await measure("nncp-reass", ["-cfg", cfg.alice!, "-quiet", "-noprogress", meta]);
      const size = (await Deno.stat(`${work}/big.bin`)).size;
      if (size !== count * chunkBytes) throw new Error(`${tool} made ${size} bytes`);
      if (i === 0) await sameAsChunks(`${work}/big.bin`, source, "big.bin", count, tool);
      await Deno.remove(`${work}/big.bin`);
      ctx.say(
        `reass: ${tool}: ${m.seconds.toFixed(3)} s, CPU ${m.cpuSeconds.toFixed(2)} s, ` +
          `${mib(m.maxRssKiB)} MiB`,
      );
      if (m.seconds < best[tool].s) best[tool].s = m.seconds;
      if (m.cpuSeconds < best[tool].cpu) best[tool].cpu = m.cpuSeconds;
      best[tool].rss = Math.max(best[tool].rss, m.maxRssKiB);
    }
  }
  await Deno.remove(root, { recursive: true });
  const ratio = best.ferry.s / best.nncp.s;
  const gib = (count * chunkBytes) / (1024 * MiB);
  const mbps = (s: number) => ((count * chunkBytes) / MiB / s).toFixed(0);
  return [{
    title: `Reassembly: ${gib >= 1 ? `${gib} GiB` : `${count * chunkBytes / MiB} MiB`} ` +
      `from ${count} chunks (best of ${REPEATS})`,
    columns: ["tool", "seconds", "MiB/s", "CPU s", "peak RSS MiB", "time vs nncp-reass"],
    rows: [
      [
        "nncp-reass",
        best.nncp.s.toFixed(2),
        mbps(best.nncp.s),
        best.nncp.cpu.toFixed(2),
        mib(best.nncp.rss),
        "1.00×",
      ],
      [
        "ferry reass",
        best.ferry.s.toFixed(2),
        mbps(best.ferry.s),
        best.ferry.cpu.toFixed(2),
        mib(best.ferry.rss),
        `${ratio.toFixed(2)}×`,
      ],
    ],
    notes: [
      `Bars: time at most ${timeRatioMax}× nncp-reass (${
        ratio <= timeRatioMax ? "met" : "missed"
      }), ` +
      `peak RSS at most ${rssMiBMax} MiB (${
        best.ferry.rss / 1024 <= rssMiBMax ? "met" : "missed"
      }). nncp-reass reads every chunk twice (check, then copy) and writes through the page ` +
      `cache; ferry checks while it copies and writes around the page cache (O_DIRECT). ` +
      `CPU s is user plus system time: on a busy machine it shows the work apart from the waiting.`,
    ],
  }];
}
