/**
 * ferry's command line: `ferry [--config PATH] COMMAND ...`. Builds the
 * program from the command modules, runs it, and maps failures to
 * exit codes (0 success, 1 failure, 2 usage error).
 * @module
 */

import { ArgsError, Command } from "./args/mod.ts";
import { createLogger } from "../log/logger.ts";
import { type CliContext, DEFAULT_CONFIG_PATH, resolveConfigPath } from "./context.ts";
import { CliError, UsageError } from "./errors.ts";
import { loadCommands, type RegisterCommand } from "./commands/index.ts";
import { VERSION } from "./version.ts";
import { normalizeArgs } from "./nncp_args.ts";
import { describeOsError } from "../fsutil/os_errors.ts";
import { setProgressEnabled } from "../progress/progress.ts";

export { VERSION };

const encoder = new TextEncoder();

/**
 * Builds the program with the given commands (all of them by default, from
 * {@linkcode loadCommands}); exported so tests can inspect the help text.
 */
export function buildProgram(ctx: CliContext, commands: readonly RegisterCommand[]): Command {
  const program = new Command("ferry")
    .description(
      "Store-and-forward for offline machines: NNCP 8.8.2 packets over USB sticks,\n" +
        "serial radios and sync folders, and Filespooler-ordered job queues.",
    )
    .version(VERSION)
    .option(
      "-c, --config <path>",
      `configuration file (env FERRY_CONFIG, then NNCPCFG, default ${DEFAULT_CONFIG_PATH}); ` +
        "NNCP's -cfg works too",
    )
    .option("--quiet", "only warnings and errors on standard error, no progress bars")
    .option("--noprogress", "no progress bars (also: noprogress: true in the configuration)")
    .showHelpAfterError("(run with --help for usage)")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      writeErr: (s) => void Deno.stderr.writeSync(encoder.encode(s)),
    });
  program.addHelpText(
    "after",
    "\nExamples:\n" +
      "  ferry init --name shed --output /etc/ferry/ferry.hjson --owner ferry\n" +
      "  ferry --config ./ferry.hjson pubkey\n" +
      "  ferry stat -cfg /etc/nncp.hjson -node house      # NNCP's spellings work too\n" +
      "  ferry help file\n",
  );
  for (const register of commands) register(program, ctx);
  for (const sub of program.commands) {
    sub.exitOverride().showHelpAfterError("(run with --help for usage)");
  }
  return program;
}

/** Runs ferry with `args` (without the program name) and returns the exit code. */
export async function runCli(args: string[]): Promise<number> {
  let configFlag: string | undefined;
  const globals = { quiet: false, noProgress: false };
  const ctx: CliContext = {
    configPath: () => resolveConfigPath(configFlag),
    globals: () => globals,
    out: (text) => {
      const bytes = encoder.encode(text);
      let off = 0;
      while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
    },
    log: createLogger({ level: Deno.env.get("FERRY_DEBUG") ? "debug" : "info" }),
  };
  const program = buildProgram(ctx, await loadCommands(args));
  program.hook("preAction", (cmd) => {
    const opts = cmd.optsWithGlobals();
    configFlag = opts.config as string | undefined;
    globals.quiet = opts.quiet === true;
    globals.noProgress = globals.quiet || opts.noprogress === true;
    if (globals.noProgress) setProgressEnabled(false);
    if (globals.quiet && !Deno.env.get("FERRY_DEBUG")) ctx.log = createLogger({ level: "warn" });
  });
  try {
    await program.parseAsync(normalizeArgs(args, program), { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof ArgsError) {
      if (err.exitCode === 0) return 0; // --help, --version
      return 2;
    }
    if (err instanceof Deno.errors.BrokenPipe) return 0; // the reader went away (e.g. `| head`)
    if (err instanceof UsageError) {
      console.error(`ferry: ${err.message}`);
      return 2;
    }
    if (err instanceof CliError) {
      // A CliError that only passes an operating-system error on is said in words too.
      const cause = err.cause instanceof Error && err.cause.message === err.message
        ? describeOsError(err.cause)
        : undefined;
      console.error(`ferry: ${cause ?? err.message}`);
      return 1;
    }
    const message = describeOsError(err) ?? (err instanceof Error ? err.message : String(err));
    console.error(`ferry: ${message}`);
    if (Deno.env.get("FERRY_DEBUG") && err instanceof Error) console.error(err.stack);
    return 1;
  }
}
