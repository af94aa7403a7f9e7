/**
 * What an online session refuses: a node that is not a neighbour, a wrong
 * noise key, a packet whose bytes do not match its id. Each is logged,
 * refused, and leaves nothing behind; the daemon keeps serving others.
 */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { run } from "../helpers.ts";
import {
  ferryOk,
  ferryRun,
  IDS,
  namesIn,
  nncp,
  packetsIn,
  queueDir,
  withWorld,
} from "../node/_world.ts";
import { ferryDaemon, freePort, nncpDaemon } from "./_net.ts";
import { generateExchKeys } from "../../src/crypto/mod.ts";
import { encodeBase32 } from "../../src/encoding/base32.ts";

type Cfg = Record<string, unknown>;
const neighOf = (cfg: Cfg) => cfg.neigh as Record<string, Record<string, unknown>>;
/** carol with a fresh noise key pair: to bob she is a node that is not in its neigh. */
const stranger = generateExchKeys();
function strangerCarol(name: string, cfg: Cfg): void {
  if (name !== "carol") return;
  const self = cfg.self as Record<string, string>;
  self.noiseprv = encodeBase32(stranger.prv);
  self.noisepub = encodeBase32(stranger.pub);
  neighOf(cfg).self!.noisepub = self.noisepub;
}

/** A valid X25519 public key that belongs to nobody here. */
const strangerKey = "MJ2BAD4DLXKBP3V4G4UG5NLHMIXGDPY6FR4KZRAH5VKJZTYG2KZQ";

Deno.test("ferry daemon refuses a node that is not in neigh, before touching the spool, and serves the next", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.root}/c.txt`, "from carol\n");
    await nncp("file", w.carol, [`${w.root}/c.txt`, "bob:c.txt"]);
    await ferryOk(w.alice, ["file", `${w.root}/c.txt`, "bob:a.txt"]);
    const port = freePort();
    const daemon = await ferryDaemon(w.bob, port);
    try {
      const r = await run("nncp-call", [
        "-cfg",
        w.carol.cfg,
        "-onlinedeadline",
        "2",
        "bob",
        `127.0.0.1:${port}`,
      ]);
      assert(r.code !== 0, "nncp-call must fail against a daemon that does not know it");
      // The daemon keeps serving a known neighbour.
      await ferryOk(w.alice, ["call", "bob", `127.0.0.1:${port}`, "--onlinedeadline", "2"]);
    } finally {
      await daemon.stop();
    }
    assertStringIncludes(daemon.output(), "sp-refused");
    assertStringIncludes(daemon.output(), "unknown peer");
    assertEquals(await namesIn(`${w.bob.spool}/${IDS.carol}`), []);
    assertEquals((await packetsIn(queueDir(w.bob, "alice", "rx"))).length, 1);
    const log = await run("nncp-log", ["-cfg", w.bob.cfg]);
    assertStringIncludes(log.stdout, "unknown peer");
  }, strangerCarol);
});

Deno.test("ferry call to an nncp-daemon that does not know it fails with a clear error", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.root}/c.txt`, "from carol\n");
    await ferryOk(w.carol, ["file", `${w.root}/c.txt`, "bob:c.txt"]);
    const port = freePort();
    const daemon = await nncpDaemon(w.bob, port);
    let r;
    try {
      r = await ferryRun(w.carol, ["call", "bob", `127.0.0.1:${port}`, "--onlinedeadline", "2"]);
    } finally {
      await daemon.stop();
    }
    assertEquals(r.code, 1);
    assertStringIncludes(r.stderr, "closed the connection during the handshake");
    // Nothing was sent: the packet still waits.
    assertEquals((await packetsIn(queueDir(w.carol, "bob", "tx"))).length, 1);
  }, strangerCarol);
});

Deno.test("a wrong noise key is refused both ways and nothing is exchanged", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.root}/a.txt`, "from alice\n");
    await ferryOk(w.alice, ["file", `${w.root}/a.txt`, "bob:a.txt"]);
    await nncp("file", w.bob, [`${w.root}/a.txt`, "alice:b.txt"]);
    // alice holds a wrong key for bob: bob cannot read her handshake.
    const port = freePort();
    const daemon = await ferryDaemon(w.bob, port);
    try {
      const r = await ferryRun(w.alice, [
        "call",
        "bob",
        `127.0.0.1:${port}`,
        "--onlinedeadline",
        "2",
      ]);
      assertEquals(r.code, 1);
      assertStringIncludes(r.stderr, "during the handshake");
    } finally {
      await daemon.stop();
    }
    assertStringIncludes(daemon.output(), "does not decrypt with our key");
    // bob (as nncp-call) reaches ferry alice, whose wrong key for bob hides bob's real one.
    const port2 = freePort();
    const daemon2 = await ferryDaemon(w.alice, port2);
    try {
      const r = await run("nncp-call", [
        "-cfg",
        w.bob.cfg,
        "-onlinedeadline",
        "2",
        "alice",
        `127.0.0.1:${port2}`,
      ]);
      assert(r.code !== 0, "nncp-call must fail");
    } finally {
      await daemon2.stop();
    }
    assertStringIncludes(daemon2.output(), "unknown peer");
    assertEquals((await packetsIn(queueDir(w.alice, "bob", "tx"))).length, 1);
    assertEquals((await packetsIn(queueDir(w.bob, "alice", "tx"))).length, 1);
    assertEquals(await namesIn(queueDir(w.bob, "alice", "rx")), []);
    assertEquals(await namesIn(queueDir(w.alice, "bob", "rx")), []);
  }, (name, cfg) => {
    if (name === "alice") neighOf(cfg).bob!.noisepub = strangerKey;
  });
});

Deno.test("a packet whose bytes do not match its id is refused, leaves no .part, and the rest arrives", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.root}/good.txt`, "good\n");
    await Deno.writeTextFile(`${w.root}/bad.txt`, "bad\n".repeat(1000));
    await nncp("file", w.alice, [`${w.root}/bad.txt`, "bob:bad.txt"]);
    const [badId] = await packetsIn(queueDir(w.alice, "bob", "tx"));
    const badPath = `${queueDir(w.alice, "bob", "tx")}/${badId}`;
    const bytes = await Deno.readFile(badPath);
    bytes[bytes.length - 100]! ^= 0xff;
    await Deno.writeFile(badPath, bytes);
    await nncp("file", w.alice, [`${w.root}/good.txt`, "bob:good.txt"]);
    const port = freePort();
    const daemon = await ferryDaemon(w.bob, port);
    try {
      await run("nncp-call", [
        "-cfg",
        w.alice.cfg,
        "-onlinedeadline",
        "2",
        "bob",
        `127.0.0.1:${port}`,
      ]);
    } finally {
      await daemon.stop();
    }
    assertStringIncludes(daemon.output(), "sp-file-bad-checksum");
    assertStringIncludes(daemon.output(), badId!);
    const rx = await packetsIn(queueDir(w.bob, "alice", "rx"));
    assertEquals(rx.length, 1);
    assert(rx[0] !== badId);
    const leftovers = (await namesIn(queueDir(w.bob, "alice", "rx"))).filter((n) =>
      n.includes(".")
    );
    assertEquals(leftovers, []);
    // No DONE for it: the sender keeps it.
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), [badId!]);
    await ferryOk(w.bob, ["toss"]);
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/good.txt`), "good\n");
  });
});
