/**
 * Hostile packets at toss: each is refused with a log line naming what is
 * wrong, stays in rx (nothing lost, it can be tossed again once the
 * configuration allows it), and the good packets of the same run still get
 * through.
 */

import { assert, assertEquals } from "../assert.ts";
import { generateSignKeys } from "../../src/crypto/keys.ts";
import { encodeBase32 } from "../../src/encoding/base32.ts";
import { nodeIdOf } from "../../src/config/mod.ts";
import type { NodeContext } from "../../src/node/context.ts";
import { queuePacket } from "../../src/node/send.ts";
import {
  encryptPacket,
  filePlain,
  freqPayload,
  type PlainHeader,
  PlainType,
} from "../../src/packet/mod.ts";
import { sendExec } from "../../src/send/exec.ts";
import { toss } from "../../src/toss/mod.ts";
import { xfer } from "../../src/xfer/mod.ts";
import {
  ferryRun,
  handOver,
  IDS,
  namesIn,
  nodeContext,
  packetsIn,
  queueDir,
  withWorld,
  type World,
} from "./_world.ts";

const utf8 = new TextEncoder();

async function queueFile(ctx: NodeContext, to: string, path: string, body: string) {
  const plain: PlainHeader = { type: PlainType.file, nice: 96, path: utf8.encode(path) };
  return (await queuePacket(ctx, {
    to: ctx.config.neigh.get(to)!,
    plain,
    payload: utf8.encode(body),
    nice: 96,
  })).id;
}

async function queueFreq(ctx: NodeContext, to: string, path: string, dst: string) {
  const plain: PlainHeader = { type: PlainType.freq, nice: 96, path: utf8.encode(path) };
  return (await queuePacket(ctx, {
    to: ctx.config.neigh.get(to)!,
    plain,
    payload: freqPayload(dst),
    nice: 96,
  })).id;
}

async function tossBob(w: World) {
  const { ctx, lines } = await nodeContext(w.bob);
  const summary = await toss(ctx, { seen: true, execTimeoutMs: 10_000 });
  return { summary, log: lines.join("\n") };
}

Deno.test("toss refuses an exec for a handle that is not configured, keeps it in rx, and tosses the rest", async () => {
  await withWorld(async (w) => {
    const { ctx: alice } = await nodeContext(w.alice);
    const bad = (await sendExec(alice, {
      to: alice.config.neigh.get("bob")!,
      handle: "rm-rf",
      args: ["/"],
      body: utf8.encode("x"),
      nice: 96,
      replyNice: 96,
      compress: true,
    })).id;
    await queueFile(alice, "bob", "good.txt", "good\n");
    await handOver(w, "alice", "bob");

    const r = await ferryRun(w.bob, ["toss"]);
    assertEquals(r.code, 1, "a refused packet makes toss exit 1");
    assert(/error rx-no-handle .*exec handle .*rm-rf.* is not configured/.test(r.stderr), r.stderr);
    assert(r.stderr.includes("1 packet(s) could not be tossed and stay in rx"), r.stderr);
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/good.txt`), "good\n");
    assertEquals(await packetsIn(queueDir(w.bob, "alice", "rx")), [bad], "kept for a retry");
    const again = await tossBob(w);
    assertEquals(again.summary.failed, 1, "refused again on the next run");
  });
});

Deno.test("toss refuses freqs outside freq.path (.., absolute, symlink escapes) and answers the good one", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.bob.pub}/ok.txt`, "offered\n");
    await Deno.mkdir(`${w.root}/private`);
    await Deno.writeTextFile(`${w.root}/private/secret.txt`, "secret\n");
    await Deno.symlink(`${w.root}/private`, `${w.bob.pub}/escape`);
    await Deno.symlink(`${w.root}/private/secret.txt`, `${w.bob.pub}/link.txt`);
    const { ctx: alice } = await nodeContext(w.alice);
    const bad = [
      await queueFreq(alice, "bob", "../private/secret.txt", "a"),
      await queueFreq(alice, "bob", `${w.root}/private/secret.txt`, "b"),
      await queueFreq(alice, "bob", "escape/secret.txt", "c"),
      await queueFreq(alice, "bob", "link.txt", "d"),
    ].sort();
    await queueFreq(alice, "bob", "ok.txt", "ok.txt");
    await handOver(w, "alice", "bob");

    const { summary, log } = await tossBob(w);
    assertEquals([summary.tossed, summary.failed], [1, 4], log);
    assertEquals(log.match(/error rx-freq-path /g)?.length, 4, log);
    assert(log.includes("climbs out of its folder"), log);
    assert(log.includes("is absolute"), log);
    assert(log.includes("through a symlink"), log);
    assertEquals(await packetsIn(queueDir(w.bob, "alice", "rx")), bad);

    assertEquals((await packetsIn(queueDir(w.bob, "alice", "tx"))).length, 1, "one reply");
    await handOver(w, "bob", "alice");
    const { ctx: aliceAgain } = await nodeContext(w.alice);
    await toss(aliceAgain, { seen: true, execTimeoutMs: 10_000 });
    assertEquals(await namesIn(w.alice.incoming), ["ok.txt"]);
    assertEquals(await Deno.readTextFile(`${w.alice.incoming}/ok.txt`), "offered\n");
  });
});

Deno.test("toss refuses a file whose path climbs out with .. or is absolute, and writes nothing outside incoming", async () => {
  await withWorld(async (w) => {
    const { ctx: alice } = await nodeContext(w.alice);
    await queueFile(alice, "bob", "../evil.txt", "evil");
    await queueFile(alice, "bob", "sub/../../evil.txt", "evil");
    await queueFile(alice, "bob", `${w.root}/evil.txt`, "evil");
    await queueFile(alice, "bob", "fine.txt", "fine\n");
    await handOver(w, "alice", "bob");

    const { summary, log } = await tossBob(w);
    assertEquals([summary.tossed, summary.failed], [1, 3], log);
    assertEquals(log.match(/error rx-bad-path /g)?.length, 3, log);
    assertEquals(await namesIn(w.bob.incoming), ["fine.txt"]);
    assertEquals((await namesIn(w.bob.dir)).includes("evil.txt"), false);
    assertEquals((await namesIn(w.root)).includes("evil.txt"), false);
    assertEquals((await packetsIn(queueDir(w.bob, "alice", "rx"))).length, 3);
  });
});

Deno.test("a packet from an unknown node is refused by toss and skipped by xfer, and known ones get through", async () => {
  await withWorld(async (w) => {
    const sign = generateSignKeys();
    const strangerId = nodeIdOf(sign.pub);
    const bobPeer = (await nodeContext(w.alice)).ctx.config.neigh.get("bob")!;
    const strangerPacket = async (name: string) => {
      const made: Uint8Array<ArrayBuffer>[] = [];
      const { id } = await encryptPacket({
        sender: { id: strangerId, signPrv: sign.prv },
        recipient: { id: bobPeer.id, exchPub: bobPeer.exchPub },
        nice: 96,
        plain: filePlain(name, 96),
        payload: utf8.encode("who am I\n"),
      }, new WritableStream({ write: (c) => void made.push(c.slice()) }));
      return { id, bytes: new Uint8Array(await new Blob(made).arrayBuffer()) };
    };
    const { id, bytes } = await strangerPacket("stranger.txt");

    // In bob's spool, in alice's rx folder: toss refuses it by its header.
    const rx = queueDir(w.bob, "alice", "rx");
    await Deno.mkdir(rx, { recursive: true });
    await Deno.writeFile(`${rx}/${id}`, bytes);
    const { ctx: alice } = await nodeContext(w.alice);
    await queueFile(alice, "bob", "known.txt", "known\n");
    await handOver(w, "alice", "bob");
    const first = await tossBob(w);
    assertEquals([first.summary.tossed, first.summary.failed], [1, 1], first.log);
    assert(/error rx-unknown-node .*comes from unknown node/.test(first.log), first.log);
    assertEquals(await packetsIn(rx), [id]);

    // On a medium, under the stranger's folder and under alice's: both left there.
    const other = await strangerPacket("other.txt");
    const strangerDir = `${w.media}/${IDS.bob}/${encodeBase32(strangerId)}`;
    const aliceDir = `${w.media}/${IDS.bob}/${IDS.alice}`;
    await Deno.mkdir(strangerDir, { recursive: true });
    await Deno.mkdir(aliceDir, { recursive: true });
    await Deno.writeFile(`${strangerDir}/${other.id}`, other.bytes);
    await Deno.writeFile(`${aliceDir}/${other.id}`, other.bytes);
    const good = await queueFile(alice, "bob", "good.txt", "good\n");
    await xfer(alice, w.media, { rx: false, tx: true, mkdir: true, keep: false, progress: false });
    const r = await ferryRun(w.bob, ["xfer", "--rx", w.media]);
    assertEquals(r.code, 0, r.stderr);
    assert(/warn xfer-rx-skip .*not in the configuration/.test(r.stderr), r.stderr);
    assert(
      /warn xfer-rx-skip .*not a valid packet for us.*not a known node/.test(r.stderr),
      r.stderr,
    );
    assertEquals(await packetsIn(strangerDir), [other.id]);
    assertEquals(await packetsIn(aliceDir), [other.id], "the good packet left the medium");
    assertEquals(await packetsIn(rx), [id, good].sort(), "only the good packet was taken in");
  });
});
