/**
 * Every configuration example ferry shows a person is loaded through the
 * real configuration loader: the ```hjson blocks of every README, and the
 * configuration lines in every command's `--help`. A fragment (a `ferry:`
 * section, a neighbour's `exec:`) is merged into a complete node
 * configuration first, so the example is checked exactly as a user would
 * paste it.
 * @module
 */

import Hjson from "hjson";
import { parseHjson } from "../../src/config/hjson/mod.ts";
import { assert, assertEquals } from "../assert.ts";
import { REPO_ROOT, withTempDir } from "../helpers.ts";
import { loadConfig, renderNewConfig, renderPubkeyStanza } from "../../src/config/mod.ts";
import { parseConfig } from "../../src/config/mod.ts";
import { allHelpTexts } from "./_help_texts.ts";

/** Where a fragment's top key belongs in a complete configuration. */
const PLACE: Record<string, string[]> = {
  ferry: [],
  neigh: [],
  spool: [],
  log: [],
  umask: [],
  noprogress: [],
  nohdr: [],
  areas: [],
  exec: ["neigh", "house"],
  incoming: ["neigh", "house"],
  freq: ["neigh", "house"],
  via: ["neigh", "house"],
  media: ["ferry"],
  links: ["ferry"],
  queues: ["ferry"],
  "sync-folders": ["ferry"],
  toss: ["ferry"],
  send: ["ferry"],
  daemon: ["ferry"],
  "call-on-announce": ["ferry"],
  mqtt: ["ferry"],
  "mcd-listen": [],
  "mcd-send": [],
  addrs: ["neigh", "house"],
  calls: ["neigh", "house"],
  "mcd-ignore": ["neigh", "house"],
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function deepMerge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObj(b) && isObj(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/** A complete configuration with neighbours called house, relay and barn to merge examples into. */
function baseConfig(): Obj {
  const shed = Hjson.parse(renderNewConfig({ name: "shed" })) as Obj;
  const neigh = shed["neigh"] as Obj;
  for (const name of ["house", "relay", "barn"]) {
    const peer = parseConfig(renderNewConfig({ name }), `${name}.hjson`).config;
    neigh[name] = Hjson.parse(`{${renderPubkeyStanza(peer)}}`)[name];
  }
  return shed;
}

/** Places a parsed fragment into the base configuration; fails for keys it cannot place. */
function placeFragment(fragment: Obj, where: string): Obj {
  let merged = baseConfig();
  for (const [key, value] of Object.entries(fragment)) {
    const path = PLACE[key];
    assert(path, `${where}: no rule places top key ${JSON.stringify(key)}; add it to PLACE`);
    let nested: Obj = { [key]: value };
    for (const part of [...path].reverse()) nested = { [part]: nested };
    merged = deepMerge(merged, nested);
  }
  return merged;
}

/** Loads `fragment` (Hjson text) merged into a full configuration; returns the problems. */
async function loadExample(text: string, where: string, dir: string): Promise<string[]> {
  let fragment: unknown;
  try {
    fragment = parseHjson(text);
  } catch (err) {
    return [`${where}: cannot parse Hjson: ${(err as Error).message}`];
  }
  // ferry's reader and the reference Hjson parser must read the example alike.
  let reference: unknown;
  try {
    reference = Hjson.parse(text);
  } catch (err) {
    return [`${where}: the reference Hjson parser refuses it: ${(err as Error).message}`];
  }
  if (JSON.stringify(reference) !== JSON.stringify(fragment)) {
    return [
      `${where}: ferry reads ${JSON.stringify(fragment)}, Hjson ${JSON.stringify(reference)}`,
    ];
  }
  if (!isObj(fragment)) return [`${where}: not an object`];
  const path = `${dir}/example.hjson`;
  await Deno.writeTextFile(path, JSON.stringify(placeFragment(fragment, where), null, 2), {
    mode: 0o600,
  });
  await Deno.chmod(path, 0o600);
  try {
    const { warnings } = await loadConfig(path);
    return warnings.map((w) => `${where}: warning ${w.path}: ${w.message}`);
  } catch (err) {
    return [`${where}: ${(err as Error).message}`];
  }
}

/** The ```hjson blocks of a markdown file, with their line numbers. */
function hjsonBlocks(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```hjson\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j]!)) j++;
    out.push({ line: start + 1, text: lines.slice(start, j).join("\n") });
    i = j;
  }
  return out;
}

/** Every file of the project ending in `ext` (not vendored tools or vectors). */
async function projectFiles(ext: string): Promise<string[]> {
  const out: string[] = [];
  const skip = new Set([".tools", ".git", "test-results", ".bench", "vectors", "node_modules"]);
  async function walk(dir: string) {
    for await (const e of Deno.readDir(dir)) {
      if (skip.has(e.name) || e.name.startsWith(".")) continue;
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile && e.name.endsWith(ext)) out.push(p);
    }
  }
  await walk(REPO_ROOT);
  return out.sort();
}

/** Configuration lines in a help text: `key: {`/`key: [` lines, possibly behind `#`. */
function helpConfigLines(text: string): string[] {
  return text.split("\n").map((l) => l.replace(/^\s*#?\s*/, "")).filter((l) =>
    /^[a-z][a-z-]*: [{\[]/.test(l)
  );
}

Deno.test("every ```hjson block in every README loads through the configuration loader without warnings", async () => {
  const files = await projectFiles(".md");
  const problems: string[] = [];
  let blocks = 0;
  await withTempDir(async (dir) => {
    for (const file of files) {
      for (const block of hjsonBlocks(await Deno.readTextFile(file))) {
        blocks++;
        const where = `${file.slice(REPO_ROOT.length + 1)}:${block.line}`;
        problems.push(...await loadExample(block.text, where, dir));
      }
    }
  });
  assert(blocks >= 2, `found only ${blocks} hjson blocks`);
  assertEquals(problems, []);
});

Deno.test("every ```hjson block in a doc comment of the source loads through the configuration loader", async () => {
  const problems: string[] = [];
  let blocks = 0;
  await withTempDir(async (dir) => {
    for (const file of [...await projectFiles(".ts")]) {
      if (file.includes("/test/")) continue;
      const text = await Deno.readTextFile(file);
      if (!text.includes("```hjson")) continue;
      const uncommented = text.split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n");
      for (const block of hjsonBlocks(uncommented)) {
        blocks++;
        const where = `${file.slice(REPO_ROOT.length + 1)}:${block.line}`;
        problems.push(...await loadExample(block.text, where, dir));
      }
    }
  });
  assert(blocks >= 4, `found only ${blocks} hjson blocks in doc comments`);
  assertEquals(problems, []);
});

Deno.test("every configuration line in a --help text loads through the configuration loader", async () => {
  const problems: string[] = [];
  let found = 0;
  await withTempDir(async (dir) => {
    for (const { command, text } of await allHelpTexts()) {
      for (const line of helpConfigLines(text)) {
        found++;
        problems.push(...await loadExample(line, `${command} --help: ${line}`, dir));
      }
    }
  });
  assert(found >= 1, "no configuration example found in any --help");
  assertEquals(problems, []);
});

Deno.test("the configuration example checker catches the mistakes Hjson invites", async () => {
  await withTempDir(async (dir) => {
    const bad = [
      "ferry: { name: shed   # a comment runs into the value\n}",
      'ferry: { queues: [ { dir: /var/spool/ferry/jobs, command: ["true"] } ] }',
      'ferry: { sync-folders: [ { path: /srv/sync/ferry, nodes: ["house"] } ] }',
    ];
    for (const text of bad) {
      const problems = await loadExample(text, "bad", dir);
      assert(problems.length > 0, `accepted: ${text}`);
    }
    assertEquals(await loadExample('ferry: { name: "shed" }', "good", dir), []);
  });
});

Deno.test("the commented neighbour example in ferry init's output loads, and its exec handler queues exactly once", async () => {
  const text = renderNewConfig({ name: "shed" });
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /^\s*# house: \{/.test(l));
  const end = lines.findIndex((l, i) => i > start && /^\s*# \}/.test(l));
  assert(start > 0 && end > start, "the example is there");
  const block = lines.slice(start, end + 1).map((l) => l.replace(/^\s*# ?/, ""))
    .filter((l) => !/: \.\.\.$/.test(l)).join("\n");
  assert(block.includes('"--content-name"'), block);
  await withTempDir(async (dir) => {
    assertEquals(await loadExample(`neigh: {\n${block}\n}`, "ferry init: house", dir), []);
  });
});
