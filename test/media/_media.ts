/**
 * Helpers of the media session tests: nodes opened in this process (their
 * logs kept in memory), packets queued from seeded random files, checks of
 * packet folders, and `ferry media` run as a real subprocess whose log lines
 * the test can wait for.
 * @module
 */

import {
  type ConfigWithSelf,
  createNodeContext,
  type NodeContext,
} from "../../src/node/context.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { createLogger } from "../../src/log/logger.ts";
import { sendFile } from "../../src/send/file.ts";
import { idOfFile } from "../../src/xfer/mod.ts";
import { toss } from "../../src/toss/mod.ts";
import { NICE } from "../../src/config/mod.ts";
import { REPO_ROOT } from "../helpers.ts";
import { IDS } from "../nodes.ts";

/** A node opened in this process, with every log line it wrote. */
export interface OpenNode {
  ctx: NodeContext;
  lines: string[];
}

/** Loads `cfg` and builds its context; log lines (debug and up) go to `lines`. */
export async function openNode(cfg: string): Promise<OpenNode> {
  const { config } = await loadConfig(cfg);
  const lines: string[] = [];
  const log = createLogger({ level: "debug", journald: false, sink: (l) => void lines.push(l) });
  return { ctx: createNodeContext(config as ConfigWithSelf, log), lines };
}

/** A small seeded generator (mulberry32): the same seed gives the same numbers. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes from the seeded generator (cheap: one word per 4 bytes). */
export function seededBytes(random: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let i = 0;
  for (; i + 4 <= length; i += 4) view.setUint32(i, random() * 2 ** 32);
  for (; i < length; i++) out[i] = random() * 256;
  return out;
}

/** One file queued for a neighbour. */
export interface QueuedFile {
  id: string;
  name: string;
  content: Uint8Array;
}

/** Writes `count` seeded files of `bytes` each under `scratch` and queues them for `to`. */
export async function queueFiles(
  from: NodeContext,
  to: string,
  count: number,
  bytes: number,
  scratch: string,
  seed = 1,
): Promise<QueuedFile[]> {
  const random = seeded(seed);
  const node = from.config.neigh.get(to);
  if (!node) throw new RangeError(`no neighbour ${to}`);
  await Deno.mkdir(scratch, { recursive: true });
  const out: QueuedFile[] = [];
  for (let i = 0; i < count; i++) {
    const name = `f${seed}-${i}.bin`;
    const content = seededBytes(random, bytes);
    await Deno.writeFile(`${scratch}/${name}`, content);
    const sent = await sendFile(from, { src: `${scratch}/${name}`, to: node, nice: NICE.NORMAL });
    out.push({ id: sent.packets[0]!.id, name, content });
  }
  return out;
}

/** Names of the packet-named files in `dir` (sorted; empty when missing). */
export async function packetsIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && /^[A-Z2-7]{52}$/.test(e.name)) out.push(e.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort();
}

/** Every name in `dir` (sorted; empty when missing). */
export async function namesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) out.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort();
}

/** Throws unless every packet-named file in `dir` hashes to its name. */
export async function assertIdsMatch(dir: string): Promise<void> {
  for (const id of await packetsIn(dir)) {
    const got = await idOfFile(`${dir}/${id}`);
    if (got !== id) throw new Error(`${dir}/${id} is damaged: its bytes hash to ${got}`);
  }
}

/** The medium folder for packets from `sender` to `recipient`. */
export function mediumDir(
  medium: string,
  recipient: keyof typeof IDS,
  sender: keyof typeof IDS,
): string {
  return `${medium}/${IDS[recipient]}/${IDS[sender]}`;
}

/** The spool queue of `node` for `peer`. */
export function queueDir(node: NodeContext, peer: keyof typeof IDS, xx: "rx" | "tx"): string {
  return node.spool.dir(IDS[peer], xx);
}

/** Tosses everything in `node`'s rx (seen markers on, as ferry's default). */
export async function tossAll(node: NodeContext): Promise<number> {
  const summary = await toss(node, { seen: true, execTimeoutMs: 10_000 });
  return summary.tossed;
}

/** `ferry` run as a long-lived subprocess whose standard error lines are collected. */
export class FerryProcess {
  readonly lines: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #done: Promise<void>;

  constructor(args: string[]) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, ...args],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#done = this.#collect();
  }

  /** Process id. */
  get pid(): number {
    return this.#child.pid;
  }

  async #collect(): Promise<void> {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of this.#child.stderr) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      this.lines.push(...parts);
    }
    if (rest) this.lines.push(rest);
  }

  /** Waits until a line matches `pattern` (from line `from` on); throws after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find((l) => pattern.test(l));
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) {
        throw new Error(`no log line matched ${pattern} in ${timeoutMs} ms:\n${this.text()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** All lines so far, as text. */
  text(): string {
    return this.lines.join("\n");
  }

  /** Sends `signal` and waits for the exit; SIGKILL when it takes over 10 s. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill(signal);
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }, 10_000);
    try {
      const status = await this.#child.status;
      await this.#done;
      return status;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for the process to exit by itself. */
  async exit(): Promise<Deno.CommandStatus> {
    const status = await this.#child.status;
    await this.#done;
    return status;
  }
}
