/**
 * Shared pieces of `deno task bench`: run a command under `/usr/bin/time -v`
 * to get its wall time and peak RSS, and print result tables as Markdown.
 *
 * Each benchmark section is a module in `scripts/bench/` exporting
 * `run(ctx: BenchContext): Promise<BenchTable[]>`; `scripts/bench.ts` runs
 * them in order.
 * @module
 */

/** What one measured process run gave. */
export interface Measured {
  /** Wall-clock seconds. */
  seconds: number;
  /** Peak resident set size, in KiB (`Maximum resident set size`). */
  maxRssKiB: number;
  /** CPU seconds used, user plus system (less sensitive to a busy machine than wall time). */
  cpuSeconds: number;
  /** Exit code of the measured command. */
  code: number;
  stdout: string;
  stderr: string;
}

/** A finished table for the report. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Free text under the table (bars, notes). */
  notes?: string[];
}

/** What every section gets. */
export interface BenchContext {
  /** A scratch folder for this run, removed afterwards. */
  dir: string;
  /** Path to the Deno binary running the bench. */
  deno: string;
  /** Absolute path of the repository. */
  root: string;
  /** When true, use small sizes (a quick smoke run). */
  quick: boolean;
  /** Progress lines to standard error. */
  say(line: string): void;
}

/**
 * Runs `cmd args` under `/usr/bin/time -v` and returns time and peak memory.
 * Throws when the command fails, with its standard error.
 */
export async function measure(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; stdinFile?: string; allowFail?: boolean } =
    {},
): Promise<Measured> {
  const timeFile = await Deno.makeTempFile({ prefix: "ferry-bench-time-" });
  const shellArgs = ["-o", timeFile, "-v", cmd, ...args];
  const started = performance.now();
  const child = new Deno.Command("/usr/bin/time", {
    args: shellArgs,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    stdin: options.stdinFile ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdinFile) {
    const file = await Deno.open(options.stdinFile);
    await file.readable.pipeTo(child.stdin);
  }
  const out = await child.output();
  const seconds = (performance.now() - started) / 1000;
  const report = await Deno.readTextFile(timeFile);
  await Deno.remove(timeFile);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
  const user = /User time \(seconds\): ([\d.]+)/.exec(report);
  const system = /System time \(seconds\): ([\d.]+)/.exec(report);
  const result: Measured = {
    seconds,
    maxRssKiB: rss ? Number(rss[1]) : NaN,
    cpuSeconds: user && system ? Number(user[1]) + Number(system[1]) : NaN,
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  if (out.code !== 0 && !options.allowFail) {
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${out.code}):\n${result.stderr}`);
  }
  return result;
}

/** Formats KiB as MiB with one decimal. */
export function mib(kib: number): string {
  return (kib / 1024).toFixed(1);
}

/** Renders a table as GitHub Markdown. */
export function renderTable(table: BenchTable): string {
  const lines = [`### ${table.title}`, ""];
  lines.push(`| ${table.columns.join(" | ")} |`);
  lines.push(`|${table.columns.map(() => "---").join("|")}|`);
  for (const row of table.rows) lines.push(`| ${row.join(" | ")} |`);
  for (const note of table.notes ?? []) lines.push("", note);
  return lines.join("\n");
}
