/**
 * The MQTT receiver against the real spool store: the id check hashes a
 * packet received in order as it arrives and commits with that id; chunks
 * out of order fall back to hashing the file; bytes that do not hash to the
 * id are refused whichever way they were checked. And the packet reader's
 * `readInto`, which the sender builds its DATA messages with.
 */

import { assert, assertEquals, assertRejects } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { decodeBase32, encodeBase32 } from "../../src/encoding/base32.ts";
import { generateKeys, nodeIdOf } from "../../src/config/mod.ts";
import { createLogger } from "../../src/log/logger.ts";
import { mthOf } from "../../src/packet/mth.ts";
import { Spool } from "../../src/spool/mod.ts";
import { type PacketStore, SpoolStore } from "../../src/store/mod.ts";
import { openPacketReader } from "../../src/store/packet_reader.ts";
import { verifyAck } from "../../src/mqtt/ack.ts";
import { mqttLimits } from "../../src/mqtt/limits.ts";
import { Receiver } from "../../src/mqtt/receiver.ts";
import { type DataMessage, decodeMessage } from "../../src/mqtt/wire.ts";

const PEER = "JIHU3APBZHWUGIJIOZQ5Z6C4LOKLEYTVGOFNGKU7U2TCMZZWQT3Q";
const CHUNK = 64 * 1024;

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed + (i >> 13)) & 0xff;
  return out;
}

function world(dir: string, logLines: string[] = []) {
  const keys = generateKeys();
  const selfId = nodeIdOf(keys.signPub);
  const real = new SpoolStore(
    new Spool(dir, encodeBase32(selfId)),
    createLogger({ sink: () => {} }),
  );
  /** What each commit was handed as the id already computed (undefined: hash the file). */
  const checked: (string | undefined)[] = [];
  const store = new Proxy(real, {
    get(target, key) {
      if (key === "openIncoming") {
        return async (...args: Parameters<PacketStore["openIncoming"]>) => {
          const p = await target.openIncoming(...args);
          return {
            ...p,
            commit: (checkedId?: string) => {
              checked.push(checkedId);
              return p.commit(checkedId);
            },
          };
        };
      }
      const v = Reflect.get(target, key);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const replies: ReturnType<typeof decodeMessage>[] = [];
  const receiver = new Receiver({
    store,
    log: createLogger({ sink: (line) => logLines.push(line) }),
    selfId,
    signPrv: keys.signPrv,
    reply: (to, b) => {
      assertEquals(to, PEER);
      replies.push(decodeMessage(b));
      return Promise.resolve();
    },
  });
  const rx = `${dir}/${PEER}/rx`;
  return { receiver, checked, replies, rx, selfId, signPub: keys.signPub };
}

function chunkOf(data: Uint8Array, id: Uint8Array, offset: number): DataMessage {
  return {
    kind: "data",
    peer: decodeBase32(PEER),
    packet: id,
    size: data.length,
    nice: 96,
    chunk: CHUNK,
    offset,
    bytes: data.slice(offset, Math.min(data.length, offset + CHUNK)),
  };
}

async function listRx(rx: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(rx))).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

Deno.test("chunks in order are hashed as they arrive: committed with that id, then a signed ACK", async () => {
  await withTempDir(async (dir) => {
    const w = world(dir);
    const data = bytes(5 * CHUNK + 1234, 1);
    const idBytes = await mthOf(data);
    const id = encodeBase32(idBytes);
    for (let o = 0; o < data.length; o += CHUNK) {
      await w.receiver.onData(PEER, chunkOf(data, idBytes, o));
    }
    assertEquals(w.checked, [id]);
    assertEquals(await Deno.readFile(`${w.rx}/${id}`), data);
    const ack = w.replies.at(-1)!;
    assert(ack.kind === "ack", `last reply is ${ack.kind}`);
    assert(verifyAck(w.signPub, w.selfId, decodeBase32(PEER), idBytes, ack.signature));
  });
});

Deno.test("chunks out of order: the packet is hashed from its file at the commit", async () => {
  await withTempDir(async (dir) => {
    const w = world(dir);
    const data = bytes(4 * CHUNK, 2);
    const idBytes = await mthOf(data);
    const id = encodeBase32(idBytes);
    for (const o of [CHUNK, 0, 3 * CHUNK, 2 * CHUNK]) {
      await w.receiver.onData(PEER, chunkOf(data, idBytes, o));
    }
    assertEquals(w.checked, [undefined]);
    assertEquals(await Deno.readFile(`${w.rx}/${id}`), data);
    assertEquals(w.replies.at(-1)?.kind, "ack");
  });
});

Deno.test("a chunk altered on the way is refused whichever way it was hashed: nothing in rx, no ACK", async () => {
  for (const order of [[0, 1, 2, 3], [1, 0, 2, 3]]) {
    await withTempDir(async (dir) => {
      const w = world(dir);
      const data = bytes(4 * CHUNK, 3);
      const idBytes = await mthOf(data);
      for (const i of order) {
        const m = chunkOf(data, idBytes, i * CHUNK);
        if (i === 2) m.bytes[100] = m.bytes[100]! ^ 1;
        await w.receiver.onData(PEER, m);
      }
      assertEquals(w.checked.length, 1);
      assertEquals(await listRx(w.rx), []);
      assert(w.replies.every((r) => r.kind !== "ack"), "no ACK for refused bytes");
    });
  }
});

Deno.test("the packet reader fills a given buffer, in order and out of order, and refuses past the end", async () => {
  await withTempDir(async (dir) => {
    const data = bytes(300_000, 4);
    await Deno.writeFile(`${dir}/p`, data);
    const r = await openPacketReader(`${dir}/p`);
    try {
      const into = new Uint8Array(100_000);
      for (const o of [0, 100_000, 200_000, 50_000, 150_000]) {
        await r.readInto!(o, into);
        assertEquals(into, data.subarray(o, o + 100_000));
      }
      assertEquals(await r.read(250_000, 50_000), data.subarray(250_000));
      await assertRejects(() => r.readInto!(250_000, into), RangeError);
      await r.readInto!(0, into.subarray(0, 10));
      assertEquals(into.subarray(0, 10), data.subarray(0, 10));
    } finally {
      await r.close();
    }
  });
});

Deno.test("a peer flooding OFFERs gets at most partialsPerPeerMax partials; the rest are refused and logged", async () => {
  await withTempDir(async (dir) => {
    const lines: string[] = [];
    const w = world(dir, lines);
    const max = mqttLimits.partialsPerPeerMax;
    const offer = (packet: Uint8Array, size = 3 * CHUNK) => ({
      kind: "offer" as const,
      peer: decodeBase32(PEER),
      packet,
      size,
      nice: 96,
      chunk: CHUNK,
    });
    for (let i = 0; i < max + 5; i++) {
      await w.receiver.onOffer(PEER, offer(crypto.getRandomValues(new Uint8Array(32))));
    }
    assertEquals(
      w.replies.filter((r) => r.kind === "have").length,
      max,
      "a HAVE for each admitted",
    );
    const parts = (await listRx(w.rx)).filter((n) => n.endsWith(".part"));
    assertEquals(parts.length, max, "no partial beyond the limit on disk");
    assertEquals(lines.filter((l) => l.includes("mqtt-partials-limit")).length, 5);
    // An admitted packet still goes on; once one finishes, a new one is taken again.
    const data = bytes(2 * CHUNK, 5);
    const idBytes = await mthOf(data);
    await w.receiver.onData(PEER, chunkOf(data, idBytes, 0));
    assertEquals(lines.filter((l) => l.includes("mqtt-partials-limit")).length, 6, "still full");
    assertEquals(await listRx(w.rx).then((n) => n.includes(encodeBase32(idBytes))), false);
    // Nothing was lost: the refused packet comes in whole once a slot frees. Free one by
    // finishing an admitted packet: offer it while there is room in a fresh receiver.
    const w2 = world(`${dir}/second`, lines);
    for (let i = 0; i < max - 1; i++) {
      await w2.receiver.onOffer(PEER, offer(crypto.getRandomValues(new Uint8Array(32))));
    }
    const first = bytes(2 * CHUNK, 6);
    const firstId = await mthOf(first);
    for (const o of [0, CHUNK]) await w2.receiver.onData(PEER, chunkOf(first, firstId, o));
    assert((await listRx(w2.rx)).includes(encodeBase32(firstId)), "the 16th packet committed");
    for (const o of [0, CHUNK]) await w2.receiver.onData(PEER, chunkOf(data, idBytes, o));
    assert((await listRx(w2.rx)).includes(encodeBase32(idBytes)), "its slot went to the next");
  });
});
