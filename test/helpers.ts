/**
 * Shared test helpers: run a program and capture its output, run ferry
 * itself as a subprocess, and temporary folders that clean up.
 * @module
 */

/** What a finished process gave. */
export interface RunResult {
  code: number;
  stdout: string;
  /** Standard output as raw bytes (for binary output). */
  stdoutBytes: Uint8Array;
  stderr: string;
}

/** Runs `cmd args` to completion; never throws on a non-zero exit. */
export async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; stdin?: Uint8Array | string } = {},
): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    stdin: options.stdin !== undefined ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(
      typeof options.stdin === "string" ? new TextEncoder().encode(options.stdin) : options.stdin,
    );
    await writer.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stdoutBytes: out.stdout,
    stderr: dec.decode(out.stderr),
  };
}

/** Runs `cmd args` and throws with its stderr unless it exits 0. */
export async function runOk(
  cmd: string,
  args: string[],
  options: Parameters<typeof run>[2] = {},
): Promise<RunResult> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${cmd} ${
        args.join(" ")
      } exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return result;
}

/** Absolute path of the repository. */
export const REPO_ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** Absolute path of the NNCP vectors. */
export const NNCP_VECTORS = `${REPO_ROOT}/test/vectors/nncp`;
/** Absolute path of the Filespooler vectors. */
export const FSPL_VECTORS = `${REPO_ROOT}/test/vectors/fspl`;

/** Runs `ferry ARGS` as a real subprocess (`deno run -A main.ts`). */
export function ferry(
  args: string[],
  options: Parameters<typeof run>[2] = {},
): Promise<RunResult> {
  return run(Deno.execPath(), ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, ...args], options);
}

/** Creates a temporary folder, passes it to `fn`, and removes it afterwards. */
export async function withTempDir<T>(
  fn: (dir: string) => Promise<T>,
  prefix = "ferry-test-",
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** The vector configuration of `name` (alice, bob, carol) with `@ROOT@` replaced by `root`. */
export async function vectorConfig(name: string, root: string): Promise<string> {
  const text = await Deno.readTextFile(`${NNCP_VECTORS}/cfg/${name}.hjson`);
  return text.replaceAll("@ROOT@", root);
}
