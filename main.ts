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
  const { runCli } = await import("./src/cli/main.ts");
  Deno.exit(await runCli(args));
}
