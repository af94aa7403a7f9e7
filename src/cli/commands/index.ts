/**
 * The list of commands `ferry` offers. A command appears here (and so in
 * `--help`) only once it works.
 *
 * Each command module is imported only when the command line names one of
 * its commands: a one-shot `ferry stat` from a cron job or `ferry queue
 * write` from an exec handler then loads neither the crypto, the radio link
 * nor the agent. `ferry --help` and unknown commands load them all.
 * @module
 */

import type { Command } from "../args/mod.ts";
import type { CliContext } from "../context.ts";

/** Adds one command (with its help and example) to the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** One command module: the commands it registers and how to load it. */
export interface CommandModule {
  /** The top-level command names it adds to the program. */
  readonly names: readonly string[];
  /** Imports the module and returns its register function. */
  readonly load: () => Promise<RegisterCommand>;
}

/**
 * Imports a command module. The specifier is computed on purpose: for an
 * import Deno can read in the source, it loads the whole graph behind it when
 * the program starts (every command, their npm packages), which costs a
 * one-shot command about 4 MiB and 15 ms. `scripts/build.sh` caches these
 * modules by name for the same reason.
 */
async function lazy(file: string, name: string): Promise<RegisterCommand> {
  const mod = await import(new URL(file, import.meta.url).href) as Record<string, unknown>;
  const register = mod[name];
  if (typeof register !== "function") throw new TypeError(`${file} exports no ${name}`);
  return register as RegisterCommand;
}

/** Every command module, in the order `--help` lists their commands. */
export const COMMANDS: readonly CommandModule[] = [
  { names: ["init"], load: () => lazy("./init.ts", "registerInit") },
  { names: ["pubkey"], load: () => lazy("./pubkey.ts", "registerPubkey") },
  { names: ["neigh"], load: () => lazy("./neigh.ts", "registerNeigh") },
  {
    names: ["file", "exec", "freq", "ack"],
    load: () => lazy("./send.ts", "registerSend"),
  },
  { names: ["toss"], load: () => lazy("./toss.ts", "registerToss") },
  { names: ["reass"], load: () => lazy("./reass.ts", "registerReass") },
  { names: ["xfer"], load: () => lazy("./xfer.ts", "registerXfer") },
  { names: ["bundle"], load: () => lazy("./bundle.ts", "registerBundle") },
  { names: ["media"], load: () => lazy("./media.ts", "registerMedia") },
  { names: ["link"], load: () => lazy("./link.ts", "registerLink") },
  { names: ["mqtt"], load: () => lazy("./mqtt.ts", "registerMqtt") },
  { names: ["agent", "status"], load: () => lazy("./agent.ts", "registerAgent") },
  { names: ["daemon"], load: () => lazy("./online.ts", "registerDaemon") },
  { names: ["call"], load: () => lazy("./online.ts", "registerCall") },
  {
    names: ["systemd-dropin"],
    load: () => lazy("./systemd_dropin.ts", "registerSystemdDropin"),
  },
  { names: ["stat"], load: () => lazy("./stat.ts", "registerStat") },
  { names: ["check"], load: () => lazy("./check.ts", "registerCheck") },
  { names: ["rm"], load: () => lazy("./rm.ts", "registerRm") },
  { names: ["log"], load: () => lazy("./log.ts", "registerLog") },
  { names: ["queue"], load: () => lazy("./queue.ts", "registerQueue") },
];

/** Global options that take a value (`--config PATH`, NNCP's `-cfg PATH`). */
const VALUE_OPTIONS = new Set(["-c", "--config", "-cfg"]);

/**
 * The command `args` runs (`ferry [global options] NAME ...`, or
 * `ferry help NAME`), or `undefined` when it names none or asks for the
 * program's help first (`ferry --help stat` lists every command).
 */
export function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--" || arg === "-h" || arg === "--help") return undefined;
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith("-")) continue;
    if (arg === "help" && i + 1 < args.length) return args[i + 1];
    return arg;
  }
  return undefined;
}

/**
 * The register functions `args` needs: the one module providing its command,
 * or every module when it names no known command (`--help`, a typo).
 */
export async function loadCommands(args?: readonly string[]): Promise<RegisterCommand[]> {
  const name = args === undefined ? undefined : commandName(args);
  const one = COMMANDS.find((m) => name !== undefined && m.names.includes(name));
  return await Promise.all((one ? [one] : COMMANDS).map((m) => m.load()));
}
