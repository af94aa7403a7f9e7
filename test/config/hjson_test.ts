/**
 * ferry's Hjson reader against the reference parser (the npm `hjson`
 * package, used here only): every configuration in the repository (the NNCP
 * vectors, every ```hjson block of the READMEs and doc comments, every
 * configuration-looking text in the tests, what `ferry init` and `ferry
 * pubkey` write) and a generated corpus of edge cases must give the same
 * values, or both fail. Then the limits, the error positions, and the writer.
 * @module
 */

import Hjson from "hjson";
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { REPO_ROOT, vectorConfig, withTempDir } from "../helpers.ts";
import {
  HJSON_LIMITS,
  HjsonError,
  parseHjson,
  stringifyHjson,
} from "../../src/config/hjson/mod.ts";
import { renderNewConfig, renderPubkeyStanza } from "../../src/config/mod.ts";
import { parseConfig } from "../../src/config/mod.ts";

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

function reference(text: string): Outcome {
  try {
    return { ok: true, value: Hjson.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function ours(text: string): Outcome {
  try {
    return { ok: true, value: parseHjson(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** The differences between the two parsers on `texts` (empty when they agree on all). */
function differences(texts: Iterable<{ where: string; text: string }>): string[] {
  const out: string[] = [];
  for (const { where, text } of texts) {
    const want = reference(text);
    const got = ours(text);
    if (want.ok !== got.ok) {
      out.push(
        `${where}: reference ${want.ok ? "parses" : `fails (${want.error})`}, ferry ${
          got.ok ? "parses" : `fails (${got.error})`
        }\n${text}`,
      );
    } else if (want.ok && got.ok) {
      const a = JSON.stringify(want.value);
      const b = JSON.stringify(got.value);
      if (a !== b) out.push(`${where}: reference ${a}, ferry ${b}\n${text}`);
    }
  }
  return out;
}

async function walk(dir: string, ext: string, out: string[]): Promise<void> {
  const skip = new Set([".tools", ".git", "test-results", ".bench", "node_modules"]);
  for await (const e of Deno.readDir(dir)) {
    if (skip.has(e.name)) continue;
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) await walk(p, ext, out);
    else if (e.isFile && e.name.endsWith(ext)) out.push(p);
  }
}

function hjsonBlocks(markdown: string): string[] {
  const out: string[] = [];
  const re = /^\s*```hjson\s*\n([\s\S]*?)^\s*```\s*$/gm;
  for (const m of markdown.matchAll(re)) out.push(m[1]!);
  return out;
}

Deno.test("Hjson: every configuration file, README block and doc-comment block parses as the reference does", async () => {
  const texts: { where: string; text: string }[] = [];
  const files: string[] = [];
  await walk(REPO_ROOT, ".hjson", files);
  for (const f of files) texts.push({ where: f, text: await Deno.readTextFile(f) });
  const docs: string[] = [];
  await walk(REPO_ROOT, ".md", docs);
  await walk(`${REPO_ROOT}/src`, ".ts", docs);
  let blocks = 0;
  for (const f of docs) {
    let text = await Deno.readTextFile(f);
    if (f.endsWith(".ts")) text = text.split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n");
    for (const block of hjsonBlocks(text)) {
      blocks++;
      texts.push({ where: `${f} block ${blocks}`, text: block });
    }
  }
  assert(files.length >= 3, `found only ${files.length} .hjson files`);
  assert(blocks >= 6, `found only ${blocks} hjson blocks`);
  for (const name of ["shed", "house-2.lan"]) {
    const cfg = renderNewConfig({ name, spool: "/srv/spool dir", incoming: "/srv/in" });
    texts.push({ where: `init ${name}`, text: cfg });
    const stanza = renderPubkeyStanza(parseConfig(cfg, "x.hjson").config);
    texts.push({ where: `pubkey ${name}`, text: stanza });
    texts.push({ where: `pubkey ${name} in braces`, text: `{${stanza}}` });
  }
  assertEquals(differences(texts), []);
});

Deno.test("Hjson: every configuration-looking text in the tests parses as the reference does", async () => {
  const files: string[] = [];
  await walk(`${REPO_ROOT}/test`, ".ts", files);
  const texts: { where: string; text: string }[] = [];
  for (const f of files) {
    const source = await Deno.readTextFile(f);
    // Template literals without substitutions, and string literals, that look like Hjson.
    for (const m of source.matchAll(/`([^`$\\]*(?:\\.[^`$\\]*)*)`|"((?:[^"\\\n]|\\.)*)"/g)) {
      let text: string;
      try {
        text = m[1] !== undefined ? m[1] : JSON.parse(`"${m[2]}"`);
      } catch {
        continue;
      }
      if (!/(^|[\s{,])[a-z-]+\s*:/m.test(text) || !/[{\n]/.test(text)) continue;
      texts.push({ where: f.slice(REPO_ROOT.length + 1), text });
    }
  }
  assert(texts.length >= 50, `found only ${texts.length} texts`);
  assertEquals(differences(texts), []);
});

/** Edge cases of the grammar, each checked against the reference. */
const EDGES: string[] = [
  "",
  "   \n  # only a comment\n",
  "{}",
  "[]",
  "a: 1",
  "{a: 1}",
  "a: 1\nb: 2",
  "a: 1, b: 2",
  "{a: 1,}",
  "[1, 2, 3,]",
  "[1\n2\n3]",
  "[\n  a\n  b c\n  'd'\n]",
  "a: [a, b]",
  "a: [\n a, b\n]",
  "a: text with spaces   \nb: next",
  "a: text # not a comment\n",
  "a: text // not a comment\n",
  "a: text /* not a comment */\n",
  "a: 5 # a comment\n",
  "a: 5, # a comment\n",
  "a: 5 // c\n",
  "a: 5 /* c */\n",
  "a: true # c\n",
  "a: true x\n",
  "a: false, b: null\n",
  "a: null}\n",
  "{a: null}",
  "{a: 5}",
  "{a: text}",
  "{a: text\n}",
  "a: 007\n",
  "a: 0\n",
  "a: -0\n",
  "a: -\n",
  "a: 1.\n",
  "a: .5\n",
  "a: -.5\n",
  "a: 1e5\n",
  "a: 1E+5\n",
  "a: 1e-5\n",
  "a: 1e\n",
  "a: 1e999\n",
  "a: 12abc\n",
  "a: 0x10\n",
  "a: 1_000\n",
  "a: 3.14159\n",
  "a: 9007199254740993\n",
  "a: Infinity\n",
  "a: NaN\n",
  "a: trueish\n",
  "a: nullable\n",
  'a: "quoted # not a comment"  # comment\n',
  "a: 'single \"quotes\"'\n",
  'a: "esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u20AC \\\'"\n',
  "a: 'esc \\' \\\"'\n",
  'a: "bad \\x"\n',
  'a: "bad \\u12G4"\n',
  'a: "line\nbreak"\n',
  'a: "never closed\n',
  "a: '''\n  one\n  two\n  '''\n",
  "a: '''one'''\n",
  "a: ''' one two '''\n",
  "  a: '''\n    indented\n      more\n   less\n  '''\n",
  "a: '''\n  it's ''quoted''\n  '''\n",
  "a: '''\r\n  crlf\r\n  lines\r\n  '''\r\n",
  "a: '''\n  no end\n",
  "a: ''\n",
  "a: ''x\n",
  "'''k''': 1\n",
  '"quoted key": 1\n',
  "'single key': 1\n",
  '"": empty\n',
  "a b: 1\n",
  "ab  : 1\n",
  ": 1\n",
  "a:1\n",
  "a\n:1\n",
  "a-b.c_d: 1\n",
  "a{: 1\n",
  "a: {\n  b: {\n    c: [1, {d: e}]\n  }\n}\n",
  "a: 1\n}",
  "{a: 1",
  "[1, 2",
  "{a: 1}}",
  "{a: 1} x",
  "a: 1\nb",
  "a: 1\nb:",
  "a: ,\n",
  "a: }\n",
  "a: :\n",
  "a: {}\n",
  "a: []\n",
  "a: [,]\n",
  "a: [1,,2]\n",
  "a: 1\na: 2\n",
  "# c\n{\n  # c\n  a: 1 # c\n  /* c */ b: 2\n}\n# c\n",
  "/* c */ a: 1",
  "// c\na: 1",
  "a: /* c */ 1\n",
  "a: 1 /* c\n c */ b: 2\n",
  '"just a string"',
  "42",
  "true",
  "null",
  "'''\nroot ml\n'''",
  "\ta:\tx\t\n",
  "a: \u00a0x\u00a0\n",
  "a: x\u2028y\n",
  "a: unicode ü ö 漢字 🙂\n",
  'a: "🙂"\n',
  "a: x\r\nb: y\r\n",
  "a: 5\r\n",
  "a: 5,b: 6\n",
  "a: 5 6\n",
  'a: "x" b: "y"\n',
  '{a: "x" b: 1}',
  'a: ["x" "y"]\n',
  "a: [1 2]\n",
  "a: [true, false, null]\n",
  "a: [true false]\n",
  "spool: /var/spool/nncp\nlog: /var/spool/nncp/log\n",
  'exec: { sendmail: ["/usr/sbin/sendmail"] }\n',
  "exec: {\n  sendmail: [/usr/sbin/sendmail, -t]\n}\n",
  "exec: {\n  sendmail: [\n    /usr/sbin/sendmail\n    -t\n  ]\n}\n",
  'umask: "022"\n',
  "umask: 022\n",
  "nice: B+5\n",
  'addrs: { lan: "[fe80::1]:5400" }\n',
  "addrs: { lan: [fe80::1]:5400 }\n",
  'via: ["alice", "bob"]\n',
  'calls: [{ cron: "*/1 * * * *", onlinedeadline: 10 }]\n',
  "calls: [\n  {\n    cron: */1 * * * *\n    onlinedeadline: 10\n  }\n]\n",
];

Deno.test("Hjson: grammar edge cases parse (or fail) as the reference does", () => {
  assertEquals(differences(EDGES.map((text, i) => ({ where: `edge ${i}`, text }))), []);
});

/** A small seeded generator (xorshift32), so a failure is reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const KEYS = ["a", "id", "exch-pub", "'q k'", '"x"', "k.1", "_"];
const SCALARS = [
  "1",
  "-2.5e3",
  "007",
  "true",
  "false",
  "null",
  "text",
  "text with # hash",
  "/srv/path // x",
  '"q"',
  "'s'",
  '"e\\n\\u0041"',
  "-",
  "1e",
  "B+5",
  "'''\n    ml\n      x\n    '''",
  "'''x'''",
];
const GAPS = ["", " ", "\n", " # c\n", " // c\n", " /* c */ ", "\n\n  ", ",", ", ", ",\n", "\t"];

function generate(next: () => number, depth: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const r = next();
  if (depth > 3 || r < 0.5) return pick(SCALARS);
  const n = Math.floor(next() * 4);
  const parts: string[] = [];
  if (r < 0.75) {
    for (let i = 0; i < n; i++) {
      parts.push(`${pick(KEYS)}${pick(["", " "])}:${pick([" ", ""])}${generate(next, depth + 1)}`);
    }
    return `{${pick(GAPS)}${parts.map((p) => p + pick(GAPS)).join("")}}`;
  }
  for (let i = 0; i < n; i++) parts.push(generate(next, depth + 1));
  return `[${pick(GAPS)}${parts.map((p) => p + pick(GAPS)).join("")}]`;
}

Deno.test("Hjson: a generated corpus of 3000 documents parses (or fails) as the reference does", () => {
  const next = rng(0x5eed);
  const texts: { where: string; text: string }[] = [];
  for (let i = 0; i < 3000; i++) {
    let text = generate(next, 0);
    // Half of them as a root object without braces.
    if (i % 2 === 1 && text.startsWith("{") && text.endsWith("}")) text = text.slice(1, -1);
    texts.push({ where: `generated ${i}`, text });
  }
  const parsed = texts.filter((t) => ours(t.text).ok).length;
  assert(parsed > 500 && parsed < 2900, `only ${parsed} of 3000 parse: the corpus is lopsided`);
  assertEquals(differences(texts), []);
});

Deno.test("Hjson: where ferry is stricter than the reference, on purpose", () => {
  // An unclosed block comment: the reference ignores the rest of the file silently.
  assert(reference("a: 1\n/* never closed\nb: 2\n").ok);
  assertThrows(() => parseHjson("a: 1\n/* never closed\nb: 2\n"), HjsonError, "line 2, column 1");
  // __proto__ is an ordinary key, not the object's prototype.
  const v = parseHjson('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
  assertEquals(Object.keys(v), ["__proto__"]);
  assertEquals(({} as Record<string, unknown>).polluted, undefined);
  assertEquals(Object.getPrototypeOf(v), Object.prototype);
});

Deno.test("Hjson: errors name the line and column", () => {
  const cases: [string, string, number, number][] = [
    ["a: 1\nb c: 2\n", "whitespace", 2, 2],
    ["a: {\n  b: 1\n", "missing '}'", 3, 1],
    ['a: 1\nb: "x\n', "line break", 2, 6],
    ['{a: "\\q"}', "bad escape", 1, 7],
    ["{a: [1, 2\n", "missing ']'", 2, 1],
    // A root without braces that is not an object is read as one quoteless string, as in Hjson.
    ['a: "\\q"', "", 0, 0],
    ["{a: 1}\nx", "after the end", 2, 1],
    ["{a: ,}", "where a value was expected", 1, 5],
  ];
  for (const [text, words, line, column] of cases) {
    if (line === 0) {
      assertEquals(parseHjson(text), text);
      continue;
    }
    const err = assertThrows(() => parseHjson(text), HjsonError);
    assert(err.message.includes(words), `${JSON.stringify(text)}: ${err.message}`);
    assertEquals([err.line, err.column], [line, column], `${JSON.stringify(text)}: ${err.message}`);
  }
});

Deno.test("Hjson: nesting and size limits are enforced", () => {
  const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
  assertEquals(
    JSON.stringify(parseHjson(deep(HJSON_LIMITS.depthMax))).length,
    2 * HJSON_LIMITS.depthMax,
  );
  assertThrows(() => parseHjson(deep(HJSON_LIMITS.depthMax + 1)), HjsonError, "nested deeper");
  assertThrows(
    () => parseHjson("{a: " + "{b: ".repeat(200) + "1" + "}".repeat(201)),
    HjsonError,
    "64",
  );
  assertThrows(() => parseHjson("a: 12345", { textCharsMax: 5 }), RangeError, "limit of 5");
  assertThrows(() => parseHjson("[[[]]]", { depthMax: 2 }), HjsonError, "deeper than 2");
  // A megabyte of configuration is read quickly (no quadratic work).
  const big = Array.from({ length: 20_000 }, (_, i) => `k${i}: value number ${i} # c`).join("\n");
  const t0 = performance.now();
  assertEquals(Object.keys(parseHjson(big) as object).length, 20_000);
  assert(performance.now() - t0 < 10_000);
});

Deno.test("Hjson writer: output reads back to the same value with both parsers", () => {
  const values: unknown[] = [
    { spool: "/var/spool/nncp", log: "/var/spool/nncp/log", umask: "022", noprogress: true },
    { "odd key": { "#": "x # y", "": "", '"': "'''" }, n: [1, -2.5, 0, null, false, [], {}] },
    { s: ["true", "12", "null", " padded ", "a\nb", "tab\there", "🙂", "\u0001"] },
    [{ a: 1 }, [2, [3]], "x"],
  ];
  for (const v of values) {
    const text = stringifyHjson(v);
    assertEquals(parseHjson(text), v, text);
    assertEquals(Hjson.parse(text), v, text);
  }
  assertEquals(stringifyHjson({ a: undefined, b: 1 }), "{\n  b: 1\n}\n");
  assertThrows(() => stringifyHjson({ a: Infinity }), TypeError);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assertThrows(() => stringifyHjson(cyclic), TypeError, "contains itself");
});

Deno.test("Hjson writer: NNCP's tools read a configuration ferry's writer made", async () => {
  await withTempDir(async (dir) => {
    const source = await vectorConfig("alice", dir);
    const value = parseHjson(source) as Record<string, unknown>;
    value.spool = `${dir}/spool`;
    value.log = `${dir}/log`;
    const path = `${dir}/written.hjson`;
    await Deno.writeTextFile(path, stringifyHjson(value), { mode: 0o600 });
    const out = await new Deno.Command("nncp-cfgmin", {
      args: ["-cfg", path],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert(out.success, `nncp-cfgmin refused the written configuration: ${stderr}`);
    const min = parseHjson(new TextDecoder().decode(out.stdout)) as {
      neigh: Record<string, { id: string }>;
    };
    const neigh = value.neigh as Record<string, { id: string }>;
    assertEquals(Object.keys(min.neigh).sort(), Object.keys(neigh).sort());
    for (const name of Object.keys(neigh)) assertEquals(min.neigh[name]!.id, neigh[name]!.id);
  });
});
