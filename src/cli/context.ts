/**
 * What every command gets: where its configuration is, where to write, and
 * the logger. Commands load the configuration lazily through
 * {@linkcode CliContext.config}, so `ferry init` and `--help` need none.
 * @module
 */

import type { Logger } from "../log/logger.ts";

/** Default configuration path, as in DESIGN §3. */
export const DEFAULT_CONFIG_PATH = "/etc/ferry/ferry.hjson";

/** The shared state a command runs with. */
export interface CliContext {
  /** The configuration path from `--config`, `FERRY_CONFIG` or the default. */
  configPath(): string;
  /** Writes text to standard output. */
  out(text: string): void;
  /** Logger for progress and problems (standard error). */
  log: Logger;
  /** The program's own flags (`--quiet`, `--noprogress`); absent means neither. */
  globals?: () => GlobalFlags;
}

/** Flags that apply to every command. */
export interface GlobalFlags {
  /** Only warnings and errors (NNCP's -quiet). */
  quiet: boolean;
  /** No progress bars (NNCP's -noprogress; implied by quiet). */
  noProgress: boolean;
}

/**
 * Resolves the configuration path: `--config`, then `FERRY_CONFIG`, then
 * NNCP's `NNCPCFG`, then the default.
 */
export function resolveConfigPath(flag: string | undefined): string {
  if (flag !== undefined && flag !== "") return flag;
  for (const name of ["FERRY_CONFIG", "NNCPCFG"]) {
    const env = Deno.env.get(name);
    if (env !== undefined && env !== "") return env;
  }
  return DEFAULT_CONFIG_PATH;
}
