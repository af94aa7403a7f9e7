/**
 * Shared pieces of the queue tests: where the vectors are, running ferry's
 * CLI and the real `fspl`, a recording command, and temp folders.
 * @module
 */

/** The in-repo Filespooler vectors. */
export const VECTORS = new URL("../vectors/fspl/", import.meta.url);
/** Path of a file among the vectors. */
export const vector = (rel: string): string => new URL(rel, VECTORS).pathname;
const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** What a finished process gave. */
export interface Ran {
  code: number;
  stdout: Uint8Array;
  stderr: string;
  /** stdout as text. */
  out: string;
}

/** Options for {@linkcode run}. */
export interface RunOpts {
  stdin?: Uint8Array | string;
  /** Variables on top of the minimal environment (PATH, TZ=UTC, HOME, DENO_DIR). */
  env?: Record<string, string>;
  cwd?: string;
}

/** A minimal, predictable environment: no stray FSPL_SET_* leaks in. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: "/usr/local/bin:/usr/bin:/bin", TZ: "UTC" };
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

/** Runs `cmd args` to completion with a clean environment. */
export async function run(cmd: string, args: string[], opts: RunOpts = {}): Promise<Ran> {
  const child = new Deno.Command(cmd, {
    args,
    clearEnv: true,
    env: baseEnv(opts.env),
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let feeding = Promise.resolve();
  if (opts.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    const data = typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin;
    // Written while the output is read, so neither side waits for the other.
    feeding = writer.write(data).then(() => writer.close()).catch(() => {});
  }
  const out = await child.output();
  await feeding;
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: out.stdout,
    stderr: decoder.decode(out.stderr),
    out: decoder.decode(out.stdout),
  };
}

/** The arguments that start ferry's CLI (`ferry ARGS`). */
export function ferryCommand(args: string[]): [string, string[]] {
  return [Deno.execPath(), ["run", "-A", "--quiet", MAIN, ...args]];
}

/** Runs `ferry ARGS`. */
export function ferry(args: string[], opts: RunOpts = {}): Promise<Ran> {
  const [cmd, full] = ferryCommand(args);
  return run(cmd, full, opts);
}

/** Runs the real `fspl ARGS`. */
export function fspl(args: string[], opts: RunOpts = {}): Promise<Ran> {
  return run("fspl", args, opts);
}

/** Runs `fn` with a fresh temp folder, removed afterwards. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-queue-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Lowercase hex of `bytes`. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 of `bytes`, as hex. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  return hex(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)),
  );
}

/** Reads a vector file, gunzipping `.gz` ones. */
export async function readVector(rel: string): Promise<Uint8Array> {
  const bytes = await Deno.readFile(vector(rel));
  if (!rel.endsWith(".gz")) return bytes;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Writes a recording command into `dir` and returns its path. Each run
 * appends one line to `dir/rec.txt`:
 * `seq=N stdin=<kind> sha=<sha256 of stdin> arg=<hex>... FSPL_SET_X=<hex>...`.
 * It exits with the status in `dir/exit-<seq>` if that file exists (then
 * removes it), so a test can make one run of one job fail.
 */
export async function writeRecorder(dir: string): Promise<string> {
  const path = `${dir}/record.sh`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh
export LC_ALL=C
rec='${dir}/rec.txt'
kind=$(stat -L -c %F /proc/self/fd/0 2>/dev/null | tr ' ' _)
sum=$(sha256sum | cut -c1-64)
line="seq=$FSPL_SEQ stdin=$kind sha=$sum"
for a in "$@"; do line="$line arg=$(printf '%s' "$a" | od -An -tx1 | tr -d ' \\n')"; done
for v in $(env | sed -n 's/^\\(FSPL_SET_[A-Za-z0-9_]*\\)=.*/\\1/p' | sort -u); do
  eval "val=\\$$v"
  line="$line $v=$(printf '%s' "$val" | od -An -tx1 | tr -d ' \\n')"
done
printf '%s\\n' "$line" >> "$rec"
if [ -f '${dir}/exit-'"$FSPL_SEQ" ]; then
  code=$(cat '${dir}/exit-'"$FSPL_SEQ"); rm -f '${dir}/exit-'"$FSPL_SEQ"; exit "$code"
fi
exit 0
`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

/** The lines the recorder wrote so far. */
export async function recorded(dir: string): Promise<string[]> {
  try {
    return (await Deno.readTextFile(`${dir}/rec.txt`)).split("\n").filter((l) => l !== "");
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

/** The `seq=` values of recorded lines, in order. */
export async function recordedSeqs(dir: string): Promise<number[]> {
  return (await recorded(dir)).map((l) => Number(/^seq=(\d+)/.exec(l)?.[1] ?? NaN));
}

/** Sorted names in `dir`. */
export function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}
