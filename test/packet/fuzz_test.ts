import { assert, assertEquals } from "../assert.ts";
import { decryptPacket, PacketError } from "../../src/packet/mod.ts";
import { bytesEqual } from "../../src/packet/xdr.ts";
import { knownSenders, nodeNamed, VECTORS } from "./_nodes.ts";
import { recordingSink } from "./_recording_sink.ts";

/** Mutations per run. */
const MUTATIONS = 10_000;
/** A single decryption taking longer than this counts as a hang. */
const HANG_MS = 5_000;
const SEED = Number(Deno.env.get("FERRY_FUZZ_SEED") ?? 20261125);

const SAMPLES = [
  ["file-small.QOVCEAEVTP6MPRWEXVNZOBIH2V6EDFI3CSBEJ27KJOPM3WFZQ5VQ", "bob"],
  ["file-empty.D65RTO7UU3IUJCOY6WS6AB4TPZCUQ3XRZKEM4MUQND4WLFY7ZLLA", "bob"],
  ["exec.6NAL6PR2WPVKRW7TTRDNUGAXZZ5A4FH4PQ4BGS4G6RGEPS7N4WOA", "bob"],
  ["ack.7FDZTKAQ5Z2O3PGKGPAGOE2N225UHGA37SP5UQTO5S3IW7CF2GKQ", "alice"],
  ["file-pad4k.42YNO55BKSIJ7J234AYYC4PHKU3FBHUOENABL6V4IW7QWHCL27CA", "bob"],
  ["trns-pad8k.WJSX5G6NRPXBQGUH5IL5XRMT7MWCY343S43YQ4AH5WVYROZWOA2Q", "bob"],
  ["area-relay.KVHEXPDFYQO7VMBXAGQBAGMFRTT7ZG7XR5DGUQIY6UQSZZGVB2IA", "bob"],
] as const;

/** mulberry32: a small seeded generator, so a failing case can be replayed. */
function prng(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function mutate(
  original: Uint8Array,
  rand: (n: number) => number,
): { bytes: Uint8Array; how: string } {
  const at = rand(original.length + 1);
  switch (rand(6)) {
    case 0: {
      const bytes = original.slice();
      const flips = 1 + rand(3);
      for (let i = 0; i < flips; i++) bytes[rand(bytes.length)]! ^= 1 << rand(8);
      return { bytes, how: `flip ${flips} bits` };
    }
    case 1: {
      const bytes = original.slice();
      bytes[Math.min(at, bytes.length - 1)] = rand(256);
      return { bytes, how: `set byte ${at}` };
    }
    case 2:
      return { bytes: original.slice(0, at), how: `truncate at ${at}` };
    case 3: {
      const extra = Uint8Array.from({ length: 1 + rand(20) }, () => rand(256));
      const bytes = new Uint8Array(original.length + extra.length);
      bytes.set(original.subarray(0, at));
      bytes.set(extra, at);
      bytes.set(original.subarray(at), at + extra.length);
      return { bytes, how: `insert ${extra.length} at ${at}` };
    }
    case 4: {
      const end = Math.min(original.length, at + 1 + rand(64));
      const bytes = new Uint8Array([...original.subarray(0, at), ...original.subarray(end)]);
      return { bytes, how: `delete [${at}, ${end})` };
    }
    default: {
      const from = rand(original.length);
      const len = 1 + rand(32);
      const bytes = original.slice();
      bytes.copyWithin(at, from, from + len);
      return { bytes, how: `copy ${len} from ${from} to ${at}` };
    }
  }
}

Deno.test(`${MUTATIONS} mutated vector packets give only typed errors, never a hang or a delivery`, async () => {
  const rand = prng(SEED);
  const samples = await Promise.all(SAMPLES.map(async ([file, reader]) => ({
    file,
    reader: nodeNamed(reader),
    bytes: await Deno.readFile(new URL(`packets/${file}`, VECTORS)),
  })));
  const codes = new Map<string, number>();
  let unchanged = 0;
  let slowestMs = 0;
  for (let i = 0; i < MUTATIONS; i++) {
    const sample = samples[rand(samples.length)]!;
    const { bytes, how } = mutate(sample.bytes, rand);
    const same = bytesEqual(bytes, sample.bytes);
    const sink = recordingSink();
    const started = performance.now();
    let error: unknown = null;
    try {
      await decryptPacket(bytes, {
        self: { id: sample.reader.id, exchPrv: sample.reader.exchPrv },
        senders: knownSenders,
        open: () => sink,
      });
    } catch (err) {
      error = err;
    }
    const ms = performance.now() - started;
    slowestMs = Math.max(slowestMs, ms);
    const context = `mutation ${i} (seed ${SEED}) of ${sample.file}: ${how}`;
    assert(ms < HANG_MS, `${context} took ${ms} ms`);
    if (same) {
      unchanged++;
      assertEquals(error, null, context);
      assert(sink.committed, context);
      continue;
    }
    assert(error instanceof PacketError, `${context} crashed or passed: ${error}`);
    assert(!sink.committed, `${context} was delivered`);
    codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
  }
  assert(unchanged < MUTATIONS / 10, "most mutations must change the packet");
  for (const code of ["truncated", "bad-block", "bad-signature", "wrong-recipient", "bad-magic"]) {
    assert((codes.get(code) ?? 0) > 0, `no mutation produced ${code}: ${[...codes]}`);
  }
});
