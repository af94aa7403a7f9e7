/**
 * Shared pieces of the release tests: building the Debian package once per
 * set of inputs (`scripts/build.sh --reuse`), and small networks of nodes made
 * the way a person makes them (`ferry init`, `nncp-cfgnew`, public keys
 * pasted into each other's `neigh` section), driven through any way of running
 * ferry (the installed `/usr/bin/ferry`, or the arm64 runtime under qemu).
 * @module
 */

import Hjson from "hjson";
import { REPO_ROOT, run, type RunResult } from "../helpers.ts";

/** Longest a package build may take, in ms (a cold build is about 20 s here). */
export const buildTimeoutMs = 10 * 60 * 1000;

/** Runs ferry with `args`; `stdin` is fed to it when given. */
export type FerryRunner = (args: string[], stdin?: string | Uint8Array) => Promise<RunResult>;

/** Builds (or reuses) `dist/ferry_<version>_<debArch>.deb` and returns its path. */
export async function buildDeb(arch: "x64" | "arm64"): Promise<string> {
  const r = await run("timeout", [
    String(Math.ceil(buildTimeoutMs / 1000)),
    "bash",
    `${REPO_ROOT}/scripts/build.sh`,
    "--reuse",
    arch,
  ]);
  if (r.code !== 0) throw new Error(`build.sh ${arch} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  const deb = r.stdout.match(/^(?:built|reused) (\S+\.deb)$/m)?.[1];
  if (!deb) throw new Error(`build.sh ${arch} named no .deb:\n${r.stdout}`);
  return deb;
}

/** Throws with the command's output unless it exited 0. */
export function ok(what: string, r: RunResult): RunResult {
  if (r.code !== 0) {
    throw new Error(`${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return r;
}

/** One node of a test network. */
export interface ReleaseNode {
  name: string;
  cfg: string;
  spool: string;
  incoming: string;
  /** ferry nodes: how to run ferry with this node's config. */
  ferry?: FerryRunner;
}

type Cfg = {
  self: { id: string; exchpub: string; signpub: string; noisepub: string };
  neigh: Record<string, Record<string, unknown>>;
};

async function readCfg(path: string): Promise<Cfg> {
  return Hjson.parse(await Deno.readTextFile(path)) as Cfg;
}

/** Makes a ferry node with `ferry init` under `dir/name`. */
export async function ferryNode(
  ferry: FerryRunner,
  dir: string,
  name: string,
): Promise<ReleaseNode> {
  const spool = `${dir}/${name}/spool`;
  const incoming = `${dir}/${name}/in`;
  await Deno.mkdir(spool, { recursive: true });
  await Deno.mkdir(incoming, { recursive: true });
  const init = ok(
    `ferry init --name ${name}`,
    await ferry(["init", "--name", name, "--spool", spool, "--incoming", incoming]),
  );
  const cfg = `${dir}/${name}.hjson`;
  await Deno.writeTextFile(cfg, init.stdout, { mode: 0o600 });
  return { name, cfg, spool, incoming, ferry: (args, stdin) => ferry(["-c", cfg, ...args], stdin) };
}

/** Makes a stock NNCP node with `nncp-cfgnew` under `dir/name`. */
export async function nncpNode(dir: string, name: string): Promise<ReleaseNode> {
  const spool = `${dir}/${name}/spool`;
  const incoming = `${dir}/${name}/in`;
  await Deno.mkdir(spool, { recursive: true });
  await Deno.mkdir(incoming, { recursive: true });
  const made = ok("nncp-cfgnew", await run("nncp-cfgnew", ["-nocomments"]));
  const cfg = Hjson.parse(made.stdout) as Record<string, unknown>;
  cfg.spool = spool;
  cfg.log = `${dir}/${name}/log`;
  const path = `${dir}/${name}.hjson`;
  await Deno.writeTextFile(path, JSON.stringify(cfg, null, 2), { mode: 0o600 });
  return { name, cfg: path, spool, incoming };
}

/**
 * Tells `to` about `from` (its public keys under `from.name`), with files from
 * it saved in `to.incoming` and exec handle `sink` appending the body to
 * `to.incoming/../exec.out`.
 */
export async function introduce(from: ReleaseNode, to: ReleaseNode): Promise<void> {
  const self = (await readCfg(from.cfg)).self;
  const cfg = await readCfg(to.cfg);
  cfg.neigh[from.name] = {
    id: self.id,
    exchpub: self.exchpub,
    signpub: self.signpub,
    noisepub: self.noisepub,
    incoming: to.incoming,
    exec: { sink: ["/bin/sh", "-c", `cat >> ${to.incoming}/../exec.out`] },
  };
  await Deno.writeTextFile(to.cfg, JSON.stringify(cfg, null, 2), { mode: 0o600 });
}

/** Introduces every pair of `nodes` to each other. */
export async function introduceAll(nodes: ReleaseNode[]): Promise<void> {
  for (const a of nodes) for (const b of nodes) if (a !== b) await introduce(a, b);
}

/** Runs an NNCP tool with `-cfg NODE.cfg`, throwing unless it exits 0. */
export async function nncp(node: ReleaseNode, tool: string, args: string[]): Promise<RunResult> {
  return ok(
    `${tool} ${args.join(" ")}`,
    await run(tool, ["-cfg", node.cfg, "-quiet", "-noprogress", ...args]),
  );
}

/** Runs ferry on a ferry node, throwing unless it exits 0. */
export async function ferryOk(
  node: ReleaseNode,
  args: string[],
  stdin?: string | Uint8Array,
): Promise<RunResult> {
  if (!node.ferry) throw new Error(`${node.name} is not a ferry node`);
  return ok(`ferry ${args.join(" ")} (${node.name})`, await node.ferry(args, stdin));
}

/** Reads `path`, or "" when it does not exist. */
export async function readOr(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return "";
    throw err;
  }
}
