/**
 * A pair of connected pseudo-terminals made by `socat`: two real serial
 * devices for tests and benchmarks, wired to each other like a null-modem
 * cable. Stopping socat (or killing it) hangs both ends up, which is how
 * tests unplug a "device".
 *
 * @example
 * ```ts ignore
 * const pair = await startSocatPtyPair();
 * console.log(pair.paths); // ["/dev/pts/3", "/dev/pts/4"]
 * await pair.stop();
 * ```
 * @module
 */

/** How long to wait for socat to report both pty paths, in ms. */
export const socatStartTimeoutMs = 5000;
/** How long to wait for socat to exit after SIGTERM before SIGKILL, in ms. */
export const socatStopTimeoutMs = 2000;
/** Most stderr bytes read while waiting for the paths (socat prints about 200). */
const socatStderrBytesMax = 64 * 1024;

/** A running socat pty pair. */
export interface SocatPtyPair {
  /** The two pty device paths, in the order socat reported them. */
  readonly paths: readonly [string, string];
  /** socat's process id. */
  readonly pid: number;
  /** Stops socat (by its pid) and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and parses the two
 * `PTY is /dev/pts/N` lines from its standard error.
 */
export async function startSocatPtyPair(): Promise<SocatPtyPair> {
  const child = new Deno.Command("socat", {
    args: ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.getReader();
  const paths: string[] = [];
  let text = "";
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, socatStartTimeoutMs);
  try {
    while (paths.length < 2 && text.length < socatStderrBytesMax) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      paths.length = 0;
      for (const m of text.matchAll(/PTY is (\/dev\/pts\/\d+)/g)) paths.push(m[1] ?? "");
      if (/starting data transfer loop/.test(text) && paths.length < 2) break;
    }
  } finally {
    clearTimeout(timer);
  }
  // Keep draining stderr so socat never blocks on a full pipe.
  const drained = (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* closed */ }
  })();
  const [a, b] = paths;
  if (a === undefined || b === undefined) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await drained;
    throw new Error(`socat did not report two ptys; its output was:\n${text}`);
  }
  let stopped: Promise<void> | null = null;
  return {
    paths: [a, b],
    pid: child.pid,
    stop() {
      stopped ??= (async () => {
        try {
          Deno.kill(child.pid, "SIGTERM");
        } catch { /* already exited */ }
        const timeout = setTimeout(() => {
          try {
            Deno.kill(child.pid, "SIGKILL");
          } catch { /* already exited */ }
        }, socatStopTimeoutMs);
        await child.status;
        clearTimeout(timeout);
        await drained;
      })();
      return stopped;
    },
  };
}
