/**
 * A power-cut simulator in the spirit of ALICE and CrashMonkey: a ferry
 * command runs under `strace -f`, its file-system system calls are replayed
 * on a model of the file system, and at every system call boundary (each one
 * a moment the power may fail) the states that POSIX allows a crash to leave
 * are checked:
 *
 * - data written to a file and not yet fsynced may be lost or torn;
 * - a folder change (create, rename, link, unlink) not yet followed by an
 *   fsync of that folder may be undone, each one independently.
 *
 * Rather than building every such state on disk, each check takes the worst
 * case over all of them:
 *
 * - **no partial file under a final name**: a final name (not a temporary
 *   name) that may survive the crash must not point at a file whose data is
 *   not yet durable;
 * - **no input deleted before its output is durable**: when a packet (or a
 *   job file) is unlinked, every final name written so far must already be
 *   durable, both its folder entry and its data, so no crash can leave the
 *   input gone and the output missing or torn. A final name that is known to
 *   be another packet's output (linked from a temporary name that carries
 *   that packet's id, as toss's deliveries are) is that packet's concern:
 *   toss delivers two file packets at a time.
 *
 * Names under `hdr/` and `seen/` are exempt from the data rule: ferry treats
 * an empty or torn one as absent (tested on its own). Only the calls of the
 * ferry process are modelled; commands it runs (exec handlers, queue jobs)
 * own the durability of what they write.
 * @module
 */

/** One modelled file system operation, in the order the kernel saw them. */
export type FsOp =
  | { kind: "create"; path: string }
  | { kind: "write"; path: string }
  | { kind: "fsync"; path: string }
  | { kind: "rename"; from: string; to: string }
  | { kind: "link"; from: string; to: string }
  | { kind: "unlink"; path: string };

/** A broken rule at one crash point. */
export interface Violation {
  /** Index of the operation after which the power failed. */
  at: number;
  rule: "partial-under-final-name" | "input-deleted-before-output-durable";
  path: string;
  detail: string;
}

/** What a simulation explored and found. */
export interface PowerCutReport {
  /** Operations replayed (each boundary is one crash point). */
  ops: number;
  /** Crash points checked (one per boundary, plus the start). */
  crashPoints: number;
  /** Largest number of folder changes pending at once (each may be undone). */
  maxPendingChanges: number;
  violations: Violation[];
}

/**
 * How a path is treated by the rules. Each function gets the path relative
 * to the work's root folder, starting with "/".
 */
export interface PathRules {
  /** Temporary names: never final, never outputs. */
  isTemp(path: string): boolean;
  /** Final names whose torn content is harmless (hdr/, seen/). */
  isTolerant(path: string): boolean;
  /** Inputs whose unlink requires every output to be durable. */
  isInput(path: string): boolean;
  /** The packet whose output a name linked or renamed from `tempPath` is, when the name says. */
  ownerOf?(tempPath: string): string | undefined;
}

const ID_RE = /^[A-Z2-7]{52}$/;

/**
 * The rules for ferry's spool, media and queues: temporary names are the
 * spool's `tmp/` folder, hidden names (ferry's temporary copies start with a
 * dot) and the temp suffixes ferry and NNCP use; `hdr/` and `seen/` files and the NNCP log (an append-only record whose
 * torn tail readers skip) are tolerant; packets and job files are inputs.
 */
export const ferryRules: PathRules = {
  isTemp: (p) => {
    const name = p.slice(p.lastIndexOf("/") + 1);
    return /\.(tmp|temp|part|state|lock)$/.test(name) || name.startsWith(".") ||
      /\/spool\/tmp\//.test(p);
  },
  isTolerant: (p) => /\/(hdr|seen)\/[^/]+$/.test(p) || /\/log$/.test(p),
  isInput: (p) => {
    const name = p.slice(p.lastIndexOf("/") + 1);
    return ID_RE.test(name) && !/\/(hdr|seen)\//.test(p) || /\/jobs\/[^/]+\.fspl$/.test(p);
  },
  // toss delivers a packet's file through `.ferry-<packet id>.tmp`.
  ownerOf: (p) => /\/\.ferry-([A-Z2-7]{52})\.tmp$/.exec(p)?.[1],
};

interface Inode {
  /** Data written and not yet fsynced. */
  dirty: boolean;
}

interface Entry {
  inode: Inode;
  /** The folder fsync that makes this entry (or its removal) durable has happened. */
  durable: boolean;
  /** The packet this name is the output of, when known (see {@linkcode PathRules.ownerOf}). */
  owner?: string;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** Replays `ops` (paths under `root`) and checks every crash point. */
export function simulate(
  ops: FsOp[],
  root: string,
  baseRules: PathRules = ferryRules,
): PowerCutReport {
  const rel = (p: string) => (p.startsWith(root) ? p.slice(root.length) : p);
  const rules: PathRules = {
    isTemp: (p) => baseRules.isTemp(rel(p)),
    isTolerant: (p) => baseRules.isTolerant(rel(p)),
    isInput: (p) => baseRules.isInput(rel(p)),
  };
  const ownerOf = (p: string) => baseRules.ownerOf?.(rel(p));
  // Current names (what the running program sees), each with whether that
  // entry is durable; removed names whose removal is not durable yet.
  const names = new Map<string, Entry>();
  const pendingRemovals = new Map<string, Set<string>>(); // dir -> names removed, not durable
  const violations: Violation[] = [];
  let maxPending = 0;
  const inodeOf = (path: string): Inode => {
    let e = names.get(path);
    if (!e) {
      // A file that existed before the trace: durable as found.
      e = { inode: { dirty: false }, durable: true };
      names.set(path, e);
    }
    return e.inode;
  };
  const pendingCount = () => {
    let n = 0;
    for (const e of names.values()) if (!e.durable) n++;
    for (const s of pendingRemovals.values()) n += s.size;
    return n;
  };
  const checkFinalNames = (at: number) => {
    for (const [path, e] of names) {
      if (rules.isTemp(path) || rules.isTolerant(path)) continue;
      if (e.inode.dirty) {
        violations.push({
          at,
          rule: "partial-under-final-name",
          path,
          detail: "its data is not fsynced; a power cut now can leave it torn under this name",
        });
      }
    }
  };
  const checkOutputsDurable = (at: number, input: string) => {
    const inputId = input.slice(input.lastIndexOf("/") + 1);
    for (const [path, e] of names) {
      if (path === input || rules.isTemp(path) || rules.isTolerant(path)) continue;
      if (e.owner !== undefined && e.owner !== inputId) continue; // another packet's output
      if (!e.durable || e.inode.dirty) {
        violations.push({
          at,
          rule: "input-deleted-before-output-durable",
          path,
          detail: `${input} is unlinked while ${path} is ${
            e.inode.dirty ? "not fsynced" : "not yet in a fsynced folder"
          }`,
        });
      }
    }
  };
  const remove = (path: string) => {
    const e = names.get(path);
    names.delete(path);
    if (e && e.durable) {
      const dir = dirOf(path);
      const set = pendingRemovals.get(dir) ?? new Set<string>();
      set.add(path.slice(dir.length + 1));
      pendingRemovals.set(dir, set);
    }
  };
  checkFinalNames(-1);
  ops.forEach((op, at) => {
    switch (op.kind) {
      case "create":
        if (!names.has(op.path)) names.set(op.path, { inode: { dirty: false }, durable: false });
        break;
      case "write":
        inodeOf(op.path).dirty = true;
        break;
      case "fsync": {
        const e = names.get(op.path);
        if (e) e.inode.dirty = false;
        // An fsync of a folder makes its entries (and removals) durable.
        for (const [path, entry] of names) if (dirOf(path) === op.path) entry.durable = true;
        pendingRemovals.delete(op.path);
        break;
      }
      case "rename":
      case "link": {
        const inode = inodeOf(op.from);
        if (op.kind === "rename") {
          remove(op.from);
          names.delete(op.to);
        }
        const owner = ownerOf(op.from);
        names.set(op.to, { inode, durable: false, ...(owner === undefined ? {} : { owner }) });
        break;
      }
      case "unlink":
        if (rules.isInput(op.path) && !rules.isTemp(op.path)) checkOutputsDurable(at, op.path);
        remove(op.path);
        break;
    }
    maxPending = Math.max(maxPending, pendingCount());
    checkFinalNames(at);
  });
  return {
    ops: ops.length,
    crashPoints: ops.length + 1,
    maxPendingChanges: maxPending,
    violations: dedupe(violations),
  };
}

/** One violation per rule and path (the first crash point that shows it). */
function dedupe(list: Violation[]): Violation[] {
  const seen = new Set<string>();
  return list.filter((v) => {
    const key = `${v.rule} ${v.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Result of running a command under strace. */
export interface Traced {
  code: number;
  stderr: string;
  ops: FsOp[];
}

const TRACED = [
  "openat",
  "open",
  "creat",
  "write",
  "pwrite64",
  "writev",
  "pwritev",
  "pwritev2",
  "copy_file_range",
  "sendfile",
  "ftruncate",
  "fallocate",
  "fsync",
  "fdatasync",
  "sync_file_range",
  "rename",
  "renameat",
  "renameat2",
  "link",
  "linkat",
  "unlink",
  "unlinkat",
  "execve",
];

/**
 * Runs `cmd args` under `strace -f` in `cwd`, keeping only the calls on
 * paths under `under`, and returns them as operations.
 */
export async function traceCommand(
  cmd: string,
  args: string[],
  opts: { cwd: string; under: string[]; env?: Record<string, string>; stdin?: Uint8Array },
): Promise<Traced> {
  const out = `${opts.cwd}/strace-${crypto.randomUUID()}.txt`;
  const child = new Deno.Command("strace", {
    args: [
      "-f",
      "--seccomp-bpf",
      "-y",
      "-qq",
      "-ttt",
      "-s",
      "0",
      "-e",
      `trace=${TRACED.join(",")}`,
      "-o",
      out,
      cmd,
      ...args,
    ],
    cwd: opts.cwd,
    env: opts.env ?? {},
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(opts.stdin).catch(() => {});
    await w.close().catch(() => {});
  }
  const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
  const text = await Deno.readTextFile(out);
  await Deno.remove(out);
  return { code: status.code, stderr, ops: parseStrace(text, opts.cwd, opts.under) };
}

interface Line {
  pid: number;
  time: number;
  call: string;
  body: string;
  result: string;
}

/**
 * Parses `strace -f -y -ttt` output into operations: calls of processes that
 * exec'd another program are dropped, failed calls are dropped, and
 * mutations are ordered by their start while fsyncs are ordered by their end
 * (so an fsync counts only once it has finished: the cautious order).
 */
export function parseStrace(text: string, cwd: string, under: string[]): FsOp[] {
  const pending = new Map<number, { time: number; call: string; head: string }>();
  const lines: Line[] = [];
  for (const raw of text.split("\n")) {
    const m = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/.exec(raw);
    if (!m) continue;
    const pid = Number(m[1]);
    const time = Number(m[2]);
    const rest = m[3]!;
    const unfinished = /^(\w+)\((.*) <unfinished \.\.\.>$/.exec(rest);
    if (unfinished) {
      pending.set(pid, { time, call: unfinished[1]!, head: unfinished[2]! });
      continue;
    }
    const resumed = /^<\.\.\. (\w+) resumed>(.*)\)\s+= (.*)$/.exec(rest);
    if (resumed) {
      const p = pending.get(pid);
      pending.delete(pid);
      if (!p) continue;
      const startTime = p.call === "fsync" || p.call === "fdatasync" ? time : p.time;
      lines.push({
        pid,
        time: startTime,
        call: p.call,
        body: p.head + resumed[2],
        result: resumed[3]!,
      });
      continue;
    }
    const full = /^(\w+)\((.*)\)\s+= (.*)$/.exec(rest);
    if (full) lines.push({ pid, time, call: full[1]!, body: full[2]!, result: full[3]! });
  }
  lines.sort((a, b) => a.time - b.time);
  const foreign = new Set<number>();
  const ops: FsOp[] = [];
  const inside = (p: string) => under.some((u) => p === u || p.startsWith(`${u}/`));
  const abs = (p: string) => (p.startsWith("/") ? p : normalize(`${cwd}/${p}`));
  for (const l of lines) {
    if (l.call === "execve") {
      if (!l.result.startsWith("-1") && !/deno"?/.test(l.body.split(",")[0] ?? "")) {
        foreign.add(l.pid);
      }
      continue;
    }
    if (foreign.has(l.pid) || l.result.startsWith("-1")) continue;
    const fdPaths = [...l.body.matchAll(/(?:\d+|AT_FDCWD)<([^>]*)>/g)].map((x) => x[1]!);
    const strs = [...l.body.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]!);
    const push = (op: FsOp) => {
      const paths = "path" in op ? [op.path] : [op.from, op.to];
      if (paths.every(inside)) ops.push(op);
    };
    switch (l.call) {
      case "openat":
      case "open":
      case "creat": {
        const created = /O_CREAT/.test(l.body) || l.call === "creat";
        const path = /<([^>]*)>/.exec(l.result)?.[1];
        if (!path) break;
        if (created) push({ kind: "create", path });
        if (/O_TRUNC/.test(l.body)) push({ kind: "write", path });
        break;
      }
      case "write":
      case "pwrite64":
      case "writev":
      case "pwritev":
      case "pwritev2":
      case "ftruncate":
      case "fallocate":
        if (fdPaths[0] && l.result !== "0") push({ kind: "write", path: fdPaths[0] });
        break;
      case "copy_file_range": // copy_file_range(fd_in, off_in, fd_out, ...): writes its second fd
        if (fdPaths[1] && l.result !== "0") push({ kind: "write", path: fdPaths[1] });
        break;
      case "sendfile": // sendfile(out_fd, in_fd, ...): writes its first
        if (fdPaths[0] && l.result !== "0") push({ kind: "write", path: fdPaths[0] });
        break;
      case "fsync":
      case "fdatasync":
        if (fdPaths[0]) push({ kind: "fsync", path: fdPaths[0] });
        break;
      case "rename":
      case "renameat":
      case "renameat2":
      case "link":
      case "linkat": {
        const [from, to] = resolvePair(l, fdPaths, strs, abs);
        if (from && to) push({ kind: l.call.startsWith("link") ? "link" : "rename", from, to });
        break;
      }
      case "unlink":
      case "unlinkat": {
        if (/AT_REMOVEDIR/.test(l.body)) break;
        const name = strs[0];
        if (name === undefined) break;
        const base = l.call === "unlinkat" && fdPaths[0] && !name.startsWith("/")
          ? `${fdPaths[0]}/${name}`
          : abs(name);
        push({ kind: "unlink", path: normalize(base) });
        break;
      }
    }
  }
  return ops;
}

function resolvePair(
  l: Line,
  fdPaths: string[],
  strs: string[],
  abs: (p: string) => string,
): [string | undefined, string | undefined] {
  const [a, b] = strs;
  if (a === undefined || b === undefined) return [undefined, undefined];
  if (l.call === "rename" || l.call === "link") return [abs(a), abs(b)];
  // renameat/linkat(dirfd1<p1>, "a", dirfd2<p2>, "b"): AT_FDCWD carries the cwd in -y output.
  const at = (dir: string | undefined, name: string) =>
    name.startsWith("/") ? name : normalize(`${dir ?? ""}/${name}`);
  return [at(fdPaths[0], a), at(fdPaths[1], b)];
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}
