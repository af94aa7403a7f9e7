/**
 * Sync folders: packets that arrive in pieces (as a sync tool writes them)
 * are imported only once they stopped changing, a file whose bytes do not
 * match its name is left alone, and nothing partial is ever tossed.
 * @module
 */

import { assert, assertEquals } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { setupNodes } from "../nodes.ts";
import { SyncFolder } from "../../src/media/mod.ts";
import {
  assertIdsMatch,
  FerryProcess,
  mediumDir,
  namesIn,
  type OpenNode,
  openNode,
  packetsIn,
  queueDir,
  queueFiles,
  tossAll,
} from "./_media.ts";

/** A packet from bob to alice, as bytes, and the file it carries. */
async function bobsPacket(root: string, bob: OpenNode, bytes: number, seed: number) {
  const [file] = await queueFiles(bob.ctx, "alice", 1, bytes, `${root}/b`, seed);
  const data = await Deno.readFile(`${queueDir(bob.ctx, "alice", "tx")}/${file!.id}`);
  return { ...file!, data };
}

async function append(path: string, data: Uint8Array): Promise<void> {
  const f = await Deno.open(path, { write: true, append: true, create: true });
  try {
    let off = 0;
    while (off < data.length) off += await f.write(data.subarray(off));
  } finally {
    f.close();
  }
}

Deno.test("a sync folder imports a packet written in pieces only after a whole scan without change", async () => {
  await withTempDir(async (root) => {
    const nodes = await setupNodes(root, ["alice", "bob"]);
    const alice = await openNode(nodes.alice!.cfg);
    const bob = await openNode(nodes.bob!.cfg);
    const pkt = await bobsPacket(root, bob, 300_000, 31);
    const folder = new SyncFolder({
      path: `${root}/sync`,
      nodes: [],
      intervalSec: 1,
      settleSec: 0,
      keep: false,
    });
    const inbox = mediumDir(`${root}/sync`, "alice", "bob");
    await Deno.mkdir(inbox, { recursive: true });
    const rx = queueDir(alice.ctx, "bob", "rx");
    const third = Math.floor(pkt.data.length / 3);
    for (const piece of [pkt.data.subarray(0, third), pkt.data.subarray(third, 2 * third)]) {
      await append(`${inbox}/${pkt.id}`, piece);
      assertEquals((await folder.scan(alice.ctx)).rx.received, 0);
      assertEquals(await packetsIn(rx), []);
    }
    await append(`${inbox}/${pkt.id}`, pkt.data.subarray(2 * third));
    assertEquals((await folder.scan(alice.ctx)).rx.received, 0, "changed since the last scan");
    assertEquals((await folder.scan(alice.ctx)).rx.received, 1);
    assertEquals(await packetsIn(rx), [pkt.id]);
    await assertIdsMatch(rx);
    assertEquals(await namesIn(inbox), []);
    assert(!alice.lines.some((l) => l.includes("xfer-rx-bad-id")), alice.lines.join("\n"));
    assertEquals(await tossAll(alice.ctx), 1);
    assertEquals(await Deno.readFile(`${nodes.alice!.incoming}/${pkt.name}`), pkt.content);
  });
});

Deno.test("a sync folder leaves a file whose bytes do not match its name, reads it once, and takes it when it is put right", async () => {
  await withTempDir(async (root) => {
    const nodes = await setupNodes(root, ["alice", "bob"]);
    const alice = await openNode(nodes.alice!.cfg);
    const bob = await openNode(nodes.bob!.cfg);
    const pkt = await bobsPacket(root, bob, 200_000, 32);
    const folder = new SyncFolder({
      path: `${root}/sync`,
      nodes: [],
      intervalSec: 1,
      settleSec: 0,
      keep: false,
    });
    const inbox = mediumDir(`${root}/sync`, "alice", "bob");
    await Deno.mkdir(inbox, { recursive: true });
    const wrong = pkt.data.slice();
    wrong[wrong.length - 100]! ^= 1;
    await Deno.writeFile(`${inbox}/${pkt.id}`, wrong);
    for (let i = 0; i < 4; i++) assertEquals((await folder.scan(alice.ctx)).rx.received, 0);
    assertEquals(alice.lines.filter((l) => l.startsWith("error xfer-rx-bad-id ")).length, 1);
    assertEquals(await namesIn(inbox), [pkt.id]);
    assertEquals(await packetsIn(queueDir(alice.ctx, "bob", "rx")), []);
    assertEquals(await namesIn(alice.ctx.spool.tmpDir), []);
    await Deno.writeFile(`${inbox}/${pkt.id}`, pkt.data);
    await Deno.utime(`${inbox}/${pkt.id}`, new Date(), new Date(Date.now() - 5000));
    assertEquals((await folder.scan(alice.ctx)).rx.received, 0);
    assertEquals((await folder.scan(alice.ctx)).rx.received, 1);
    await assertIdsMatch(queueDir(alice.ctx, "bob", "rx"));
  });
});

Deno.test("a sync folder waits settle-sec after the last change even when nothing changes between scans", async () => {
  await withTempDir(async (root) => {
    const nodes = await setupNodes(root, ["alice", "bob"]);
    const alice = await openNode(nodes.alice!.cfg);
    const bob = await openNode(nodes.bob!.cfg);
    const pkt = await bobsPacket(root, bob, 50_000, 33);
    const folder = new SyncFolder({
      path: `${root}/sync`,
      nodes: [],
      intervalSec: 1,
      settleSec: 3600,
      keep: false,
    });
    const inbox = mediumDir(`${root}/sync`, "alice", "bob");
    await Deno.mkdir(inbox, { recursive: true });
    await Deno.writeFile(`${inbox}/${pkt.id}`, pkt.data);
    for (let i = 0; i < 3; i++) assertEquals((await folder.scan(alice.ctx)).rx.received, 0);
    const hourAgo = new Date(Date.now() - 3700_000);
    await Deno.utime(`${inbox}/${pkt.id}`, hourAgo, hourAgo);
    assertEquals((await folder.scan(alice.ctx)).rx.received, 0, "its mtime just changed");
    assertEquals((await folder.scan(alice.ctx)).rx.received, 1);
  });
});

Deno.test("ferry media --watch with a sync folder: a packet appended slowly is imported once settled, never partly, a wrong one is left, and queued packets go out", async () => {
  await withTempDir(async (root) => {
    const sync = `${root}/sync`;
    const nodes = await setupNodes(root, ["alice", "bob"], (name, cfg) => {
      if (name === "alice") {
        cfg.ferry = { "sync-folders": [{ path: sync, "interval-sec": 1, "settle-sec": 1 }] };
      }
    });
    const alice = await openNode(nodes.alice!.cfg);
    const bob = await openNode(nodes.bob!.cfg);
    const slow = await bobsPacket(root, bob, 400_000, 34);
    const bad = await bobsPacket(root, bob, 100_000, 35);
    const toBob = await queueFiles(alice.ctx, "bob", 2, 100_000, `${root}/a`, 36);
    const inbox = mediumDir(sync, "alice", "bob");
    await Deno.mkdir(inbox, { recursive: true });
    const wrong = bad.data.slice();
    wrong[500]! ^= 1;
    await Deno.writeFile(`${inbox}/${bad.id}`, wrong);
    const rx = queueDir(alice.ctx, "bob", "rx");
    const watch = new FerryProcess(["--config", nodes.alice!.cfg, "media", "--watch"]);
    try {
      const pieces = 8;
      const step = Math.ceil(slow.data.length / pieces);
      for (let i = 0; i < pieces; i++) {
        await append(`${inbox}/${slow.id}`, slow.data.subarray(i * step, (i + 1) * step));
        await new Promise((r) => setTimeout(r, 400));
        // Whatever is in rx is whole; nothing partial is tossed.
        assertEquals(await packetsIn(rx), [], `after piece ${i + 1} of ${pieces}`);
        await tossAll(alice.ctx);
        assertEquals(await namesIn(nodes.alice!.incoming), []);
      }
      await watch.waitFor(/info sync-folder .*imported=1/, 15_000);
      assertEquals(await packetsIn(rx), [slow.id]);
      await assertIdsMatch(rx);
      assertEquals(await tossAll(alice.ctx), 1);
      assertEquals(await namesIn(nodes.alice!.incoming), [slow.name]);
      assertEquals(await Deno.readFile(`${nodes.alice!.incoming}/${slow.name}`), slow.content);
      assertEquals(await namesIn(inbox), [bad.id]);
      assert(/error xfer-rx-bad-id .*bytes do not match/.test(watch.text()), watch.text());
      assertEquals(
        await packetsIn(mediumDir(sync, "bob", "alice")),
        toBob.map((f) => f.id).sort(),
      );
      await assertIdsMatch(mediumDir(sync, "bob", "alice"));
    } finally {
      const status = await watch.stop();
      assertEquals(status.code, 0, watch.text());
    }
  });
});
