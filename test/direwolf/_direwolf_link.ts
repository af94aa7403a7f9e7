/**
 * `ferry link` between two nodes (alice, bob) over a {@linkcode DirewolfPair}:
 * queues files both ways with `ferry file`, runs one `ferry link --modem
 * kiss --callsign ...` process per side on the Dire Wolf KISS ptys, and
 * reports what each side said when it finished, when the largest file
 * arrived, and whether every file was tossed exactly once and intact.
 * The command line is the KISS example of `ferry link --help` (with the
 * pty as port, each side's own SSID, a deadline and status interval).
 * Used by the Dire Wolf test and the `direwolf` benchmark section.
 * @module
 */

import { REPO_ROOT } from "../helpers.ts";
import { filesIn, setupNodes } from "../nodes.ts";
import { DirewolfPair, type RelayStats } from "./_direwolf_pair.ts";

/** One file to send. */
export interface LinkFile {
  from: "alice" | "bob";
  name: string;
  bytes: Uint8Array;
  /** NNCP niceness (`F` flash ... `B` bulk); urgent messages use `F`. */
  nice?: string;
}

/** The `link-done` fields of one side, numbers parsed. */
export type LinkDone = Record<string, string>;

/** What a run produced. */
export interface DirewolfLinkResult {
  codes: Record<"alice" | "bob", number>;
  done: Record<"alice" | "bob", LinkDone | null>;
  /** Seconds from the first session start to each file's arrival (`link-receive-done`). */
  arrivedSec: number[];
  /** Seconds both processes ran. */
  wallSec: number;
  /** Every file tossed at its receiver, intact, exactly once (names listed if not). */
  problems: string[];
  relay: RelayStats;
  stderr: Record<"alice" | "bob", string>;
  direwolfLogs: Record<"a" | "b", string>;
}

async function ferryOk(args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`ferry ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Parses `key=value` pairs of the last line containing `event`. */
export function lastEvent(text: string, event: string): LinkDone | null {
  const line = text.split("\n").filter((l) => l.includes(` ${event} `) || l.endsWith(event)).at(-1);
  if (!line) return null;
  const out: LinkDone = {};
  for (const m of line.matchAll(/([A-Za-z]+)=("[^"]*"|\S+)/g)) {
    out[m[1]!] = m[2]!.replace(/^"|"$/g, "");
  }
  return out;
}

/** Runs one link session between alice and bob over two Dire Wolf modems. */
export async function runDirewolfLink(
  root: string,
  files: LinkFile[],
  options: { noiseSigma?: number; seed?: number; maxSec?: number; debug?: boolean } = {},
): Promise<DirewolfLinkResult> {
  const nodes = await setupNodes(root, ["alice", "bob"]);
  for (const f of files) {
    const path = `${root}/out-${f.from}-${f.name}`;
    await Deno.writeFile(path, f.bytes);
    const to = f.from === "alice" ? "bob" : "alice";
    await ferryOk([
      "--config",
      nodes[f.from]!.cfg,
      "file",
      ...(f.nice ? ["--nice", f.nice] : []),
      path,
      `${to}:${f.name}`,
    ]);
  }
  const pair = await DirewolfPair.start({
    dir: `${root}/direwolf`,
    keep: true,
    ...(options.noiseSigma !== undefined ? { noiseSigma: options.noiseSigma } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  const arrivedSec: number[] = [];
  const stderr = { alice: "", bob: "" };
  let startedAt: number | null = null;
  const t0 = performance.now();
  const children: Deno.ChildProcess[] = [];
  try {
    const spawn = (who: "alice" | "bob") => {
      const peer = who === "alice" ? "bob" : "alice";
      const side = who === "alice" ? pair.sides.a : pair.sides.b;
      return new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--quiet",
          `${REPO_ROOT}/main.ts`,
          "--config",
          nodes[who]!.cfg,
          "link",
          "--node",
          peer,
          "--port",
          side.pty,
          "--modem",
          "kiss",
          "--callsign",
          who === "alice" ? "N0CALL-1" : "N0CALL-2",
          "--bit-rate",
          "1200",
          "--duty-cycle",
          "10",
          "--max-sec",
          String(options.maxSec ?? 900),
          "--status-sec",
          "30",
        ],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
        ...(options.debug ? { env: { FERRY_DEBUG: "1" } } : {}),
      }).spawn();
    };
    const read = async (who: "alice" | "bob", child: Deno.ChildProcess) => {
      const decoder = new TextDecoder();
      let partial = "";
      for await (const chunk of child.stderr) {
        const text = decoder.decode(chunk, { stream: true });
        stderr[who] += text;
        if (options.debug) {
          const at = ((performance.now() - t0) / 1000).toFixed(2);
          const stamped = text.split("\n").map((l) => (l ? `${at} ${l}` : l)).join("\n");
          await Deno.writeTextFile(`${root}/ferry-${who}.log`, stamped, { append: true });
        }
        partial += text;
        const lines = partial.split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          if (line.includes("link-session-start")) startedAt ??= performance.now();
          if (line.includes("link-receive-done")) {
            arrivedSec.push((performance.now() - (startedAt ?? t0)) / 1000);
          }
        }
      }
      return (await child.status).code;
    };
    const a = spawn("alice"), b = spawn("bob");
    children.push(a, b);
    const [ca, cb] = await Promise.all([read("alice", a), read("bob", b)]);
    const wallSec = (performance.now() - t0) / 1000;
    // Toss both sides and check every file arrived once, intact.
    const problems: string[] = [];
    for (const who of ["alice", "bob"] as const) {
      await ferryOk(["--config", nodes[who]!.cfg, "toss"]);
      const expected = files.filter((f) => f.from !== who);
      const got = await filesIn(nodes[who]!.incoming);
      const want = expected.map((f) => f.name).sort();
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        problems.push(`${who} has ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      }
      for (const f of expected) {
        const bytes = await Deno.readFile(`${nodes[who]!.incoming}/${f.name}`).catch(() => null);
        if (!bytes || bytes.length !== f.bytes.length || bytes.some((v, i) => v !== f.bytes[i])) {
          problems.push(`${who}: ${f.name} missing or different`);
        }
      }
    }
    return {
      codes: { alice: ca, bob: cb },
      done: {
        alice: lastEvent(stderr.alice, "link-done"),
        bob: lastEvent(stderr.bob, "link-done"),
      },
      arrivedSec,
      wallSec,
      problems,
      relay: structuredClone(pair.stats),
      stderr,
      direwolfLogs: { a: await pair.log("a"), b: await pair.log("b") },
    };
  } finally {
    for (const child of children) {
      try {
        child.kill("SIGKILL"); // only if still running (after a failure)
      } catch { /* exited */ }
    }
    await pair.stop();
  }
}
