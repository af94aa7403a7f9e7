import { assert, assertEquals } from "../assert.ts";
import { NNCP_VECTORS } from "../helpers.ts";
import { type BundleSkip, entryHeaders, entryPadding, readBundle } from "../../src/bundle/mod.ts";

const ALICE = "36N53ZAS2X7GYXKZPGUGLRU53XIVNEQMRNLF5VTAQRQGVX54A3KQ";
const BOB = "JIHU3APBZHWUGIJIOZQ5Z6C4LOKLEYTVGOFNGKU7U2TCMZZWQT3Q";
const IDS = [
  "CACXUD72J35SQCRYUAUZYJ3UETNC2MIU6HLKO3BY7OYKZMCBTNJA",
  "FRSCOTJAEIFOMPJNH5W7XFRMEUREJKWAXXX3XAPEYISIJEDBFECQ",
];

async function vectorBundle(): Promise<Uint8Array> {
  return await Deno.readFile(`${NNCP_VECTORS}/bundle/bundle-alice-to-bob.tar`);
}

async function collect(bytes: Uint8Array, chunk = 4096) {
  const entries: { recipient: string; sender: string; id: string; body: Uint8Array }[] = [];
  const skips: BundleSkip[] = [];
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += chunk) c.enqueue(bytes.slice(i, i + chunk));
      c.close();
    },
  });
  await readBundle(stream, { packetBytesMax: 1 << 30, onSkip: (s) => skips.push(s) }, async (e) => {
    const body = new Uint8Array(await new Response(e.body).arrayBuffer());
    assertEquals(body.length, e.size);
    entries.push({ recipient: e.recipient, sender: e.sender, id: e.id, body });
  });
  return { entries, skips };
}

Deno.test("the bundle made by nncp-bundle yields its two packets, whatever the read size", async () => {
  const bytes = await vectorBundle();
  for (const chunk of [1, 7, 512, 4096, 1 << 20]) {
    const { entries, skips } = await collect(bytes, chunk);
    assertEquals(skips, []);
    assertEquals(entries.map((e) => [e.recipient, e.sender, e.id, e.body.length]), [
      [BOB, ALICE, IDS[0], 498],
      [BOB, ALICE, IDS[1], 498],
    ]);
    assertEquals(new TextDecoder().decode(entries[0]!.body.subarray(0, 8)), "NNCPE\0\0\x06");
  }
});

Deno.test("ferry writes bundle entries byte for byte as nncp-bundle does", async () => {
  const bytes = await vectorBundle();
  const { entries } = await collect(bytes);
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    parts.push(
      entryHeaders(e.recipient, e.sender, e.id, e.body.length),
      e.body,
      entryPadding(e.body.length),
    );
  }
  const rebuilt = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    rebuilt.set(p, off);
    off += p.length;
  }
  assertEquals(rebuilt, bytes);
});

Deno.test("a bundle with garbage in front, between entries and a damaged header still yields the intact packets", async () => {
  const bytes = await vectorBundle();
  const half = 1536; // first entry: 2 header blocks + 498 bytes padded to 512
  const garbage = crypto.getRandomValues(new Uint8Array(3000));
  const noisy = new Uint8Array([
    ...garbage,
    ...bytes.subarray(0, half),
    ...new TextEncoder().encode("NNCP junk NNCP"),
    ...garbage,
    ...bytes.subarray(half),
  ]);
  const { entries, skips } = await collect(noisy, 1000);
  assertEquals(entries.map((e) => e.id), IDS);
  assert(skips.length >= 2, "the garbage was reported");
  const damaged = bytes.slice();
  damaged[half + 512 + 20] = damaged[half + 512 + 20]! ^ 0xff; // the second entry's file header name
  const second = await collect(damaged);
  assertEquals(second.entries.map((e) => e.id), [IDS[0]]);
  assert(second.skips.some((s) => s.reason.includes("checksum")), "the damaged header is reported");
});

Deno.test("a bundle cut inside a packet reports the short entry and yields the complete ones", async () => {
  const bytes = await vectorBundle();
  const cut = bytes.subarray(0, 1536 + 1024 + 100);
  let error: unknown;
  const entries: string[] = [];
  const stream = new Blob([cut.slice()]).stream();
  try {
    await readBundle(stream, { packetBytesMax: 1 << 30 }, async (e) => {
      entries.push(e.id);
      await new Response(e.body).arrayBuffer();
    });
  } catch (err) {
    error = err;
  }
  assertEquals(entries, IDS);
  assert(error instanceof Error && error.message.includes("bytes short"), String(error));
});

Deno.test("entries over the size limit or not named like packets are skipped", async () => {
  const bytes = await vectorBundle();
  const stream = new Blob([bytes.slice()]).stream();
  const skips: BundleSkip[] = [];
  await readBundle(stream, { packetBytesMax: 400, onSkip: (s) => skips.push(s) }, () => {
    throw new Error("no entry should be delivered");
  });
  assertEquals(skips.length, 2);
  assert(skips[0]!.reason.includes("over the 400-byte limit"));
});
