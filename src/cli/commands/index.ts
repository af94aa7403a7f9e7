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

/** Every command module, in the order `--help` lists their commands. */
export const COMMANDS: readonly CommandModule[] = [
  { names: ["init"], load: async () => (await import("./init.ts")).registerInit },
  { names: ["pubkey"], load: async () => (await import("./pubkey.ts")).registerPubkey },
  { names: ["neigh"], load: async () => (await import("./neigh.ts")).registerNeigh },
  {
    names: ["file", "exec", "freq", "ack"],
    load: async () => (await import("./send.ts")).registerSend,
  },
  { names: ["toss"], load: async () => (await import("./toss.ts")).registerToss },
  { names: ["reass"], load: async () => (await import("./reass.ts")).registerReass },
  { names: ["xfer"], load: async () => (await import("./xfer.ts")).registerXfer },
  { names: ["bundle"], load: async () => (await import("./bundle.ts")).registerBundle },
  { names: ["media"], load: async () => (await import("./media.ts")).registerMedia },
  { names: ["link"], load: async () => (await import("./link.ts")).registerLink },
  { names: ["mqtt"], load: async () => (await import("./mqtt.ts")).registerMqtt },
  { names: ["agent", "status"], load: async () => (await import("./agent.ts")).registerAgent },
  { names: ["daemon"], load: async () => (await import("./online.ts")).registerDaemon },
  { names: ["call"], load: async () => (await import("./online.ts")).registerCall },
  {
    names: ["systemd-dropin"],
    load: async () => (await import("./systemd_dropin.ts")).registerSystemdDropin,
  },
  { names: ["stat"], load: async () => (await import("./stat.ts")).registerStat },
  { names: ["check"], load: async () => (await import("./check.ts")).registerCheck },
  { names: ["rm"], load: async () => (await import("./rm.ts")).registerRm },
  { names: ["log"], load: async () => (await import("./log.ts")).registerLog },
  { names: ["queue"], load: async () => (await import("./queue.ts")).registerQueue },
];

/** Global options that take a value (`--config PATH`). */
const VALUE_OPTIONS = new Set(["-c", "--config"]);

/**
 * The command `args` runs (`ferry [global options] NAME ...`, or
 * `ferry help NAME`), or `undefined` when it names none.
 */
export function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return args[i + 1];
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
