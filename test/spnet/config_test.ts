import { assert, assertEquals, assertThrows } from "../assert.ts";
import Hjson from "hjson";
import { NNCP_VECTORS, REPO_ROOT, run } from "../helpers.ts";
import { ConfigError, parseConfig } from "../../src/config/mod.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

async function alice(): Promise<Json> {
  const text = await Deno.readTextFile(`${NNCP_VECTORS}/cfg/alice.hjson`);
  return JSON.parse(text.replaceAll("@ROOT@", "/srv/t"));
}

function errorsOf(cfg: Json): string[] {
  const err = assertThrows(() => parseConfig(JSON.stringify(cfg), "bad.hjson"), ConfigError);
  return err.issues.map((i) => `${i.path}: ${i.message}`);
}

/** Whether NNCP's own config loader (nncp-cfgmin) accepts the configuration. */
async function nncpAccepts(cfg: Json): Promise<boolean> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-spnet-cfg-" });
  try {
    const copy = structuredClone(cfg);
    delete copy.ferry;
    await Deno.writeTextFile(`${dir}/c.hjson`, JSON.stringify(copy));
    const r = await run("nncp-cfgmin", ["-cfg", `${dir}/c.hjson`]);
    return r.code === 0;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("config: calls, addrs, mcd and the ferry online sections are read in full", async () => {
  const c = await alice();
  c["mcd-listen"] = ["^veth", "eth[0-9]"];
  c["mcd-send"] = { "^veth": 5, "wlan.*": 0 };
  c.neigh.bob.addrs = { lan: "[fe80::1%eth0]:5400", pipe: "|ssh gw nncp-daemon -ucspi" };
  c.neigh.bob.calls = [
    {
      cron: "*/1 * * * MON-FRI",
      onlinedeadline: 3600,
      nice: "PRIORITY+10",
      autotoss: true,
      "autotoss-doseen": true,
    },
    { cron: "30 * * * SAT,SUN", maxonlinetime: 1750, nice: "NORMAL", rxrate: 10, txrate: 20 },
    { cron: "0 * * * SAT,SUN", xx: "rx", addr: "lan" },
    { cron: "*/5 * * * * * *", "when-tx-exists": true, nock: true, "mcd-ignore": true },
    { cron: "@hourly", addr: "127.0.0.1:5409" },
  ];
  c.neigh.carol["mcd-ignore"] = true;
  c.ferry = {
    daemon: { bind: ["[::1]:5400", "127.0.0.1:5401"], maxconn: 4, nice: "BULK", autotoss: true },
    "call-on-announce": { except: ["carol"], "min-gap-sec": 30 },
  };
  assert(await nncpAccepts(c), "NNCP refuses the configuration the test starts from");
  const { config, warnings } = parseConfig(JSON.stringify(c), "ok.hjson");
  assertEquals(warnings, []);
  assertEquals(config.mcdListen.map((r) => r.source), ["^veth", "eth[0-9]"]);
  assertEquals(
    config.mcdSend.map((s) => [s.ifaces.source, s.intervalSec]),
    [["^veth", 5], ["wlan.*", 0]],
  );
  const bob = config.neigh.get("bob")!;
  assertEquals(bob.calls.length, 5);
  const [c0, c1, c2, c3, c4] = bob.calls;
  assertEquals([c0!.nice, c0!.onlineDeadlineSec, c0!.autoToss, c0!.autoTossFlags.doSeen], [
    106,
    3600,
    true,
    true,
  ]);
  assertEquals([c1!.nice, c1!.maxOnlineTimeSec, c1!.rxRate, c1!.txRate], [160, 1750, 10, 20]);
  assertEquals([c2!.xx, c2!.addr, c2!.nice], ["rx", "[fe80::1%eth0]:5400", 255]);
  assertEquals([c3!.whenTxExists, c3!.noCK, c3!.mcdIgnore, c3!.cron.seconds.length], [
    true,
    true,
    true,
    12,
  ]);
  assertEquals(c4!.addr, "127.0.0.1:5409");
  assertEquals(c4!.index, 4);
  assertEquals(bob.mcdIgnore, false);
  assertEquals(config.neigh.get("carol")!.mcdIgnore, true);
  assertEquals(config.ferry.daemon, {
    bind: ["[::1]:5400", "127.0.0.1:5401"],
    maxConn: 4,
    nice: 224,
    autoToss: true,
  });
  assertEquals(config.ferry.callOnAnnounce, { except: ["carol"], minGapSec: 30 });
});

Deno.test("config: defaults without the online sections", async () => {
  const c = await alice();
  c.ferry = { daemon: {} };
  const { config } = parseConfig(JSON.stringify(c), "ok.hjson");
  assertEquals(config.mcdListen, []);
  assertEquals(config.mcdSend, []);
  assertEquals(config.ferry.daemon, {
    bind: ["[::]:5400"],
    maxConn: 128,
    nice: 255,
    autoToss: false,
  });
  assertEquals(config.ferry.callOnAnnounce, { except: [], minGapSec: 60 });
  delete c.ferry;
  assertEquals(parseConfig(JSON.stringify(c), "ok.hjson").config.ferry.daemon, undefined);
});

Deno.test("config: more than seven cron fields is a warning, as NNCP ignores them", async () => {
  const c = await alice();
  c.neigh.bob.calls = [{ cron: "0 0 0 * * * * x" }];
  assert(await nncpAccepts(c));
  const { warnings } = parseConfig(JSON.stringify(c), "ok.hjson");
  assertEquals(warnings.map((w) => w.path), ["neigh.bob.calls[0].cron"]);
});

/** [what, change, key path, text in the message, does NNCP refuse it too?] */
const FAULTS: [string, (c: Json) => void, string, string, boolean][] = [
  [
    "a call without cron",
    (c) => c.neigh.bob.calls = [{ nice: "MAX" }],
    "neigh.bob.calls[0].cron",
    "is missing",
    false,
  ],
  [
    "a cron with a minute out of range",
    (c) => c.neigh.bob.calls = [{ cron: "61 * * * *" }],
    "neigh.bob.calls[0].cron",
    "minute field: 61 is out of range",
    true,
  ],
  [
    "a cron with too few fields",
    (c) => c.neigh.bob.calls = [{ cron: "* * *" }],
    "neigh.bob.calls[0].cron",
    "needs at least 5",
    true,
  ],
  [
    "a cron with a bad weekday name",
    (c) => c.neigh.bob.calls = [{ cron: "0 0 * * FUNDAY" }],
    "neigh.bob.calls[0].cron",
    "day-of-week field",
    true,
  ],
  [
    "calls that are not a list",
    (c) => c.neigh.bob.calls = { cron: "* * * * *" },
    "neigh.bob.calls",
    "must be a list",
    true,
  ],
  [
    "a call direction other than rx/tx",
    (c) => c.neigh.bob.calls = [{ cron: "* * * * *", xx: "both" }],
    "neigh.bob.calls[0].xx",
    'must be "rx" or "tx"',
    true,
  ],
  [
    "a zero onlinedeadline in a call",
    (c) => c.neigh.bob.calls = [{ cron: "* * * * *", onlinedeadline: 0 }],
    "neigh.bob.calls[0].onlinedeadline",
    "must be within 1..",
    true,
  ],
  [
    "a call addr neither alias nor address",
    (c) => c.neigh.bob.calls = [{ cron: "* * * * *", addr: "nowhere" }],
    "neigh.bob.calls[0].addr",
    "nor is it a key of addrs",
    false,
  ],
  [
    "when-tx-exists that is not a boolean",
    (c) => c.neigh.bob.calls = [{ cron: "* * * * *", "when-tx-exists": "yes" }],
    "neigh.bob.calls[0].when-tx-exists",
    "must be true or false",
    true,
  ],
  [
    "an address without a port",
    (c) => c.neigh.bob.addrs = { lan: "house.lan" },
    "neigh.bob.addrs.lan",
    "is not host:port",
    false,
  ],
  [
    "an address with port 0",
    (c) => c.neigh.bob.addrs = { lan: "house.lan:0" },
    "neigh.bob.addrs.lan",
    "is not host:port",
    false,
  ],
  [
    "an empty pipe command",
    (c) => c.neigh.bob.addrs = { p: "| " },
    "neigh.bob.addrs.p",
    "without a command",
    false,
  ],
  [
    "mcd-listen that is not a list",
    (c) => c["mcd-listen"] = "eth0",
    "mcd-listen",
    "must be a list",
    true,
  ],
  [
    "mcd-listen with a broken pattern",
    (c) => c["mcd-listen"] = ["eth("],
    "mcd-listen[0]",
    "is not a regular expression",
    false,
  ],
  [
    "mcd-send with a negative interval",
    (c) => c["mcd-send"] = { eth0: -1 },
    "mcd-send.eth0",
    "must be whole seconds",
    false,
  ],
  [
    "mcd-send with a text interval",
    (c) => c["mcd-send"] = { eth0: "often" },
    "mcd-send.eth0",
    "must be whole seconds",
    true,
  ],
  [
    "mcd-ignore that is not a boolean",
    (c) => c.neigh.bob["mcd-ignore"] = 1,
    "neigh.bob.mcd-ignore",
    "must be true or false",
    false,
  ],
  [
    "a daemon bind without a port",
    (c) => c.ferry = { daemon: { bind: ["::"] } },
    "ferry.daemon.bind[0]",
    "is not host:port",
    false,
  ],
  [
    "a daemon bind that is a command",
    (c) => c.ferry = { daemon: { bind: ["|nc -l"] } },
    "ferry.daemon.bind[0]",
    "must be host:port",
    false,
  ],
  [
    "an empty daemon bind list",
    (c) => c.ferry = { daemon: { bind: [] } },
    "ferry.daemon.bind",
    "is empty",
    false,
  ],
  [
    "a daemon maxconn of 0",
    (c) => c.ferry = { daemon: { maxconn: 0 } },
    "ferry.daemon.maxconn",
    "must be within 1..",
    false,
  ],
  [
    "a daemon niceness word unknown",
    (c) => c.ferry = { daemon: { nice: "SOON" } },
    "ferry.daemon.nice",
    "unknown niceness",
    false,
  ],
  [
    "a misspelt daemon key",
    (c) => c.ferry = { daemon: { maxcon: 3 } },
    "ferry.daemon.maxcon",
    'did you mean "maxconn"',
    false,
  ],
  [
    "call-on-announce naming an unknown node",
    (c) => c.ferry = { "call-on-announce": { except: ["mallory"] } },
    "ferry.call-on-announce.except[0]",
    'unknown node "mallory"',
    false,
  ],
  [
    "call-on-announce with a zero gap",
    (c) => c.ferry = { "call-on-announce": { "min-gap-sec": 0 } },
    "ferry.call-on-announce.min-gap-sec",
    "must be within 1..",
    false,
  ],
];

for (const [what, change, path, includes, nncpRefuses] of FAULTS) {
  Deno.test(`config: ${what} is refused at ${path}`, async () => {
    const c = await alice();
    change(c);
    const errors = errorsOf(c);
    assert(
      errors.some((e) => e.startsWith(`${path}: `) && e.includes(includes)),
      `expected an error at ${path} containing ${JSON.stringify(includes)}, got:\n${
        errors.join("\n")
      }`,
    );
    if (nncpRefuses) assertEquals(await nncpAccepts(c), false, "NNCP accepts it, ferry should too");
  });
}

Deno.test("config: the README's online example is a valid configuration for ferry and NNCP", async () => {
  const readme = await Deno.readTextFile(`${REPO_ROOT}/README.md`);
  const section = readme.slice(readme.indexOf("## Online calls and LAN discovery"));
  const block = /```hjson\n([\s\S]*?)```/.exec(section)![1]!;
  const example = Hjson.parse(`{${block}}`) as Json;
  const c = await alice();
  // The example's neighbour, with real keys: bob's stanza under the name "house".
  c.neigh.house = { ...c.neigh.bob, ...example.neigh.house };
  delete c.neigh.bob;
  c["mcd-listen"] = example["mcd-listen"];
  c["mcd-send"] = example["mcd-send"];
  c.ferry = {
    ...example.ferry,
    "call-on-announce": { ...example.ferry["call-on-announce"], except: ["carol"] },
  };
  for (const area of Object.values(c.areas ?? {}) as Json[]) {
    area.subs = area.subs.filter((s: string) => s !== "bob");
  }
  for (const n of Object.values(c.neigh) as Json[]) {
    if (n.via) n.via = n.via.map((v: string) => v === "bob" ? "house" : v);
  }
  const { config } = parseConfig(JSON.stringify(c), "readme.hjson");
  const house = config.neigh.get("house")!;
  assertEquals(house.calls.map((x) => [x.cron.text, x.nice, x.whenTxExists, x.xx, x.addr]), [
    ["*/10 * * * *", 96, true, undefined, undefined],
    ["0 3 * * *", 255, false, "rx", "house.lan:5400"],
  ]);
  assertEquals(config.ferry.daemon?.maxConn, 16);
  assert(await nncpAccepts(c), "NNCP refuses the README example");
});

Deno.test("config: a numeric call niceness works for ferry but warns, since NNCP refuses it", async () => {
  const c = await alice();
  c.neigh.bob.calls = [{ cron: "* * * * *", nice: 64 }];
  const { config, warnings } = parseConfig(JSON.stringify(c), "ok.hjson");
  assertEquals(config.neigh.get("bob")!.calls[0]!.nice, 64);
  assertEquals(warnings.map((w) => w.path), ["neigh.bob.calls[0].nice"]);
  assertEquals(await nncpAccepts(c), false);
  c.neigh.bob.calls = [{ cron: "* * * * *", nice: "64" }];
  assertEquals(parseConfig(JSON.stringify(c), "ok.hjson").warnings, []);
  assert(await nncpAccepts(c));
});
