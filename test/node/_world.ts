/**
 * A throw-away network of the three vector nodes (alice, bob, carol) for
 * node-level tests: their configs and folders, a medium folder, and ways to
 * drive each node with ferry (as a subprocess or in-process) or with the
 * real nncp-* programs on the very same config and spool.
 * @module
 */

import { loadConfig } from "../../src/config/mod.ts";
import { createLogger } from "../../src/log/logger.ts";
import {
  type ConfigWithSelf,
  createNodeContext,
  type NodeContext,
} from "../../src/node/context.ts";
import { ferry, REPO_ROOT, run, type RunResult, withTempDir } from "../helpers.ts";
import { IDS, setupNodes, type TestNode } from "../nodes.ts";

export { IDS };
export type { TestNode };

/** The nodes and a medium folder under one temporary root. */
export interface World {
  root: string;
  media: string;
  alice: TestNode;
  bob: TestNode;
  carol: TestNode;
}

/** Runs `fn` with a fresh world, removed afterwards. */
export async function withWorld<T>(
  fn: (w: World) => Promise<T>,
  edit?: (name: string, cfg: Record<string, unknown>) => void,
): Promise<T> {
  return await withTempDir(async (root) => {
    const nodes = await setupNodes(root, ["alice", "bob", "carol"], edit);
    const media = `${root}/media`;
    await Deno.mkdir(media);
    return await fn({ root, media, alice: nodes.alice!, bob: nodes.bob!, carol: nodes.carol! });
  }, "ferry-node-");
}

function describe(what: string, r: RunResult): string {
  return `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

/** Runs `ferry -c NODE.cfg ARGS` and throws unless it exits 0. */
export async function ferryOk(
  node: TestNode,
  args: string[],
  stdin?: string | Uint8Array,
): Promise<RunResult> {
  const r = await ferry(["-c", node.cfg, ...args], stdin !== undefined ? { stdin } : {});
  if (r.code !== 0) throw new Error(describe(`ferry ${args.join(" ")}`, r));
  return r;
}

/** Runs `ferry -c NODE.cfg ARGS` and returns its standard output as bytes (for bundles). */
export async function ferryStdout(node: TestNode, args: string[]): Promise<Uint8Array> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, "-c", node.cfg, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    throw new Error(
      `ferry ${args.join(" ")} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return out.stdout;
}

/** Runs `ferry -c NODE.cfg ARGS` whatever its exit code. */
export function ferryRun(
  node: TestNode,
  args: string[],
  stdin?: string | Uint8Array,
): Promise<RunResult> {
  return ferry(["-c", node.cfg, ...args], stdin !== undefined ? { stdin } : {});
}

/** Runs the NNCP program `nncp-PROG -cfg NODE.cfg ARGS` and throws unless it exits 0. */
export async function nncp(
  prog: string,
  node: TestNode,
  args: string[],
  stdin?: string | Uint8Array,
): Promise<RunResult> {
  const r = await run(
    `nncp-${prog}`,
    ["-cfg", node.cfg, ...args],
    stdin !== undefined ? { stdin } : {},
  );
  if (r.code !== 0) throw new Error(describe(`nncp-${prog} ${args.join(" ")}`, r));
  return r;
}

/** An in-process node context of `node`, logging into `lines`. */
export async function nodeContext(
  node: TestNode,
): Promise<{ ctx: NodeContext; lines: string[] }> {
  const { config } = await loadConfig(node.cfg);
  const lines: string[] = [];
  const log = createLogger({ level: "debug", sink: (line) => void lines.push(line) });
  return { ctx: createNodeContext(config as ConfigWithSelf, log), lines };
}

/** Packet files (52-character ids) directly in `dir`, sorted; empty when it is missing. */
export async function packetsIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && /^[A-Z2-7]{52}$/.test(e.name)) names.push(e.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names.sort();
}

/** Every name in `dir` (files, folders, hidden ones), sorted; empty when it is missing. */
export async function namesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) names.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names.sort();
}

/** `SPOOL/<other>/<rx|tx>` of `node`. */
export function queueDir(node: TestNode, other: keyof typeof IDS, xx: "rx" | "tx"): string {
  return `${node.spool}/${IDS[other]}/${xx}`;
}

/** The medium folder for packets from `sender` to `recipient`: MEDIA/RECIPIENT/SENDER. */
export function mediaDir(w: World, recipient: keyof typeof IDS, sender: keyof typeof IDS): string {
  return `${w.media}/${IDS[recipient]}/${IDS[sender]}`;
}

/** Deterministic pseudo-random bytes (xorshift), so payloads differ without a source of entropy. */
export function patternBytes(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** True when `a` and `b` hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Moves every packet `from` queued for `to` straight into `to`'s rx folder
 * for `from`, as a medium would (no hdr/ files: the spool writes them).
 */
export async function handOver(w: World, from: keyof typeof IDS, to: keyof typeof IDS) {
  const src = queueDir(w[from], to, "tx");
  const dst = queueDir(w[to], from, "rx");
  await Deno.mkdir(dst, { recursive: true });
  for (const id of await packetsIn(src)) await Deno.rename(`${src}/${id}`, `${dst}/${id}`);
}
