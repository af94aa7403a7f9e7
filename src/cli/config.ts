/**
 * Loading the configuration for a command: errors become a {@linkcode CliError}
 * listing every problem with its key path; warnings go to the log.
 * @module
 */

// The configuration modules themselves, not config/mod.ts: that one also brings key generation.
import type { Config } from "../config/types.ts";
import { ConfigError } from "../config/issues.ts";
import { loadConfig } from "../config/load.ts";
import type { CliContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { setProgressEnabled } from "../progress/progress.ts";

/**
 * Loads and checks the configuration the command line points at. Whether
 * the private keys give their public keys is checked only with `keyPairs`:
 * the commands that use no private key (`stat`, `log`, `systemd-dropin`)
 * skip it and stay light; every command that uses them goes through
 * {@linkcode loadCliConfigWithSelf}, which checks.
 */
export async function loadCliConfig(ctx: CliContext, keyPairs = false): Promise<Config> {
  const path = ctx.configPath();
  try {
    const { config, warnings } = await loadConfig(path, { keyPairs });
    for (const w of warnings) {
      ctx.log.warn("config-warning", { file: path, key: w.path, problem: w.message });
    }
    if (config.noProgress) setProgressEnabled(false);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
}

/** Loads the configuration, key pairs checked, and insists it has our private keys (`self`). */
export async function loadCliConfigWithSelf(
  ctx: CliContext,
): Promise<Config & { self: NonNullable<Config["self"]> }> {
  const config = await loadCliConfig(ctx, true);
  if (!config.self) {
    throw new CliError(
      `${config.path}: there is no \`self\` section with private keys; make a node configuration with \`ferry init\``,
    );
  }
  return config as Config & { self: NonNullable<Config["self"]> };
}
