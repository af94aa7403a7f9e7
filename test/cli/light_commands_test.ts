/**
 * The one-shot commands a Pi runs often (`ferry --version`, `ferry stat`
 * from cron, `ferry queue write` as an exec handler) load no `node:` module
 * and no npm package: the first of either starts Deno's Node.js
 * compatibility layer, which costs them tens of MiB and milliseconds. Proved
 * without timing, twice: the static import graph of what each loads holds no
 * `node:` or `npm:` module, and each runs with an empty Deno cache that
 * refuses to fetch (`--cached-only`), where the first npm import would fail.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { REPO_ROOT, run, withTempDir } from "../helpers.ts";
import { renderNewConfig } from "../../src/config/mod.ts";

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/**
 * Every module `roots` load through static imports (dynamic ones are left
 * out: they run only when called), each with the chain that imports it.
 */
async function staticClosure(roots: string[]): Promise<Map<string, string[]>> {
  const chains = new Map<string, string[]>();
  for (const root of roots) {
    const out = await run(Deno.execPath(), ["info", "--json", `${REPO_ROOT}/${root}`]);
    assertEquals(out.code, 0, out.stderr);
    const info = JSON.parse(out.stdout) as { roots: string[]; modules: InfoModule[] };
    const modules = new Map(info.modules.map((m) => [m.specifier, m]));
    const stack: [string, string[]][] = [[info.roots[0]!, [root]]];
    while (stack.length > 0) {
      const [spec, chain] = stack.pop()!;
      if (chains.has(spec)) continue;
      chains.set(spec, chain);
      for (const dep of modules.get(spec)?.dependencies ?? []) {
        if (dep.code && !dep.isDynamic) {
          const short = dep.code.specifier.replace(`file://${REPO_ROOT}/`, "");
          stack.push([dep.code.specifier, [...chain, short]]);
        }
      }
    }
  }
  return chains;
}

/** The file that registers top-level command `name`, from the lazy command table. */
async function commandModule(name: string): Promise<string> {
  const index = await Deno.readTextFile(`${REPO_ROOT}/src/cli/commands/index.ts`);
  for (const m of index.matchAll(/names: \[([^\]]*)\][^}]*?lazy\("\.\/([a-z_]+\.ts)"/gs)) {
    if (m[1]!.split(",").map((s) => s.trim()).includes(JSON.stringify(name))) {
      return `src/cli/commands/${m[2]}`;
    }
  }
  throw new Error(`no module registers ${name} in src/cli/commands/index.ts`);
}

/** What loads for `ferry NAME ...`: the entry point, the command line, and the command's module. */
async function rootsOf(name: string): Promise<string[]> {
  return ["main.ts", "src/cli/main.ts", await commandModule(name)];
}

function heavy(chains: Map<string, string[]>): string[] {
  return [...chains].filter(([spec]) => spec.startsWith("node:") || spec.startsWith("npm:"))
    .map(([spec, chain]) => `${spec} <- ${chain.toReversed().join(" <- ")}`);
}

Deno.test("ferry --version, stat and queue write import no node: module and no npm package", async () => {
  assertEquals(heavy(await staticClosure(["main.ts"])), [], "--version");
  for (const name of ["stat", "queue"]) {
    const roots = await rootsOf(name);
    const chains = await staticClosure(roots);
    assert(chains.size > 20, `${name}: only ${chains.size} modules: the walk is broken`);
    assertEquals(heavy(chains), [], name);
  }
  // The walk does find them where they are: toss needs the curves and zlib.
  const toss = heavy(await staticClosure(await rootsOf("toss")));
  assert(toss.some((l) => l.startsWith("npm:")) && toss.some((l) => l.startsWith("node:")), "toss");
});

Deno.test("the graph Deno loads when ferry starts (dynamic imports included) holds no command", async () => {
  // Deno loads the modules behind every dynamic import it can read in the source when the
  // program starts; the command line and the commands are imported by computed specifiers.
  for (const root of ["main.ts", "src/cli/main.ts"]) {
    const out = await run(Deno.execPath(), ["info", "--json", `${REPO_ROOT}/${root}`]);
    assertEquals(out.code, 0, out.stderr);
    const specs = (JSON.parse(out.stdout) as { modules: InfoModule[] }).modules.map((m) =>
      m.specifier.replace(`file://${REPO_ROOT}/`, "")
    );
    const loaded = specs.filter((s) =>
      s.startsWith("npm:") || s.startsWith("node:") ||
      (s.startsWith("src/cli/commands/") && s !== "src/cli/commands/index.ts")
    );
    assertEquals(loaded, [], root);
  }
});

Deno.test("ferry --version, stat and queue write run with an empty Deno cache that fetches nothing", async () => {
  await withTempDir(async (dir) => {
    const env = { DENO_DIR: `${dir}/deno-dir`, NO_COLOR: "1" };
    const ferry = (args: string[], stdin?: Uint8Array) =>
      run(Deno.execPath(), [
        "run",
        "-A",
        "--quiet",
        "--cached-only",
        `${REPO_ROOT}/main.ts`,
        ...args,
      ], {
        env,
        ...(stdin ? { stdin } : {}),
      });
    const cfg = `${dir}/n.hjson`;
    await Deno.writeTextFile(cfg, renderNewConfig({ name: "n", spool: `${dir}/spool` }), {
      mode: 0o600,
    });
    await Deno.mkdir(`${dir}/spool`);

    const version = await ferry(["--version"]);
    assertEquals(version.code, 0, version.stderr);
    assertMatch(version.stdout, /^\d+\.\d+\.\d+/);

    const stat = await ferry(["-c", cfg, "stat", "--json"]);
    assertEquals(stat.code, 0, stat.stderr);
    assertEquals((JSON.parse(stat.stdout) as { node: string }[]).map((s) => s.node), ["self"]);

    const init = await ferry(["queue", "init", "-q", `${dir}/q`]);
    assertEquals(init.code, 0, init.stderr);
    const job = await ferry(["queue", "prepare", "-s", "-", "--", "a", "b"]);
    assertEquals(job.code, 0, job.stderr);
    const write = await ferry(
      ["queue", "write", "--content-name", "-q", `${dir}/q`],
      job.stdoutBytes,
    );
    assertEquals(write.code, 0, write.stderr);
    const sha = new Uint8Array(await crypto.subtle.digest("SHA-256", job.stdoutBytes.slice()));
    const hex = Array.from(sha, (b) => b.toString(16).padStart(2, "0")).join("");
    const names = [...Deno.readDirSync(`${dir}/q/jobs`)].map((e) => e.name);
    assertEquals(names, [`fspl-sha256-${hex}.fspl`]);

    // The same setup refuses a command that does load an npm package: the proof can fail.
    const toss = await ferry(["-c", cfg, "toss"]);
    assertEquals(toss.code, 1);
    assertStringIncludes(toss.stderr, "--cached-only");
  });
});

Deno.test("stat skips the key-pair check it does not need; commands that use the keys refuse a broken pair", async () => {
  await withTempDir(async (dir) => {
    const good = renderNewConfig({ name: "n", spool: `${dir}/spool` });
    const exch = /exchprv: (\S+)/.exec(good)![1]!;
    const noise = /noiseprv: (\S+)/.exec(good)![1]!;
    const cfg = `${dir}/broken.hjson`;
    await Deno.writeTextFile(cfg, good.replace(`exchprv: ${exch}`, `exchprv: ${noise}`), {
      mode: 0o600,
    });
    await Deno.mkdir(`${dir}/spool`);
    const ferry = (args: string[]) =>
      run(Deno.execPath(), ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, "-c", cfg, ...args]);
    const stat = await ferry(["stat"]);
    assertEquals(stat.code, 0, stat.stderr);
    for (const args of [["pubkey"], ["toss"]]) {
      const out = await ferry(args);
      assertEquals(out.code, 1, args.join(" "));
      assertStringIncludes(out.stderr, "self.exchprv: does not belong to self.exchpub");
    }
  });
});
