/**
 * Every command's help text, rendered in process (no subprocess per command).
 * @module
 */

import type { Command } from "../../src/cli/args/mod.ts";
import { buildProgram } from "../../src/cli/main.ts";
import { loadCommands } from "../../src/cli/commands/index.ts";
import { createLogger } from "../../src/log/logger.ts";

/** Every command's full help text (with its examples), in process. */
export async function allHelpTexts(): Promise<{ command: string; text: string }[]> {
  let buf = "";
  const program = buildProgram({
    configPath: () => "/nonexistent",
    out: (s) => void (buf += s),
    log: createLogger({ level: "error" }),
  }, await loadCommands());
  const out: { command: string; text: string }[] = [];
  const walk = (cmd: Command, name: string) => {
    buf = "";
    cmd.outputHelp();
    out.push({ command: name, text: buf });
    for (const sub of cmd.commands) walk(sub, `${name} ${sub.name()}`);
  };
  walk(program, "ferry");
  return out;
}
