/**
 * NNCP users' habits on ferry's command line: NNCPCFG, one-dash flags
 * (`-cfg`, `-nice`, `-node`, `-quiet`, `-noprogress`), and `--config` after
 * the command.
 */

import { assertEquals, assertStringIncludes } from "../assert.ts";
import { ferry, withTempDir } from "../helpers.ts";
import { normalizeArgs } from "../../src/cli/nncp_args.ts";
import { buildProgram } from "../../src/cli/main.ts";
import { loadCommands } from "../../src/cli/commands/index.ts";
import { createLogger } from "../../src/log/logger.ts";
import { renderNewConfig } from "../../src/config/mod.ts";

const program = buildProgram({
  configPath: () => "/nonexistent",
  out: () => {},
  log: createLogger({ level: "error" }),
}, await loadCommands());

Deno.test("one-dash NNCP flags become ferry's options, and global options move to the front", () => {
  assertEquals(
    normalizeArgs(["file", "-nice", "F", "x", "house:", "-cfg", "a.hjson"], program),
    ["--config", "a.hjson", "file", "--nice", "F", "x", "house:"],
  );
  assertEquals(normalizeArgs(["-cfg=a.hjson", "stat", "-node", "house"], program), [
    "--config=a.hjson",
    "stat",
    "--node",
    "house",
  ]);
  assertEquals(normalizeArgs(["toss", "-quiet", "-noprogress", "--config", "c"], program), [
    "--quiet",
    "--noprogress",
    "--config",
    "c",
    "toss",
  ]);
  // arguments of a pass-through command and anything after -- stay as they are
  assertEquals(normalizeArgs(["exec", "shed", "notify", "-nice", "--config"], program), [
    "exec",
    "shed",
    "notify",
    "-nice",
    "--config",
  ]);
  assertEquals(
    normalizeArgs(["queue", "process", "-q", "/q", "--", "sh", "-cfg"], program),
    ["queue", "process", "-q", "/q", "--", "sh", "-cfg"],
  );
  // short options keep working, combined or not
  assertEquals(normalizeArgs(["log", "-n", "5"], program), ["log", "-n", "5"]);
  assertEquals(normalizeArgs(["queue", "ls", "-q", "/q"], program), ["queue", "ls", "-q", "/q"]);
});

async function withNode(fn: (cfg: string, dir: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const cfg = `${dir}/n.hjson`;
    await Deno.writeTextFile(cfg, renderNewConfig({ name: "nncpuser", spool: `${dir}/spool` }), {
      mode: 0o600,
    });
    await Deno.chmod(cfg, 0o600);
    await fn(cfg, dir);
  });
}

Deno.test("NNCPCFG is used after FERRY_CONFIG, and -cfg FILE and --config after the command work", async () => {
  await withNode(async (cfg) => {
    const env = { NNCPCFG: cfg, FERRY_CONFIG: "" };
    const viaEnv = await ferry(["pubkey"], { env });
    assertEquals(viaEnv.code, 0, viaEnv.stderr);
    assertStringIncludes(viaEnv.stdout, "nncpuser: {");
    const both = await ferry(["pubkey"], { env: { NNCPCFG: "/nonexistent", FERRY_CONFIG: cfg } });
    assertEquals(both.code, 0, "FERRY_CONFIG wins over NNCPCFG: " + both.stderr);
    const cfgFlag = await ferry(["pubkey", "-cfg", cfg]);
    assertEquals(cfgFlag.code, 0, cfgFlag.stderr);
    const after = await ferry(["stat", "--config", cfg, "-quiet"]);
    assertEquals(after.code, 0, after.stderr);
    const before = await ferry(["-cfg", cfg, "stat", "-noprogress"]);
    assertEquals(before.code, 0, before.stderr);
  });
});

Deno.test("an unknown one-dash flag is reported as its two-dash spelling with a suggestion", async () => {
  await withNode(async (cfg) => {
    const out = await ferry(["--config", cfg, "toss", "-nodes", "house"]);
    assertEquals(out.code, 2);
    assertStringIncludes(out.stderr, "unknown option '--nodes'");
    assertStringIncludes(out.stderr, "Did you mean --node?");
  });
});

Deno.test("--quiet keeps info lines off standard error; without it they are there", async () => {
  await withNode(async (cfg, dir) => {
    await Deno.writeTextFile(`${dir}/x.txt`, "x");
    const loud = await ferry(["--config", cfg, "file", `${dir}/x.txt`, "self:"]);
    assertEquals(loud.code, 0, loud.stderr);
    assertStringIncludes(loud.stderr, "info");
    const quiet = await ferry(["--config", cfg, "file", "-quiet", `${dir}/x.txt`, "self:y"]);
    assertEquals(quiet.code, 0, quiet.stderr);
    assertEquals(quiet.stderr, "");
  });
});
