/**
 * Progress bars: drawn only on a terminal, never for a copy that is over
 * within one redraw interval, ending on their final state; switched off by
 * `--noprogress`, `--quiet` and `noprogress: true` in the configuration.
 * The terminal tests run ferry under `script`, which gives it a real pty.
 */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { REPO_ROOT, run, withTempDir } from "../helpers.ts";
import { createProgress, progressRedrawMs } from "../../src/progress/progress.ts";
import { renderNewConfig } from "../../src/config/mod.ts";

Deno.test("a bar redraws at most every interval, draws its last bytes at once, and ends on its real final state", () => {
  let t = 0;
  const out: string[] = [];
  const bar = createProgress("rx X", 1000, {
    enabled: true,
    write: (s) => out.push(s),
    now: () => t,
  });
  bar.add(100);
  assertEquals(out.length, 1, "drawn at once");
  bar.add(90);
  assertEquals(out.length, 1, "no redraw within the interval");
  t += progressRedrawMs;
  bar.add(0);
  assertEquals(out.length, 2);
  assertStringIncludes(out[1]!, "19%");
  out.splice(0, 1);
  t += 10;
  bar.add(700);
  assertEquals(out.length, 1, "no redraw within the interval");
  bar.add(110);
  assertEquals(out.length, 2, "the last bytes are drawn at once, before a long flush");
  assertStringIncludes(out[1]!, "100%");
  bar.done();
  assertStringIncludes(out.at(-2)!, "100%");
  assertEquals(out.at(-1), "\n");
  const quick = createProgress("rx Y", 10, {
    enabled: true,
    write: (s) => out.push(s),
    now: () => t,
  });
  const before = out.length;
  quick.add(10);
  quick.done();
  assertEquals(
    out.slice(before).at(-1),
    "\r\x1b[K",
    "a copy over at once is cleared, no line left",
  );
});

/** Runs `ferry ARGS` with a pty as its terminal; returns what the terminal showed. */
async function onTerminal(args: string[], cwd: string): Promise<{ code: number; screen: string }> {
  const quoted = [Deno.execPath(), "run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, ...args]
    .map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const out = await run("script", ["-qefc", `${quoted} </dev/null`, "/dev/null"], { cwd });
  return { code: out.code, screen: out.stdout };
}

async function setup(dir: string, noprogress: boolean): Promise<string> {
  const cfg = `${dir}/n.hjson`;
  let text = renderNewConfig({ name: "pi", spool: `${dir}/spool`, incoming: `${dir}/in` });
  if (noprogress) text = text.replace("# noprogress: true", "noprogress: true");
  await Deno.writeTextFile(cfg, text, { mode: 0o600 });
  await Deno.chmod(cfg, 0o600);
  await Deno.mkdir(`${dir}/in`);
  return cfg;
}

const bigBytes = 160 * 1024 * 1024;

/** Moves the packets this node queued for itself into its rx folder, as if they had arrived. */
async function txToRx(spool: string): Promise<void> {
  for await (const node of Deno.readDir(spool)) {
    if (!/^[A-Z2-7]{52}$/.test(node.name)) continue;
    await Deno.mkdir(`${spool}/${node.name}/rx`, { recursive: true });
    for await (const p of Deno.readDir(`${spool}/${node.name}/tx`)) {
      if (/^[A-Z2-7]{52}$/.test(p.name)) {
        await Deno.rename(
          `${spool}/${node.name}/tx/${p.name}`,
          `${spool}/${node.name}/rx/${p.name}`,
        );
      }
    }
  }
}

Deno.test("ferry file and ferry toss show progress on a terminal for a big file, and end at 100 %", async () => {
  await withTempDir(async (dir) => {
    const cfg = await setup(dir, false);
    const big = `${dir}/big.bin`;
    using f = await Deno.open(big, { write: true, create: true });
    await f.truncate(bigBytes);
    const sent = await onTerminal(["--config", cfg, "file", big, "self:"], dir);
    assertEquals(sent.code, 0, sent.screen);
    assertStringIncludes(sent.screen, "file big.bin [");
    assertStringIncludes(sent.screen, "100%");
    await txToRx(`${dir}/spool`);
    const tossed = await onTerminal(["--config", cfg, "toss"], dir);
    assertEquals(tossed.code, 0, tossed.screen);
    assertStringIncludes(tossed.screen, "toss ");
    assertStringIncludes(tossed.screen, "100%");
    assertEquals((await Deno.stat(`${dir}/in/big.bin`)).size, bigBytes);
  });
});

Deno.test("noprogress: true in the configuration, --noprogress and --quiet switch bars off", async () => {
  await withTempDir(async (dir) => {
    const cfg = await setup(dir, true);
    const big = `${dir}/big.bin`;
    using f = await Deno.open(big, { write: true, create: true });
    await f.truncate(bigBytes);
    const fromConfig = await onTerminal(["--config", cfg, "file", big, "self:a"], dir);
    assertEquals(fromConfig.code, 0, fromConfig.screen);
    assert(!fromConfig.screen.includes("%"), fromConfig.screen);
    await Deno.writeTextFile(cfg, (await Deno.readTextFile(cfg)).replace("noprogress: true", ""));
    const flag = await onTerminal(["--config", cfg, "file", "--noprogress", big, "self:b"], dir);
    assertEquals(flag.code, 0, flag.screen);
    assert(!flag.screen.includes("%"), flag.screen);
    await txToRx(`${dir}/spool`);
    const quiet = await onTerminal(["--config", cfg, "toss", "-quiet"], dir);
    assertEquals(quiet.code, 0, quiet.screen);
    assertEquals(quiet.screen.trim(), "");
  });
});
