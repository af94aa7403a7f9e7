import { assert, assertEquals, assertRejects, assertStringIncludes } from "../assert.ts";
import { ferry, withTempDir } from "../helpers.ts";
import { CONFIG_BYTES_MAX, loadConfig } from "../../src/config/load.ts";
import { ConfigError, parseConfig, renderNewConfig } from "../../src/config/mod.ts";

Deno.test("a FIFO as the configuration is refused at once, without blocking", async () => {
  await withTempDir(async (dir) => {
    const fifo = `${dir}/cfg.fifo`;
    const mk = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert(mk.success);
    const err = await assertRejects(() => loadConfig(fifo), ConfigError);
    assertStringIncludes(err.message, "it is a FIFO, not a regular file");
    assertStringIncludes(err.message, fifo);
  });
});

Deno.test("a device or a folder as the configuration is refused, naming what it is", async () => {
  const dev = await assertRejects(() => loadConfig("/dev/zero"), ConfigError);
  assertStringIncludes(dev.message, "/dev/zero: 1 problem");
  assertStringIncludes(dev.message, "character device, not a regular file");
  await withTempDir(async (dir) => {
    const folder = await assertRejects(() => loadConfig(dir), ConfigError);
    assertStringIncludes(folder.message, "it is a folder");
  });
});

Deno.test("ferry --config /dev/zero check exits 1 quickly instead of reading forever", async () => {
  const out = await ferry(["--config", "/dev/zero", "check"]);
  assertEquals(out.code, 1);
  assertStringIncludes(out.stderr, "character device");
});

Deno.test("a configuration larger than the cap is refused with its size, not parsed", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/huge.hjson`;
    const base = renderNewConfig({ name: "shed" });
    const filler = `\n# ${"x".repeat(CONFIG_BYTES_MAX)}\n`;
    await Deno.writeTextFile(path, base.replace("{", `{${filler}`), { mode: 0o600 });
    const err = await assertRejects(() => loadConfig(path), ConfigError);
    assertStringIncludes(err.message, `more than the ${CONFIG_BYTES_MAX} bytes`);
    // the same configuration without the filler loads
    await Deno.writeTextFile(path, base, { mode: 0o600 });
    const { config } = await loadConfig(path);
    assertEquals(config.ferry.name, "shed");
  });
});

Deno.test("warnings are reported with the errors: a misspelt key explains the missing one", () => {
  const text = renderNewConfig({ name: "shed" }).replace("spool:", "spoool:").replace(
    "log:",
    "logg:",
  ).replace("{", "{\n  incomming: /srv/in\n");
  const err = (() => {
    try {
      parseConfig(text, "shed.hjson");
    } catch (e) {
      return e as ConfigError;
    }
    throw new Error("accepted");
  })();
  assert(err instanceof ConfigError);
  assertStringIncludes(err.message, 'spool: is missing (the file has "spoool": a typo?)');
  assertStringIncludes(err.message, 'log: is missing (the file has "logg": a typo?)');
  assertStringIncludes(err.message, 'spoool: unknown key; did you mean "spool"?');
  assertStringIncludes(err.message, 'logg: unknown key; did you mean "log"?');
  assertStringIncludes(err.message, "incomming: unknown key");
  assertEquals(err.warnings.length, 3);
});

Deno.test("an unquoted value that ran into a comment is refused for paths and warned for names", () => {
  const base = renderNewConfig({ name: "shed" });
  const withQueue = base.replace(
    "toss: {",
    'queues: [ { dir: /srv/q      # the jobs\n command: ["true"] } ]\n    toss: {',
  );
  try {
    parseConfig(withQueue, "q.hjson");
    throw new Error("accepted");
  } catch (err) {
    assert(err instanceof ConfigError, String(err));
    assertStringIncludes(err.message, "ferry.queues[0].dir");
    assertStringIncludes(err.message, 'write it in quotes: "/srv/q"');
  }
  const marker = base.replace(
    "toss: {",
    'media: { marker: NNCP   # a folder\n mounts: ["/m"] }\n toss: {',
  );
  const { warnings } = parseConfig(marker, "m.hjson");
  assertEquals(warnings.map((w) => w.path), ["ferry.media.marker"]);
});
