import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { DirStore } from "../../src/link/dir_store.ts";
import { createLogger } from "../../src/log/logger.ts";
import { blake3Id, verifyBlake3 } from "./_scenario.ts";

async function withStore(fn: (store: DirStore, root: string, lines: string[]) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "ferry-dirstore-" });
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => void lines.push(l), level: "debug", journald: false });
  try {
    await fn(new DirStore({ root, verifyId: verifyBlake3, log }), root, lines);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const bytes = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff);

Deno.test("the dir store lists outgoing packets with size and niceness, ignoring other names", async () => {
  await withStore(async (store, root) => {
    const a = bytes(1000, 1), b = bytes(10, 2);
    const idA = await blake3Id(a), idB = await blake3Id(b);
    await store.putOutgoing("BOB", idA, a, 96);
    await store.putOutgoing("BOB", idB, b);
    await Deno.writeTextFile(`${root}/outgoing/BOB/${idA}.1234.tmp`, "half written");
    const listed = (await store.listOutgoing("BOB")).sort((x, y) => x.nice - y.nice);
    assertEquals(listed.map((p) => [p.id, p.size, p.nice]), [[idA, 1000, 96], [idB, 10, 255]]);
    assertEquals(await store.listOutgoing("CAROL"), []);
    const reader = await store.openOutgoing("BOB", idA);
    assertEquals(await reader.read(990, 10), a.subarray(990));
    await assertRejects(() => reader.read(995, 10), RangeError, "ended at 1000");
    await reader.close();
    await store.markSent("BOB", idA);
    assertEquals((await store.listOutgoing("BOB")).map((p) => p.id), [idB]);
  });
});

Deno.test("the dir store refuses node names and ids that could escape its folders", async () => {
  await withStore(async (store) => {
    assertThrows(() => store.dir("inbound", "../etc"), TypeError, "not usable");
    assertThrows(() => store.dir("inbound", ".."), TypeError);
    await assertRejects(() => store.hasIncoming("BOB", "../../x"), TypeError, "base32");
  });
});

Deno.test("a partial resumes from its persisted state and commits into inbound once verified", async () => {
  await withStore(async (store, root) => {
    const data = bytes(600, 3);
    const id = await blake3Id(data);
    const first = await store.openIncoming("ALICE", id, 600);
    assertEquals(first.resume, null);
    await first.write(0, data.subarray(0, 200));
    await first.write(400, data.subarray(400, 500));
    const bitmap = new Uint8Array(8);
    bitmap[0] = 0b10; // fragment 1 after doneBytes (fragments of 200 bytes)
    await first.persist({ size: 600, fragBytes: 200, doneBytes: 200, bitmap });
    await first.close(); // a restart
    const again = await store.openIncoming("ALICE", id, 600);
    assertEquals(again.resume, { size: 600, fragBytes: 200, doneBytes: 200, bitmap });
    await again.write(200, data.subarray(200, 400));
    await again.write(500, data.subarray(500));
    assert(!(await store.hasIncoming("ALICE", id)));
    assert(await again.commit());
    assert(await store.hasIncoming("ALICE", id));
    assertEquals(await Deno.readFile(`${root}/inbound/ALICE/${id}`), data);
    assertEquals([...Deno.readDirSync(`${root}/state/ALICE`)], []);
  });
});

Deno.test("a partial whose bytes do not match the id is discarded with a log line, nothing enters inbound", async () => {
  await withStore(async (store, root, lines) => {
    const data = bytes(100, 4);
    const id = await blake3Id(data);
    const partial = await store.openIncoming("ALICE", id, 100);
    const wrong = data.slice();
    wrong[50]! ^= 1;
    await partial.write(0, wrong);
    assertEquals(await partial.commit(), false);
    assert(!(await store.hasIncoming("ALICE", id)));
    assertEquals([...Deno.readDirSync(`${root}/state/ALICE`)], []);
    assert(lines.some((l) => l.includes("link-packet-bad-id")));
  });
});

Deno.test("a torn or foreign state file restarts the partial from zero with a log line", async () => {
  await withStore(async (store, root, lines) => {
    const data = bytes(300, 5);
    const id = await blake3Id(data);
    const p = await store.openIncoming("ALICE", id, 300);
    await p.write(0, data.subarray(0, 100));
    await p.persist({ size: 300, fragBytes: 100, doneBytes: 100, bitmap: new Uint8Array(8) });
    await p.close();
    await Deno.writeTextFile(`${root}/state/ALICE/${id}.state`, '{"v":1,"size":300,"doneB');
    const q = await store.openIncoming("ALICE", id, 300);
    assertEquals(q.resume, null);
    assert(lines.some((l) => l.includes("link-partial-bad-state")));
    await q.close();
    assertEquals((await Deno.stat(`${root}/state/ALICE/${id}.part`)).size, 0);
  });
});

Deno.test("a partial offered again with another size starts over", async () => {
  await withStore(async (store, _root, lines) => {
    const id = await blake3Id(bytes(10, 6));
    const p = await store.openIncoming("ALICE", id, 300);
    await p.write(0, bytes(100, 6));
    await p.persist({ size: 300, fragBytes: 100, doneBytes: 100, bitmap: new Uint8Array(8) });
    await p.close();
    const q = await store.openIncoming("ALICE", id, 400);
    assertEquals(q.resume, null);
    await assertRejects(() => q.write(350, bytes(100, 6)), RangeError, "outside 400");
    await q.close();
    assert(lines.some((l) => l.includes("link-partial-size-changed")));
  });
});
