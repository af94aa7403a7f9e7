/**
 * ferry's entry point: `deno run -A main.ts COMMAND ...` is the `ferry` program.
 * `ferry --version` answers from here; everything else loads the command line
 * (and through it only the command that runs).
 * @module
 */

import { VERSION } from "./src/cli/version.ts";

if (import.meta.main) {
  const args = Deno.args;
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    Deno.stdout.writeSync(new TextEncoder().encode(`${VERSION}\n`));
    Deno.exit(0);
  }
  // A computed specifier: Deno would otherwise load every command's modules at start.
  const cli = new URL("./src/cli/main.ts", import.meta.url).href;
  const { runCli } = await import(cli) as {
    runCli(args: string[]): Promise<number>;
  };
  Deno.exit(await runCli(args));
}
