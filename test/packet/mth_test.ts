import { assert, assertEquals, assertThrows } from "../assert.ts";
import { encodeHex } from "../../src/packet/hex.ts";
import { Mth, MTH_LEAF_KEY, MTH_NODE_KEY, mthOf, type MthState } from "../../src/packet/mth.ts";
import { mthResumeFile } from "../../src/packet/mth_file.ts";

const VECTORS = new URL("../vectors/nncp/", import.meta.url);

interface MthVector {
  input: string;
  size: number;
  mth_hex: string;
}
const table = JSON.parse(await Deno.readTextFile(new URL("mth/mth-vectors.json", VECTORS))) as {
  leaf_key_hex: string;
  node_key_hex: string;
  vectors: MthVector[];
};

async function inputOf(vector: MthVector): Promise<Uint8Array> {
  const [kind, arg = ""] = vector.input.split(":");
  if (kind === "zeros") return new Uint8Array(Number(arg));
  if (kind === "pattern") {
    return Uint8Array.from({ length: Number(arg) }, (_, j) => (j * 7 + 3) % 251);
  }
  return await Deno.readFile(new URL(arg, VECTORS));
}

Deno.test("MTH keys are BLAKE3-256 of the NNCP leaf and node labels", () => {
  assertEquals(encodeHex(MTH_LEAF_KEY), table.leaf_key_hex);
  assertEquals(encodeHex(MTH_NODE_KEY), table.node_key_hex);
});

Deno.test("MTH matches every nncp-hash vector, whole and fed in odd pieces", async () => {
  assert(table.vectors.length >= 20);
  for (const vector of table.vectors) {
    const data = await inputOf(vector);
    assertEquals(data.length, vector.size, vector.input);
    assertEquals(encodeHex(await mthOf(data)), vector.mth_hex, vector.input);
    const mth = await Mth.create();
    for (let pos = 0; pos < data.length; pos += 40_000) {
      mth.update(data.subarray(pos, pos + 40_000));
    }
    assertEquals(encodeHex(mth.digest()), vector.mth_hex, `${vector.input} in pieces`);
  }
});

Deno.test("MTH resumed from a JSON snapshot at any point gives the same id", async () => {
  for (const vector of table.vectors.filter((v) => v.size > 131072)) {
    const data = await inputOf(vector);
    for (const cut of [1, 131072, 131073, data.length - 1, data.length]) {
      const first = await Mth.create();
      first.update(data.subarray(0, cut));
      const saved = JSON.parse(JSON.stringify(first.snapshot())) as MthState;
      const resumed = await Mth.create(saved);
      assert(resumed.resumeOffset <= cut && cut - resumed.resumeOffset < 131072);
      resumed.update(data.subarray(resumed.resumeOffset));
      assertEquals(encodeHex(resumed.digest()), vector.mth_hex, `${vector.input} cut at ${cut}`);
    }
  }
});

Deno.test("MTH resumes from a partial file on disk re-reading less than one block", async () => {
  const vector = table.vectors.find((v) => v.input === "pattern:393221")!;
  const data = await inputOf(vector);
  const dir = await Deno.makeTempDir({ prefix: "ferry-mth-" });
  try {
    const path = `${dir}/partial`;
    await Deno.writeFile(path, data.subarray(0, 300_000));
    const early = await mthResumeFile(path);
    assertEquals(early.size, 300_000);
    const state = early.snapshot();
    const later = await mthResumeFile(path, state);
    assertEquals(later.size, 300_000);
    later.update(data.subarray(300_000));
    assertEquals(encodeHex(later.digest()), vector.mth_hex);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MTH refuses an inconsistent saved state", async () => {
  const mth = await Mth.create();
  mth.update(new Uint8Array(3 * 131072));
  const state = mth.snapshot();
  await Mth.create(state);
  const wrong = { ...state, leaves: 4 };
  let caught: unknown;
  try {
    await Mth.create(wrong);
  } catch (err) {
    caught = err;
  }
  assertThrows(
    () => {
      throw caught;
    },
    RangeError,
    "level 0 does not match 4 leaves",
  );
});
