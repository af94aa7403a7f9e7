/**
 * The packet store's NNCP `.part` and `.nock` semantics, which the online
 * protocol needs to resume across ferry and NNCP.
 */

import { assertEquals } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { encodeBase32 } from "../../src/encoding/base32.ts";
import { createLogger } from "../../src/log/logger.ts";
import { mthOf as mthOfBytes } from "../../src/packet/mth.ts";
import { Spool } from "../../src/spool/mod.ts";
import { SpoolStore } from "../../src/store/mod.ts";

const PEER = "JIHU3APBZHWUGIJIOZQ5Z6C4LOKLEYTVGOFNGKU7U2TCMZZWQT3Q";
const SELF = "36N53ZAS2X7GYXKZPGUGLRU53XIVNEQMRNLF5VTAQRQGVX54A3KQ";

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

async function setup(dir: string) {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => void lines.push(l) });
  const store = new SpoolStore(new Spool(dir, SELF), log);
  const rx = `${dir}/${PEER}/rx`;
  await Deno.mkdir(rx, { recursive: true });
  return { store, rx, lines };
}

Deno.test("a .part NNCP left without a resume state counts as its first bytes, and completes", async () => {
  await withTempDir(async (dir) => {
    const { store, rx } = await setup(dir);
    const data = bytes(100_000, 1);
    const id = encodeBase32(await mthOfBytes(data));
    await Deno.writeFile(`${rx}/${id}.part`, data.subarray(0, 40_000));
    const p = await store.openIncoming(PEER, id, data.length, { partLengthIsDone: true });
    assertEquals(p.resume?.doneBytes, 40_000);
    await p.write(40_000, data.subarray(40_000));
    assertEquals(await p.commit(), true);
    assertEquals(await Deno.readFile(`${rx}/${id}`), data);
  });
});

Deno.test("with NNCP's .part semantics a resume state is the durable point and is then removed", async () => {
  await withTempDir(async (dir) => {
    const { store, rx } = await setup(dir);
    const data = bytes(50_000, 2);
    const id = encodeBase32(await mthOfBytes(data));
    const first = await store.openIncoming(PEER, id, data.length, { partLengthIsDone: true });
    await first.write(0, data.subarray(0, 30_000));
    await first.persist({
      size: data.length,
      fragBytes: 65536,
      doneBytes: 20_000,
      bitmap: new Uint8Array(8),
    });
    await first.close();
    const again = await store.openIncoming(PEER, id, data.length, { partLengthIsDone: true });
    assertEquals(again.resume?.doneBytes, 20_000);
    assertEquals((await Deno.stat(`${rx}/${id}.part`)).size, 20_000);
    assertEquals(await Deno.stat(`${rx}/${id}.state`).then(() => true, () => false), false);
    await again.close();
    // Without the option, the old behaviour stays: no state means start from zero.
    const plain = await store.openIncoming(PEER, id, data.length);
    assertEquals(plain.resume, null);
    await plain.close();
  });
});

Deno.test("a .part longer than the packet is discarded", async () => {
  await withTempDir(async (dir) => {
    const { store, rx, lines } = await setup(dir);
    const id = encodeBase32(bytes(32, 3));
    await Deno.writeFile(`${rx}/${id}.part`, bytes(500, 3));
    const p = await store.openIncoming(PEER, id, 100, { partLengthIsDone: true });
    assertEquals(p.resume, null);
    assertEquals((await Deno.stat(`${rx}/${id}.part`)).size, 0);
    await p.close();
    assertEquals(lines.some((l) => l.includes("link-partial-too-long")), true);
  });
});

Deno.test("a .nock NNCP left is checked: a match enters rx/, a mismatch is removed", async () => {
  await withTempDir(async (dir) => {
    const { store, rx, lines } = await setup(dir);
    const good = bytes(70_000, 4);
    const goodId = encodeBase32(await mthOfBytes(good));
    await Deno.writeFile(`${rx}/${goodId}.nock`, good);
    assertEquals(await store.checkUnchecked(PEER, goodId), true);
    assertEquals(await Deno.readFile(`${rx}/${goodId}`), good);
    const badId = encodeBase32(await mthOfBytes(bytes(10, 5)));
    await Deno.writeFile(`${rx}/${badId}.nock`, bytes(11, 5));
    assertEquals(await store.checkUnchecked(PEER, badId), false);
    assertEquals(await Deno.stat(`${rx}/${badId}.nock`).then(() => true, () => false), false);
    assertEquals(await Deno.stat(`${rx}/${badId}`).then(() => true, () => false), false);
    assertEquals(lines.some((l) => l.includes("store-nock-bad-id")), true);
    assertEquals(await store.checkUnchecked(PEER, badId), null);
  });
});

Deno.test("commit with the id the receiver hashed skips the read-back; a wrong one discards", async () => {
  await withTempDir(async (dir) => {
    const { store, rx } = await setup(dir);
    const data = bytes(9_000, 6);
    const id = encodeBase32(await mthOfBytes(data));
    const wrong = await store.openIncoming(PEER, id, data.length, { partLengthIsDone: true });
    await wrong.write(0, data);
    assertEquals(await wrong.commit(encodeBase32(bytes(32, 7))), false);
    assertEquals(await Deno.stat(`${rx}/${id}.part`).then(() => true, () => false), false);
    const right = await store.openIncoming(PEER, id, data.length, { partLengthIsDone: true });
    await right.write(0, data);
    assertEquals(await right.commit(id), true);
    assertEquals(await Deno.readFile(`${rx}/${id}`), data);
  });
});

Deno.test("with NNCP's .part semantics a partial closed before any byte leaves no file", async () => {
  await withTempDir(async (dir) => {
    const { store, rx } = await setup(dir);
    const id = encodeBase32(bytes(32, 8));
    const p = await store.openIncoming(PEER, id, 1000, { partLengthIsDone: true });
    await p.close();
    assertEquals(await Deno.stat(`${rx}/${id}.part`).then(() => true, () => false), false);
  });
});
