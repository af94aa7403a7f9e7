/**
 * ferry's command-line parser on its own: options with values, defaults,
 * negation, several values, parsers and mandatory ones; arguments; nested
 * commands; pass-through; help, `help NAME`, `--version`; usage errors with
 * suggestions.
 */

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../assert.ts";
import {
  ArgsError,
  Command,
  editDistance,
  Option,
  suggestSimilar,
} from "../../src/cli/args/mod.ts";

interface World {
  program: Command;
  out: () => string;
  err: () => string;
  calls: unknown[][];
}

function world(): World {
  let out = "";
  let err = "";
  const calls: unknown[][] = [];
  const program = new Command("tool").version("1.2.3")
    .option("-c, --config <path>", "configuration")
    .option("--quiet", "less output")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (err += s) });
  const record = (name: string) => (...args: unknown[]) => {
    const opts = args.at(-2);
    calls.push([name, ...args.slice(0, -2), opts]);
  };
  program.command("send").description("send a file")
    .argument("<src>", "what to send")
    .argument("[dst]", "where", "here")
    .option("--nice <nice>", "niceness", "N")
    .option("-n, --count <n>", "how many", (v: string) => Number(v))
    .option("--no-verify", "skip checks")
    .option("--pkt <ids...>", "packets")
    .option("-a", "all")
    .option("-b", "both")
    .addHelpText("after", "\nExample:\n  tool send a b\n")
    .action(record("send"));
  program.command("exec").argument("<node>").argument("[args...]").option("--nice <n>")
    .passThroughOptions().action(record("exec"));
  const q = program.command("queue").description("queues");
  q.command("write").addOption(new Option("-q, --dir <dir>", "queue").makeOptionMandatory())
    .addOption(
      new Option("--mode <m>", "mode").argParser((v) => v.toUpperCase()).default("PLAIN"),
    )
    .action(record("queue write"));
  return { program, out: () => out, err: () => err, calls };
}

async function exitOf(w: World, args: string[]): Promise<number> {
  try {
    await w.program.parseAsync(args, { from: "user" });
    return -1;
  } catch (e) {
    if (e instanceof ArgsError) return e.exitCode;
    throw e;
  }
}

Deno.test("args: options, defaults, parsers, negation and several values reach the action", async () => {
  const w = world();
  await w.program.parseAsync(["send", "f.txt", "--count", "3", "--no-verify", "--pkt", "A", "B"], {
    from: "user",
  });
  await w.program.parseAsync([
    "send",
    "--nice=F",
    "-n7",
    "-ab",
    "f",
    "g",
    "--pkt",
    "C",
    "--pkt",
    "D",
  ], {
    from: "user",
  });
  assertEquals(w.calls, [
    ["send", "f.txt", "here", { nice: "N", count: 3, verify: false, pkt: ["A", "B"] }],
    ["send", "f", "g", { nice: "F", count: 7, verify: true, a: true, b: true, pkt: ["C", "D"] }],
  ]);
});

Deno.test("args: global options before the command, mandatory options, parsers with defaults", async () => {
  const w = world();
  let seen: Record<string, unknown> = {};
  w.program.hook("preAction", (cmd, action) => {
    seen = { ...cmd.optsWithGlobals(), action: action.name() };
  });
  await w.program.parseAsync(["-c", "x.cfg", "--quiet", "queue", "write", "-q", "/q"], {
    from: "user",
  });
  assertEquals(seen, { config: "x.cfg", quiet: true, action: "write" });
  assertEquals(w.calls, [["queue write", { dir: "/q", mode: "PLAIN" }]]);
  assertEquals(await exitOf(w, ["queue", "write"]), 1);
  assertStringIncludes(w.err(), "error: required option '-q, --dir <dir>' not specified");
});

Deno.test("args: pass-through commands take everything after the first argument as arguments", async () => {
  const w = world();
  await w.program.parseAsync(["exec", "--nice", "B", "house", "run", "--nice", "-x", "--"], {
    from: "user",
  });
  assertEquals(w.calls, [["exec", "house", ["run", "--nice", "-x", "--"], { nice: "B" }]]);
});

Deno.test("args: usage errors name the problem, suggest, and exit 1", async () => {
  const cases: [string[], string][] = [
    [["sned"], "error: unknown command 'sned'\n(Did you mean send?)"],
    [["send", "f", "--nicer", "x"], "error: unknown option '--nicer'\n(Did you mean --nice?)"],
    [["send"], "error: missing required argument 'src'"],
    [
      ["send", "a", "b", "c"],
      "error: too many arguments for 'send'. Expected 2 arguments but got 3: a, b, c.",
    ],
    [["send", "a", "--nice"], "error: option '--nice <nice>' argument missing"],
    [["--bogus", "send"], "error: unknown option '--bogus'"],
    [["queue", "wirte"], "error: unknown command 'wirte'\n(Did you mean write?)"],
    [["help", "nosuch"], "error: unknown command 'nosuch'"],
  ];
  for (const [args, message] of cases) {
    const w = world();
    assertEquals(await exitOf(w, args), 1, args.join(" "));
    assertEquals(w.err(), `${message}\n(run with --help for usage)\n`, args.join(" "));
    assertEquals(w.calls, []);
  }
});

Deno.test("args: --help, help NAME and --version print and exit 0; a group without a command shows its help as an error", async () => {
  let w = world();
  assertEquals(await exitOf(w, ["send", "--help"]), 0);
  assertEquals(
    w.out(),
    "Usage: tool send [options] <src> [dst]\n\nsend a file\n\nArguments:\n" +
      '  src              what to send\n  dst              where (default: "here")\n\n' +
      'Options:\n  --nice <nice>    niceness (default: "N")\n  -n, --count <n>  how many\n' +
      "  --no-verify      skip checks\n  --pkt <ids...>   packets\n  -a               all\n" +
      "  -b               both\n  -h, --help       display help for command\n\n" +
      "Example:\n  tool send a b\n\n",
  );
  w = world();
  assertEquals(await exitOf(w, ["help", "queue", "write"]), 0);
  assert(w.out().startsWith("Usage: tool queue write [options]\n"), w.out());
  w = world();
  assertEquals(await exitOf(w, ["--help"]), 0);
  assertStringIncludes(w.out(), "Commands:\n  send [options] <src> [dst]       send a file\n");
  assertStringIncludes(w.out(), "  help [command]                   display help for command\n");
  w = world();
  assertEquals(await exitOf(w, ["--version"]), 0);
  assertEquals(w.out(), "1.2.3\n");
  w = world();
  assertEquals(await exitOf(w, ["queue"]), 1);
  assertEquals(w.out(), "");
  assert(w.err().startsWith("Usage: tool queue [options] [command]\n"), w.err());
});

Deno.test("args: a parser's exception reaches the caller unchanged", async () => {
  const w = world();
  class Bad extends Error {}
  w.program.command("num").option("--n <n>", "n", () => {
    throw new Bad("not a number");
  }).action(() => {});
  await assertRejects(() => w.program.parseAsync(["num", "--n", "x"], { from: "user" }), Bad);
});

Deno.test("args: suggestions use the edit distance with swaps", () => {
  assertEquals(editDistance("stta", "stat"), 1);
  assertEquals(editDistance("", "abc"), 3);
  assertEquals(suggestSimilar("--nodes", ["--node", "--nice"]), "\n(Did you mean --node?)");
  assertEquals(suggestSimilar("tos", ["toss", "log"]), "\n(Did you mean toss?)");
  assertEquals(suggestSimilar("xyzzy", ["toss", "log"]), "");
  assertEquals(suggestSimilar("lok", ["log", "lock"]), "\n(Did you mean one of lock, log?)");
});
