/**
 * `deno task bench media_safe`: the wait between plugging a stick
 * in and being told it is safe to remove, with `ferry media --watch`
 * running. A loop ext4 image carrying 100 packets for us is mounted while
 * 100 packets wait to go out; timed from `mount` returning to the
 * `medium-safe-to-remove` line. Root only.
 * @module
 */

import type { BenchContext, BenchTable } from "./_harness.ts";
import { makeNodes, queueRandom } from "./media_xfer.ts";

const packets = 100;
const payloadBytes = 32 * 1024;
const REPEATS = 3;
const waitMs = 120_000;

async function sh(program: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`${program} ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

async function copyAll(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/** `ferry media --watch` with its standard error collected line by line. */
class Watcher {
  lines: string[] = [];
  #child: Deno.ChildProcess;
  #reading: Promise<void>;

  constructor(ctx: BenchContext, cfg: string) {
    const child = new Deno.Command(ctx.deno, {
      args: ["run", "-A", "--quiet", `${ctx.root}/main.ts`, "--config", cfg, "media", "--watch"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#reading = (async () => {
      const dec = new TextDecoder();
      let rest = "";
      for await (const chunk of child.stderr) {
        rest += dec.decode(chunk, { stream: true });
        const parts = rest.split("\n");
        rest = parts.pop() ?? "";
        this.lines.push(...parts);
      }
    })();
  }

  async waitFor(pattern: RegExp, from: number): Promise<string> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const hit = this.lines.slice(from).find((l) => pattern.test(l));
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`no ${pattern} from ferry media --watch`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async stop(): Promise<void> {
    this.#child.kill("SIGTERM");
    await this.#child.status;
    await this.#reading;
  }
}

/** Measures mount → safe to remove; `root` is a fresh folder. */
export async function mediaSafeWait(ctx: BenchContext, root: string): Promise<BenchTable> {
  await Deno.mkdir(root, { recursive: true });
  const stick = `${root}/stick`;
  // Watched by mount point: the image is filled at another mount point the watcher ignores.
  const { cfg, nodes, ids } = await makeNodes(ctx, root, (name, obj) => {
    if (name === "alice") obj.ferry = { media: { mounts: [stick] } };
  });
  ctx.say(`media_xfer: queueing ${packets} packets each way`);
  await queueRandom(nodes.bob!, "alice", packets, payloadBytes, `${root}/scratch`);
  await queueRandom(nodes.alice!, "bob", packets, payloadBytes, `${root}/scratch`);
  const aliceTx = nodes.alice!.spool.dir(ids.bob!, "tx");
  await copyAll(aliceTx, `${root}/stash-alice`);
  await copyAll(nodes.bob!.spool.dir(ids.alice!, "tx"), `${root}/stash-bob`);
  const img = `${root}/stick.img`;
  await sh("truncate", ["-s", "128M", img]);
  await sh("mkfs.ext4", ["-q", "-L", "FERRYBENCH", img]);
  const dev = (await sh("losetup", ["-f", "--show", img])).trim();
  const prep = `${root}/prep`;
  await Deno.mkdir(prep);
  await Deno.mkdir(stick);
  const watcher = new Watcher(ctx, cfg.alice!);
  const waits: number[] = [];
  const sessions: number[] = [];
  let mounted = false;
  try {
    await watcher.waitFor(/media-watch/, 0);
    for (let i = 0; i < REPEATS; i++) {
      await Deno.remove(nodes.alice!.spool.root, { recursive: true });
      await copyAll(`${root}/stash-alice`, aliceTx);
      await sh("mount", [dev, prep]);
      await sh("sh", ["-c", `rm -rf ${prep}/*`]);
      await copyAll(`${root}/stash-bob`, `${prep}/${ids.alice}/${ids.bob}`);
      await sh("umount", [prep]);
      const from = watcher.lines.length;
      await sh("mount", [dev, stick]);
      mounted = true;
      const t0 = performance.now();
      const line = await watcher.waitFor(/medium-safe-to-remove/, from);
      waits.push((performance.now() - t0) / 1000);
      sessions.push(Number(/seconds=([\d.]+)/.exec(line)?.[1] ?? NaN));
      if (!/imported=100 /.test(line) || !/exported=100 /.test(line)) {
        throw new Error(`the session did not move 100 packets each way: ${line}`);
      }
      ctx.say(`media_xfer: mount to safe ${waits.at(-1)!.toFixed(2)} s`);
      await sh("umount", [stick]);
      mounted = false;
      await watcher.waitFor(/medium-removed/, from);
    }
  } finally {
    await watcher.stop();
    if (mounted) await sh("umount", [stick]).catch(() => {});
    await sh("losetup", ["-d", dev]).catch(() => {});
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    title: `Mount to "safe to remove": ${packets} packets in and ${packets} out (ext4 loop image)`,
    columns: ["what", "median (s)", "best (s)"],
    rows: [
      [
        "mount → medium-safe-to-remove line",
        median(waits).toFixed(2),
        Math.min(...waits).toFixed(2),
      ],
      [
        "the session itself (its seconds= field)",
        median(sessions).toFixed(1),
        Math.min(...sessions).toFixed(1),
      ],
    ],
    notes: [
      `${REPEATS} insertions; ${payloadBytes / 1024} KiB payloads. The first row includes ` +
      "noticing the mount (the watcher polls every 500 ms) and two filesystem flushes.",
    ],
  };
}
