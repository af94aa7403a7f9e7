/**
 * Areas (one message to every member of a group) between ferry and the
 * real NNCP tools. The vector area `testarea` has the subscriptions
 * alice→[bob], bob→[alice, carol], carol→[bob]: bob is the hub.
 */

import { assertEquals, assertStringIncludes } from "../assert.ts";
import {
  ferryOk,
  ferryRun,
  IDS,
  namesIn,
  nncp,
  packetsIn,
  patternBytes,
  queueDir,
  sameBytes,
  withWorld,
  type World,
} from "../node/_world.ts";
import { carry } from "../reass/_carry.ts";

const AREA = "PZLA5OWGJFJPBJ5ZLJGV6NAW735P64QRTUFCWHPM4T7UCYISTLLQ";

async function textOr(path: string, otherwise = ""): Promise<string> {
  return await Deno.readTextFile(path).catch(() => otherwise);
}

/** What a member got from the area: the files in its area incoming and the exec output. */
async function received(node: World["alice"]) {
  const dir = `${node.dir}/areain`;
  const files: Record<string, string> = {};
  for (const name of await namesIn(dir)) files[name] = await Deno.readTextFile(`${dir}/${name}`);
  return { files, exec: await textOr(`${node.dir}/area-exec.out`) };
}

Deno.test("ferry sends to an area (ferry, NNCP, ferry) that NNCP relays: every other member gets it once", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.root}/minutes.txt`, "village meeting at 8\n");
    await ferryOk(w.alice, ["file", `${w.root}/minutes.txt`, "area:testarea:"]);
    await ferryOk(w.alice, ["exec", "area:testarea", "appender"], "bring a lamp\n");
    // The messages wait in alice's own queue, marked as seen by alice, until toss fans them out.
    assertEquals((await packetsIn(queueDir(w.alice, "alice", "tx"))).length, 2);
    assertEquals((await namesIn(`${w.alice.spool}/${IDS.alice}/area/${AREA}`)).length, 2);
    await ferryOk(w.alice, ["toss"]);
    assertEquals(await packetsIn(queueDir(w.alice, "alice", "tx")), []);
    assertEquals((await packetsIn(queueDir(w.alice, "bob", "tx"))).length, 2);

    await carry(w, { node: w.alice, nncp: false }, { node: w.bob, nncp: true });
    await nncp("toss", w.bob, []);
    await carry(w, { node: w.bob, nncp: true }, { node: w.carol, nncp: false });
    await ferryOk(w.carol, ["toss"]);
    // carol's subs are only bob, who sent it: nothing goes back.
    assertEquals(await packetsIn(queueDir(w.carol, "bob", "tx")), []);

    const want = { files: { "minutes.txt": "village meeting at 8\n" }, exec: "bring a lamp\n" };
    assertEquals(await received(w.bob), want);
    assertEquals(await received(w.carol), want);
    assertEquals(await received(w.alice), { files: {}, exec: "" });
    // bob sent nothing back to the originator.
    await nncp("xfer", w.bob, ["-mkdir", "-tx", w.media]);
    assertEquals(await packetsIn(`${w.media}/${IDS.alice}/${IDS.bob}`), []);
  });
});

Deno.test("a message reaching a ferry member by two routes is delivered there once", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.root}/notice.txt`, "water is off on Tuesday\n");
    await ferryOk(w.alice, ["file", `${w.root}/notice.txt`, "area:testarea:"]);
    await ferryOk(w.alice, ["toss"]);
    // Two routes to carol: alice → bob (NNCP) → carol, and alice → bob → carol again as a
    // trns-wrapped direct copy (alice reaches carol via bob).
    await carry(w, { node: w.alice, nncp: false }, { node: w.bob, nncp: true });
    await nncp("toss", w.bob, []);
    await carry(w, { node: w.bob, nncp: true }, { node: w.carol, nncp: false });
    const rxDirs = [queueDir(w.carol, "bob", "rx"), queueDir(w.carol, "alice", "rx")];
    const copies: [string, Uint8Array][] = [];
    for (const dir of rxDirs) {
      for (const id of await packetsIn(dir)) {
        copies.push([`${dir}/${id}`, await Deno.readFile(`${dir}/${id}`)]);
      }
    }
    assertEquals(copies.length, 2);
    await ferryOk(w.carol, ["toss"]);
    assertEquals(await received(w.carol), {
      files: { "notice.txt": "water is off on Tuesday\n" },
      exec: "",
    });
    // carol never sends it back towards the originator; whatever it relays to bob
    // (when the direct copy came first) bob has seen already.
    assertEquals(await packetsIn(queueDir(w.carol, "alice", "tx")), []);
    await carry(w, { node: w.carol, nncp: false }, { node: w.bob, nncp: true });
    await nncp("toss", w.bob, []);
    assertEquals((await received(w.bob)).files, { "notice.txt": "water is off on Tuesday\n" });
    // The same two packets arriving again (another copy of the medium) change nothing.
    for (const [path, bytes] of copies) await Deno.writeFile(path, bytes);
    const again = await ferryOk(w.carol, ["toss"]);
    assertStringIncludes(again.stderr, "duplicates=2");
    assertEquals((await received(w.carol)).files, { "notice.txt": "water is off on Tuesday\n" });
  }, (name, cfg) => {
    // A full mesh: every member subscribes to both others.
    const subs: Record<string, string[]> = {
      alice: ["bob", "carol"],
      bob: ["alice", "carol"],
      carol: ["alice", "bob"],
    };
    (cfg.areas as Record<string, Record<string, unknown>>).testarea!.subs = subs[name];
  });
});

Deno.test("NNCP sends to an area that ferry relays: every other member gets it once", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.root}/harvest.txt`, "apples ready\n");
    await nncp("file", w.alice, [`${w.root}/harvest.txt`, "area:testarea:harvest.txt"]);
    await nncp("exec", w.alice, ["area:testarea", "appender"], "bring baskets\n");
    await nncp("toss", w.alice, ["-node", "self"]);
    await carry(w, { node: w.alice, nncp: true }, { node: w.bob, nncp: false });
    await ferryOk(w.bob, ["toss"]);
    // bob relays to carol only (alice is the originator and the sender).
    assertEquals((await packetsIn(queueDir(w.bob, "carol", "tx"))).length, 2);
    assertEquals(await packetsIn(queueDir(w.bob, "alice", "tx")), []);
    await carry(w, { node: w.bob, nncp: false }, { node: w.carol, nncp: true });
    await nncp("toss", w.carol, []);

    const want = { files: { "harvest.txt": "apples ready\n" }, exec: "bring baskets\n" };
    assertEquals(await received(w.bob), want);
    assertEquals(await received(w.carol), want);
    assertEquals(await received(w.alice), { files: {}, exec: "" });
    // The same packets arriving at bob again change nothing.
    await ferryOk(w.bob, ["toss"]);
    assertEquals(await received(w.bob), want);
  });
});

Deno.test("a chunked file sent to an area is reassembled by ferry at a member, and by nncp-reass", async () => {
  await withWorld(async (w) => {
    // Small chunks: nncp-toss 8.8.2 fails to relay area messages of 8 KiB (it exits 1
    // after "echo to"), while 2 KiB ones pass.
    const data = patternBytes(3 * 1024 + 99, 21);
    await Deno.writeFile(`${w.root}/survey.bin`, data);
    const sent = await ferryOk(w.alice, [
      "file",
      "--chunked",
      "1",
      `${w.root}/survey.bin`,
      "area:testarea:",
    ]);
    assertEquals(sent.stdout.trim().split("\n").length, 5);
    await ferryOk(w.alice, ["toss"]);
    await carry(w, { node: w.alice, nncp: false }, { node: w.bob, nncp: true });
    await nncp("toss", w.bob, []);
    await carry(w, { node: w.bob, nncp: true }, { node: w.carol, nncp: false });
    await ferryOk(w.carol, ["toss"]);
    assertEquals(await namesIn(`${w.carol.dir}/areain`), ["survey.bin"]);
    assertEquals(sameBytes(await Deno.readFile(`${w.carol.dir}/areain/survey.bin`), data), true);
    await nncp("reass", w.bob, [`${w.bob.dir}/areain/survey.bin.nncp.meta`]);
    assertEquals(await namesIn(`${w.bob.dir}/areain`), ["survey.bin"]);
    assertEquals(sameBytes(await Deno.readFile(`${w.bob.dir}/areain/survey.bin`), data), true);
  });
});

Deno.test("sending to an unknown area, an area without keys, or with --via is a usage error", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.root}/x.txt`, "x\n");
    const unknown = await ferryRun(w.alice, ["file", `${w.root}/x.txt`, "area:nosuch:"]);
    assertEquals(unknown.code, 2);
    assertStringIncludes(unknown.stderr, 'unknown area "nosuch": known areas are testarea');
    const noDst = await ferryRun(w.alice, ["file", `${w.root}/x.txt`, "area:testarea"]);
    assertEquals(noDst.code, 2);
    assertStringIncludes(noDst.stderr, "area:AREA:[NAME]");
    const via = await ferryRun(w.alice, ["exec", "--via", "bob", "area:testarea", "appender"], "");
    assertEquals(via.code, 2);
    assertStringIncludes(via.stderr, "--via does not apply to an area");
    const keyless = await ferryRun(w.carol, ["exec", "area:testarea", "appender"], "hi\n");
    assertEquals(keyless.code, 2);
    assertStringIncludes(keyless.stderr, "area testarea has no keys");
    assertEquals(await packetsIn(queueDir(w.alice, "alice", "tx")), []);
    assertEquals(await packetsIn(queueDir(w.carol, "carol", "tx")), []);
  }, (name, cfg) => {
    if (name === "carol") {
      delete (cfg.areas as Record<string, Record<string, unknown>>).testarea!.prv;
    }
  });
});

for (const allowUnknown of [true, false]) {
  Deno.test(`a member that does not know the sender ${allowUnknown ? "reads" : "refuses"} the message with allow-unknown ${allowUnknown}`, async () => {
    await withWorld(async (w) => {
      await Deno.writeTextFile(`${w.root}/stranger.txt`, "from far away\n");
      await ferryOk(w.alice, ["file", `${w.root}/stranger.txt`, "area:testarea:"]);
      await ferryOk(w.alice, ["toss"]);
      await carry(w, { node: w.alice, nncp: false }, { node: w.bob, nncp: false });
      await ferryOk(w.bob, ["toss"]);
      await carry(w, { node: w.bob, nncp: false }, { node: w.carol, nncp: false });
      const r = await ferryRun(w.carol, ["toss"]);
      if (allowUnknown) {
        assertEquals(r.code, 0, r.stderr);
        assertEquals((await received(w.carol)).files, { "stranger.txt": "from far away\n" });
      } else {
        assertEquals(r.code, 1, r.stderr);
        assertStringIncludes(r.stderr, IDS.alice);
        assertEquals((await received(w.carol)).files, {});
        // The packet stays for a look (and a later configuration that knows the sender).
        assertEquals((await packetsIn(queueDir(w.carol, "bob", "rx"))).length, 1);
      }
    }, (name, cfg) => {
      if (name !== "carol") return;
      const neigh = cfg.neigh as Record<string, unknown>;
      delete neigh.alice;
      (cfg.areas as Record<string, Record<string, unknown>>).testarea!["allow-unknown"] =
        allowUnknown;
    });
  });
}
