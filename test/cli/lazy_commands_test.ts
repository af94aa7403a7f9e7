import { assert, assertEquals } from "../assert.ts";
import { commandName, COMMANDS, loadCommands } from "../../src/cli/commands/index.ts";
import { ferry } from "../helpers.ts";

Deno.test("commandName finds the command after global options and in `help NAME`", () => {
  assertEquals(commandName(["stat"]), "stat");
  assertEquals(commandName(["-c", "x.hjson", "queue", "write", "-q", "d"]), "queue");
  assertEquals(commandName(["--config", "stat", "toss"]), "toss");
  assertEquals(commandName(["--config=x", "file", "a", "b:"]), "file");
  assertEquals(commandName(["help", "link"]), "link");
  assertEquals(commandName(["--help"]), undefined);
  assertEquals(commandName([]), undefined);
  // NNCP's -cfg PATH is a global option too; the program's help first lists every command.
  assertEquals(commandName(["-cfg", "/etc/nncp.hjson", "stat"]), "stat");
  assertEquals(commandName(["--help", "stat"]), undefined);
  assertEquals(commandName(["stat", "--help"]), "stat");
});

Deno.test("ferry --help NAME lists every command, as ferry --help does", async () => {
  const all = await ferry(["--help"]);
  const first = await ferry(["--help", "stat"]);
  assertEquals(first.code, all.code);
  assertEquals(first.stdout, all.stdout);
});

Deno.test("one module is loaded for a known command, all of them otherwise", async () => {
  assertEquals((await loadCommands(["-c", "x", "stat"])).length, 1);
  assertEquals((await loadCommands(["exec", "house", "h"])).length, 1);
  assertEquals((await loadCommands(["--help"])).length, COMMANDS.length);
  assertEquals((await loadCommands(["nosuch"])).length, COMMANDS.length);
  const names = COMMANDS.flatMap((m) => m.names);
  assertEquals(new Set(names).size, names.length, "each command in one module");
});

Deno.test("every command the full help lists is in the lazy table, and each loads alone", async () => {
  const help = await ferry(["--help"]);
  assertEquals(help.code, 0);
  const listed = [...help.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((
    n,
  ) => n !== "help" && n !== "ferry");
  const names = COMMANDS.flatMap((m) => m.names);
  for (const n of listed) assert(names.includes(n), `${n} is in COMMANDS`);
  for (const n of names) assert(listed.includes(n), `${n} is listed by --help`);
  const one = await ferry(["pubkey", "--help"]);
  assertEquals(one.code, 0, one.stderr);
  assert(one.stdout.includes("Usage: ferry pubkey"), one.stdout);
  const version = await ferry(["--version"]);
  assertEquals([version.code, version.stdout], [
    0,
    `${(await import("../../src/cli/version.ts")).VERSION}\n`,
  ]);
  const unknown = await ferry(["nosuch"]);
  assertEquals(unknown.code, 2);
});
