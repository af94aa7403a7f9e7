/**
 * Pieces of the crash tests: a seeded random source, per-trial copies of a
 * node (config, spool, incoming) made with hard links so a trial costs
 * almost nothing to set up, and a ferry subprocess killed with SIGKILL after
 * a chosen delay.
 * @module
 */

import { loadConfig } from "../../src/config/mod.ts";
import { createLogger } from "../../src/log/logger.ts";
import {
  type ConfigWithSelf,
  createNodeContext,
  type NodeContext,
} from "../../src/node/context.ts";
import { sendExec } from "../../src/send/exec.ts";
import { sendFile } from "../../src/send/file.ts";
import { REPO_ROOT } from "../helpers.ts";
import { IDS, nodeContext, packetsIn, patternBytes, type TestNode, type World } from "./_world.ts";

const MiB = 1024 * 1024;

/** Seed of the kill delays: FERRY_CRASH_SEED, or a fixed default so runs repeat. */
export const crashSeed = Number(Deno.env.get("FERRY_CRASH_SEED") ?? "20261125");

/** A deterministic random source in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One trial's copy of a node: its own config whose folders all live under `dir`. */
export interface TrialNode {
  dir: string;
  cfg: string;
  spool: string;
  incoming: string;
}

/** Makes a copy of `node` under `dir`: every path of its config is moved there. */
export async function trialNode(node: TestNode, dir: string): Promise<TrialNode> {
  const text = (await Deno.readTextFile(node.cfg)).replaceAll(node.dir, dir);
  await Deno.mkdir(`${dir}/incoming`, { recursive: true });
  await Deno.mkdir(`${dir}/spool`, { recursive: true });
  const cfg = `${dir}/node.hjson`;
  await Deno.writeTextFile(cfg, text, { mode: 0o600 });
  return { dir, cfg, spool: `${dir}/spool`, incoming: `${dir}/incoming` };
}

/** Hard-links every file of `from` into `to` (created): a free copy of packets. */
export async function linkAll(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isFile) await Deno.link(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/** An in-process context for a trial node, logging into `lines`. */
export async function trialContext(
  node: TrialNode,
): Promise<{ ctx: NodeContext; lines: string[] }> {
  const { config } = await loadConfig(node.cfg);
  const lines: string[] = [];
  const log = createLogger({ level: "info", sink: (l) => void lines.push(l) });
  return { ctx: createNodeContext(config as ConfigWithSelf, log), lines };
}

/** How a ferry run ended. */
export interface KilledRun {
  /** True when SIGKILL ended it (false: it finished before the delay). */
  killed: boolean;
  code: number;
  stderr: string;
}

/**
 * Starts `ferry -c CFG ARGS` as its own process and kills it with SIGKILL
 * after `delayMs` (or never, when null). Resolves once it has gone.
 */
export async function runAndKill(
  cfg: string,
  args: string[],
  delayMs: number | null,
): Promise<KilledRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, "-c", cfg, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let killed = false;
  const timer = delayMs === null ? undefined : setTimeout(() => {
    try {
      child.kill("SIGKILL");
      killed = true;
    } catch { /* it had finished */ }
  }, delayMs);
  const errText = new Response(child.stderr).text();
  const status = await child.status;
  clearTimeout(timer);
  return {
    killed: killed && status.signal === "SIGKILL",
    code: status.code,
    stderr: await errText,
  };
}

/**
 * Runs `trial(i)` for i in [0, count) with at most `parallel` at once. After
 * a failure no new trial starts; the running ones finish before the first
 * error is thrown (so nothing writes into a folder being removed).
 */
export async function runTrials(
  count: number,
  parallel: number,
  trial: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async () => {
    while (next < count && failure === null) {
      try {
        await trial(next++);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  if (failure !== null) throw (failure as { error: unknown }).error;
}

/** What the crash tests count about where the kills landed. */
export interface KillStats {
  trials: number;
  /** Kills that left some of the work done and some not (mid-run). */
  midWork: number;
  /** Runs that finished before their kill came. */
  finished: number;
}

/**
 * The packets every trial starts from, made once: alice's queue for bob with
 * files of some MiB (two of them under the same name) and an exec.
 */
export interface Template {
  /** alice's `tx/` folder for bob (packet files and hdr/). */
  dir: string;
  ids: string[];
  sizes: Map<string, number>;
  /** Files each name in incoming must end up holding (`same.txt` twice: two packets). */
  files: { name: string; bytes: Uint8Array }[];
  execBody: string;
}

/** Queues the template packets at alice (in-process). */
export async function makeTemplate(w: World): Promise<Template> {
  const { ctx } = await nodeContext(w.alice);
  const bob = ctx.config.neigh.get("bob")!;
  const files = [
    { name: "big-a.bin", bytes: patternBytes(12 * MiB, 21) },
    { name: "big-b.bin", bytes: patternBytes(8 * MiB, 22) },
    { name: "same.txt", bytes: patternBytes(3 * MiB, 23) },
    { name: "same.txt", bytes: patternBytes(1 * MiB, 24) },
    { name: "small.txt", bytes: new TextEncoder().encode("small\n") },
  ];
  for (const [i, f] of files.entries()) {
    await Deno.writeFile(`${w.root}/src-${i}`, f.bytes);
    await sendFile(ctx, { src: `${w.root}/src-${i}`, to: bob, dst: f.name, nice: 96 });
  }
  const execBody = "exec body that must arrive\n";
  await sendExec(ctx, {
    to: bob,
    handle: "appender",
    args: ["crash"],
    body: new TextEncoder().encode(execBody),
    nice: 96,
    replyNice: 96,
    compress: true,
  });
  const dir = `${w.alice.spool}/${IDS.bob}/tx`;
  const ids = await packetsIn(dir);
  const sizes = new Map<string, number>();
  for (const id of ids) sizes.set(id, (await Deno.stat(`${dir}/${id}`)).size);
  return { dir, ids, sizes, files, execBody };
}
