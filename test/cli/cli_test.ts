import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { ferry, withTempDir } from "../helpers.ts";

Deno.test("ferry --help lists the working commands, each with its --help example", async () => {
  const help = await ferry(["--help"]);
  assertEquals(help.code, 0);
  const section = help.stdout.split("Commands:\n")[1] ?? "";
  const commands = [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((c) =>
    c !== "help"
  );
  for (const expected of ["init", "pubkey", "stat", "log"]) {
    assertMatch(help.stdout, new RegExp(`\\n  ${expected}\\b`));
  }
  for (const command of commands) {
    const sub = await ferry([command, "--help"]);
    assertEquals(sub.code, 0, sub.stderr);
    assertStringIncludes(sub.stdout, "Example");
    assertStringIncludes(sub.stdout, `ferry `);
  }
});

Deno.test("an unknown command or option exits 2 with a usage hint", async () => {
  const bad = await ferry(["frobnicate"]);
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, "--help");
  const badOpt = await ferry(["init", "--bogus"]);
  assertEquals(badOpt.code, 2);
  assertStringIncludes(badOpt.stderr, "unknown option");
});

Deno.test("a missing configuration exits 1 and says how to make one", async () => {
  const out = await ferry(["--config", "/nonexistent/ferry.hjson", "pubkey"]);
  assertEquals(out.code, 1);
  assertStringIncludes(out.stderr, "/nonexistent/ferry.hjson");
  assertStringIncludes(out.stderr, "ferry init");
});

Deno.test("FERRY_CONFIG is used when --config is absent, and a bad file lists every problem", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/bad.hjson`;
    await Deno.writeTextFile(path, "{ spool: relative\n log: also-relative\n neigh: {} }");
    const out = await ferry(["pubkey"], { env: { FERRY_CONFIG: path } });
    assertEquals(out.code, 1);
    assertStringIncludes(out.stderr, `${path}: 3 problems`);
    assertStringIncludes(out.stderr, "spool: must be an absolute path");
    assertStringIncludes(out.stderr, "log: must be an absolute path or FD:N");
    assertStringIncludes(out.stderr, "neigh.self: is missing");
  });
});

Deno.test("ferry init refuses a relative spool with exit 2", async () => {
  const out = await ferry(["init", "--spool", "spool"]);
  assertEquals(out.code, 2);
  assertStringIncludes(out.stderr, "--spool must be an absolute path");
});
