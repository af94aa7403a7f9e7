/**
 * Toss reassembles a chunked file whatever order its packets come in and
 * however often: the file appears once, when the last piece is in, and
 * copies of packets already tossed change nothing.
 */

import { assert_ as assert, assertEquals } from "../assert.ts";
import { sendFile } from "../../src/send/file.ts";
import { toss } from "../../src/toss/mod.ts";
import { seededRandom } from "../node/_crash.ts";
import {
  namesIn,
  nodeContext,
  packetsIn,
  patternBytes,
  queueDir,
  sameBytes,
  withWorld,
} from "../node/_world.ts";

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

for (const seed of [1, 2, 3]) {
  Deno.test(`chunks in random order and twice (seed ${seed}): the file appears once, when the last piece is in`, async () => {
    await withWorld(async (w) => {
      const random = seededRandom(seed);
      const data = patternBytes(9 * 1024 + 321, seed);
      await Deno.writeFile(`${w.root}/r.bin`, data);
      const bob = await nodeContext(w.bob);
      await sendFile(bob.ctx, {
        src: `${w.root}/r.bin`,
        to: bob.ctx.config.neigh.get("alice")!,
        nice: 96,
        chunkBytes: 1024,
      });
      const tx = queueDir(w.bob, "alice", "tx");
      const ids = await packetsIn(tx);
      assertEquals(ids.length, 11); // 10 chunks and the meta
      const copies = new Map<string, Uint8Array>();
      for (const id of ids) copies.set(id, await Deno.readFile(`${tx}/${id}`));

      const alice = await nodeContext(w.alice);
      const rx = queueDir(w.alice, "bob", "rx");
      await Deno.mkdir(rx, { recursive: true });
      const order = shuffle(ids, random);
      let given = 0;
      while (given < order.length) {
        const batch = order.slice(given, given + 1 + Math.floor(random() * 3));
        given += batch.length;
        // Some packets come twice in the same batch window (two sticks, two routes).
        for (const id of batch) await Deno.writeFile(`${rx}/${id}`, copies.get(id)!);
        const summary = await toss(alice.ctx, { seen: true, reass: true, execTimeoutMs: 10_000 });
        assertEquals(summary.failed, 0, alice.lines.join("\n"));
        const names = await namesIn(w.alice.incoming);
        if (given < order.length) {
          assert(!names.includes("r.bin"), `r.bin appeared before its last piece: ${names}`);
        } else {
          assertEquals(names, ["r.bin"]);
          assertEquals(summary.reassembled, 1);
        }
        if (random() < 0.5) {
          const again = batch[Math.floor(random() * batch.length)]!;
          await Deno.writeFile(`${rx}/${again}`, copies.get(again)!);
        }
      }
      // Every packet once more: all duplicates, nothing new.
      for (const [id, bytes] of copies) await Deno.writeFile(`${rx}/${id}`, bytes);
      const replay = await toss(alice.ctx, { seen: true, reass: true, execTimeoutMs: 10_000 });
      assertEquals(replay.tossed, 0);
      assertEquals(replay.reassembled, 0);
      assertEquals(await namesIn(w.alice.incoming), ["r.bin"]);
      assert(sameBytes(await Deno.readFile(`${w.alice.incoming}/r.bin`), data));
      assertEquals(await packetsIn(rx), []);
    });
  });
}
