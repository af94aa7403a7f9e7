/**
 * ferry's entry point: `deno run -A main.ts COMMAND ...` is the `ferry` program.
 * @module
 */

import { runCli } from "./src/cli/main.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
