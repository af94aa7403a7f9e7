import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../assert.ts";
import { NNCP_VECTORS } from "../helpers.ts";
import { decodeBase32, encodeBase32 } from "../../src/encoding/base32.ts";
import { ConfigError, parseConfig, parseConfigChecked } from "../../src/config/mod.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

async function alice(): Promise<Json> {
  const text = await Deno.readTextFile(`${NNCP_VECTORS}/cfg/alice.hjson`);
  return JSON.parse(text.replaceAll("@ROOT@", "/srv/t"));
}

function errorsOf(cfg: Json | string): string[] {
  const text = typeof cfg === "string" ? cfg : JSON.stringify(cfg);
  const err = assertThrows(() => parseConfig(text, "bad.hjson"), ConfigError);
  return err.issues.map((i) => `${i.path}: ${i.message}`);
}

function expectOne(cfg: Json | string, path: string, includes: string): void {
  const errors = errorsOf(cfg);
  const hit = errors.find((e) => e.startsWith(`${path}: `) && e.includes(includes));
  assert(
    hit,
    `expected an error at ${path} containing ${JSON.stringify(includes)}, got:\n${
      errors.join("\n")
    }`,
  );
}

// A base32 string that decodes to 31 bytes instead of 32.
const SHORT_KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

const FAULTS: [string, (c: Json) => Json | string, string, string][] = [
  [
    "a key of the wrong length",
    (c) => (c.neigh.bob.exchpub = SHORT_KEY, c),
    "neigh.bob.exchpub",
    "must be 32 bytes",
  ],
  [
    "a key that is not base32",
    (c) => (c.neigh.bob.signpub = "x" + c.neigh.bob.signpub.slice(1), c),
    "neigh.bob.signpub",
    'is not valid base32 (character "x" at position 0',
  ],
  [
    "via naming an unknown node",
    (c) => (c.neigh.carol.via = ["dave"], c),
    "neigh.carol.via[0]",
    'names an unknown node "dave"',
  ],
  [
    "an unknown niceness word in a call",
    (c) => (c.neigh.bob.calls = [{ cron: "* * * * *", nice: "URGENT" }], c),
    "neigh.bob.calls[0].nice",
    'unknown niceness "URGENT"',
  ],
  [
    "a niceness out of range",
    (c) => (c.neigh.bob.calls = [{ cron: "* * * * *", nice: 300 }], c),
    "neigh.bob.calls[0].nice",
    "out of range",
  ],
  ["a relative spool path", (c) => (c.spool = "spool", c), "spool", "must be an absolute path"],
  ["a missing log", (c) => (delete c.log, c), "log", "is missing"],
  ["a missing neigh.self", (c) => (delete c.neigh.self, c), "neigh.self", "is missing"],
  [
    "a signing private key of 32 bytes",
    (c) => (c.self.signprv = c.self.signpub, c),
    "self.signprv",
    "must be 64 bytes",
  ],
  [
    "a neighbour id that does not match its signpub",
    (c) => (c.neigh.bob.id = c.neigh.carol.id, c),
    "neigh.bob.id",
    "does not match its signpub",
  ],
  [
    "an exec handle that is not a command list",
    (c) => (c.neigh.bob.exec.echo = "/bin/echo", c),
    "neigh.bob.exec.echo",
    "must be a non-empty list of strings",
  ],
  [
    "a relative incoming folder",
    (c) => (c.neigh.bob.incoming = "in", c),
    "neigh.bob.incoming",
    "must be an absolute path",
  ],
  [
    "an area sub naming an unknown node",
    (c) => (c.areas.testarea.subs = ["mallory"], c),
    "areas.testarea.subs[0]",
    'names an unknown node "mallory"',
  ],
  ["a umask that is not octal", (c) => (c.umask = "9x", c), "umask", "must be an octal string"],
  [
    "a bad ferry log level",
    (c) => (c.ferry = { "log-level": "loud" }, c),
    "ferry.log-level",
    "must be one of error, warn, info, debug",
  ],
  [
    "a misspelt ferry key",
    (c) => (c.ferry = { "log-levl": "info" }, c),
    "ferry.log-levl",
    'unknown key; did you mean "log-level"?',
  ],
  [
    "the same node twice",
    (c) => (c.neigh.bob2 = c.neigh.bob, c),
    "neigh.bob2.id",
    "is the same node as neigh.bob",
  ],
  [
    "neigh.self that is not this node",
    (c) => (c.neigh.self = c.neigh.bob, c),
    "neigh.self.id",
    "is not this node",
  ],
  [
    "a call with a bad direction",
    (c) => (c.neigh.bob.calls = [{ cron: "* * * * *", xx: "both" }], c),
    "neigh.bob.calls[0].xx",
    'must be "rx" or "tx"',
  ],
];

for (const [what, mutate, path, includes] of FAULTS) {
  Deno.test(`a configuration with ${what} is refused with an error at ${path}`, async () => {
    expectOne(mutate(await alice()), path, includes);
  });
}

/** Key pairs: private keys that do not give their public keys (checked with WebCrypto). */
const BROKEN_PAIRS: [string, (c: Json) => Json, string, string][] = [
  [
    "an exchange private key of another pair",
    (c) => (c.self.exchprv = c.self.noiseprv, c),
    "self.exchprv",
    "does not belong to self.exchpub",
  ],
  [
    "a signing seed of another pair",
    (c) => (c.self.signprv = encodeBase32(
      new Uint8Array([...decodeBase32(c.self.exchprv), ...decodeBase32(c.self.signpub)]),
    ),
      c),
    "self.signprv",
    "does not belong to self.signpub",
  ],
  [
    "a noise private key of another pair",
    (c) => (c.self.noiseprv = c.self.exchprv, c),
    "self.noiseprv",
    "does not belong to self.noisepub",
  ],
  [
    "an area private key of another pair",
    (c) => (c.areas.testarea.prv = c.self.exchprv, c),
    "areas.testarea.prv",
    "does not belong to its pub",
  ],
];

for (const [what, mutate, path, includes] of BROKEN_PAIRS) {
  Deno.test(`a configuration with ${what} is refused by the key-pair check at ${path}`, async () => {
    const text = JSON.stringify(mutate(await alice()));
    // The synchronous parse leaves key pairs out; the checked parse and loadConfig refuse it.
    parseConfig(text, "bad.hjson");
    const err = await assertRejects(() => parseConfigChecked(text, "bad.hjson"), ConfigError);
    const errors = err.issues.map((i) => `${i.path}: ${i.message}`);
    assertEquals(errors.length, 1, errors.join("\n"));
    assert(errors[0]!.startsWith(`${path}: `) && errors[0]!.includes(includes), errors[0]);
  });
}

Deno.test("the untouched vector configuration passes the key-pair check", async () => {
  const { config } = await parseConfigChecked(JSON.stringify(await alice()), "alice.hjson");
  assert(config.self && config.areas.get("testarea")?.prv);
});

Deno.test("a configuration that is not Hjson is refused with the line of the fault", () => {
  const errors = errorsOf("{\n  spool: /x\n  neigh: {\n}");
  assertEquals(errors.length, 1);
  assertStringIncludes(errors[0]!, "cannot parse Hjson");
  assertStringIncludes(errors[0]!, "line");
});

Deno.test("every problem in a file is reported at once, each with its key path", async () => {
  const c = await alice();
  c.spool = "rel";
  c.neigh.bob.exchpub = SHORT_KEY;
  c.neigh.carol.via = ["nobody"];
  c.ferry = { "log-level": "loud" };
  const err = assertThrows(
    () => parseConfig(JSON.stringify(c), "/etc/ferry/ferry.hjson"),
    ConfigError,
  );
  assertEquals(err.issues.length, 4);
  assertStringIncludes(err.message, "/etc/ferry/ferry.hjson: 4 problems in the configuration");
  for (const path of ["spool", "neigh.bob.exchpub", "neigh.carol.via[0]", "ferry.log-level"]) {
    assertStringIncludes(err.message, `\n  ${path}: `);
  }
});

Deno.test("a private key file readable by others gives a warning with the chmod to run", async () => {
  const text = JSON.stringify(await alice());
  const { warnings } = parseConfig(text, "/etc/ferry/ferry.hjson", { mode: 0o100644 });
  assertEquals(warnings.length, 1);
  assertEquals(warnings[0]!.path, "self");
  assertStringIncludes(
    warnings[0]!.message,
    "readable by others (mode 644); run: chmod 600 /etc/ferry/ferry.hjson",
  );
  const group = parseConfig(text, "f.hjson", { mode: 0o100640 }).warnings;
  assertStringIncludes(group[0]!.message, "readable by its group");
  assertEquals(parseConfig(text, "f.hjson", { mode: 0o100600 }).warnings, []);
});

Deno.test("unknown NNCP keys are warnings (NNCP ignores them) with a spelling hint", async () => {
  const c = await alice();
  c.neigh.bob.incomming = "/x";
  const { warnings } = parseConfig(JSON.stringify(c), "f.hjson");
  assertEquals(warnings.map((w) => `${w.path}: ${w.message}`), [
    'neigh.bob.incomming: unknown key; did you mean "incoming"?',
  ]);
});
