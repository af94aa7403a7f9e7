import { assert, assertEquals, assertRejects } from "../assert.ts";
import {
  decryptPacket,
  encryptPacket,
  filePlain,
  fileSink,
  NICE,
  PacketAddressError,
  PacketAuthError,
  PacketError,
  PacketFormatError,
  PacketVersionError,
  readPacketHeader,
} from "../../src/packet/mod.ts";
import {
  alice,
  bob,
  carol,
  knownSenders,
  peerOf,
  senderOf,
  type TestNode,
  VECTORS,
} from "./_nodes.ts";
import { recordingSink } from "./_recording_sink.ts";
import { collector } from "./_bytes.ts";

const BLOCK = 131072 + 16;
const HEADER = 172;

/** A ferry packet alice → bob: two full blocks, a full-size size block with zero padding, then OPAD. */
async function layeredPacket(): Promise<Uint8Array> {
  const out = collector();
  const payload = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) % 256);
  await encryptPacket({
    sender: senderOf(alice),
    recipient: peerOf(bob),
    nice: NICE.bulk,
    plain: filePlain("layers.bin", NICE.bulk),
    payload,
    minSize: 500 * 1024,
  }, out.stream);
  return out.bytes();
}

const packet = await layeredPacket();
const OPAD_START = HEADER + 3 * BLOCK;

/** Decrypts `bytes` as `reader`; resolves to the error (or null) and whether anything was delivered. */
async function attempt(
  bytes: Uint8Array,
  reader: TestNode = bob,
  senders = knownSenders,
): Promise<{ error: unknown; delivered: boolean }> {
  const sink = recordingSink();
  try {
    await decryptPacket(bytes, {
      self: { id: reader.id, exchPrv: reader.exchPrv },
      senders,
      open: () => sink,
    });
    return { error: null, delivered: sink.committed };
  } catch (error) {
    assert(!sink.committed, "a refused packet was committed");
    return { error, delivered: false };
  }
}

// deno-lint-ignore no-explicit-any
type ErrorClass = abstract new (...args: any[]) => PacketError;

function expectRefused(result: { error: unknown }, type: ErrorClass, code: string, note: string) {
  assert(result.error instanceof type, `${note}: expected ${type.name}, got ${result.error}`);
  assertEquals((result.error as PacketError).code, code, note);
}

Deno.test("the layered test packet itself is accepted (full, full, padded size block, outer padding)", async () => {
  assertEquals(packet.length, 500 * 1024);
  const ok = await attempt(packet);
  assertEquals(ok, { error: null, delivered: true });
});

Deno.test("a packet truncated at every region boundary is refused with a typed error and delivers nothing", async () => {
  const cuts: [number, string][] = [
    [0, "truncated"],
    [5, "truncated"],
    [8, "truncated"],
    [12, "truncated"],
    [44, "truncated"],
    [76, "truncated"],
    [108, "truncated"],
    [171, "truncated"],
    [HEADER, "truncated"],
    [HEADER + 1, "truncated"],
    [HEADER + 100, "bad-block"],
    [HEADER + BLOCK - 1, "bad-block"],
    [HEADER + BLOCK, "truncated"],
    [HEADER + 2 * BLOCK, "truncated"],
    [HEADER + 2 * BLOCK + 5000, "bad-block"],
    [OPAD_START - 16, "bad-block"],
    [OPAD_START, "truncated"],
    [OPAD_START + 1, "truncated"],
    [packet.length - 1, "truncated"],
  ];
  for (const [cut, code] of cuts) {
    const result = await attempt(packet.subarray(0, cut));
    assert(result.error instanceof PacketError, `cut at ${cut}: ${result.error}`);
    assertEquals((result.error as PacketError).code, code, `cut at ${cut}`);
    assert(!result.delivered);
  }
});

Deno.test("a flipped bit in each region is refused with the matching typed error", async () => {
  const flips: [number, ErrorClass, string, string][] = [
    [0, PacketVersionError, "bad-magic", "magic"],
    [11, PacketAuthError, "bad-signature", "niceness"],
    [8, PacketFormatError, "bad-header", "niceness high byte"],
    [20, PacketAddressError, "unknown-sender", "sender"],
    [50, PacketAddressError, "wrong-recipient", "recipient"],
    [90, PacketAuthError, "bad-signature", "ephemeral key"],
    [140, PacketAuthError, "bad-signature", "signature"],
    [HEADER + 10, PacketAuthError, "bad-block", "block 0"],
    [HEADER + BLOCK - 3, PacketAuthError, "bad-block", "block 0 tag"],
    [HEADER + BLOCK + 70_000, PacketAuthError, "bad-block", "block 1"],
    [HEADER + 2 * BLOCK + 3, PacketAuthError, "bad-block", "size block SIZE"],
    [HEADER + 2 * BLOCK + 100_000, PacketAuthError, "bad-block", "size block zero padding"],
    [OPAD_START + 10, PacketAuthError, "bad-padding", "outer padding"],
    [packet.length - 1, PacketAuthError, "bad-padding", "last padding byte"],
  ];
  for (const [offset, type, code, region] of flips) {
    const bad = packet.slice();
    bad[offset]! ^= offset === 8 ? 0x01 : 0x10;
    expectRefused(await attempt(bad), type, code, region);
  }
});

Deno.test("bytes appended after a packet are refused (trailing data, or a last block that no longer authenticates)", async () => {
  const longer = new Uint8Array(packet.length + 1);
  longer.set(packet);
  expectRefused(await attempt(longer), PacketFormatError, "trailing-data", "one byte appended");
  const small = await Deno.readFile(
    new URL("packets/file-small.QOVCEAEVTP6MPRWEXVNZOBIH2V6EDFI3CSBEJ27KJOPM3WFZQ5VQ", VECTORS),
  );
  for (const extra of [1, 7, 512, 1024]) {
    const grown = new Uint8Array([...small, ...new Uint8Array(extra).fill(0x0a)]);
    const result = await attempt(grown);
    expectRefused(result, PacketFormatError, "trailing-data", `unpadded vector + ${extra}`);
    assert(
      (result.error as Error).message.includes(`${extra} bytes longer than its blocks allow`),
      String(result.error),
    );
  }
  // a damaged last block is still reported as damaged, not as appended bytes
  const damaged = small.slice();
  damaged[damaged.length - 20]! ^= 1;
  expectRefused(await attempt(damaged), PacketAuthError, "bad-block", "damaged last block");
  const damagedAndGrown = new Uint8Array([...damaged, 1, 2, 3]);
  expectRefused(await attempt(damagedAndGrown), PacketAuthError, "bad-block", "damaged + grown");
});

Deno.test("a packet for another node or from an unknown one is refused before decryption", async () => {
  expectRefused(await attempt(packet, carol), PacketAddressError, "wrong-recipient", "carol reads");
  const result = await attempt(packet, bob, () => undefined);
  expectRefused(result, PacketAddressError, "unknown-sender", "nobody known");
  assert((result.error as Error).message.includes("add it to the configuration"));
});

Deno.test("older and foreign magic numbers name their NNCP version or kind", async () => {
  const withMagic = (text: string) => {
    const bad = packet.slice();
    bad.set(new TextEncoder().encode(text), 0);
    return bad;
  };
  const v4 = await assertRejects(
    () => readPacketHeader(withMagic("NNCPE\0\0\x04")),
    PacketVersionError,
    'magic "NNCPE\\0\\0\\x04" is from NNCP before 7.0',
  );
  assertEquals(v4.code, "old-version");
  await assertRejects(
    () => readPacketHeader(withMagic("NNCPE\0\0\x05")),
    PacketVersionError,
    "from NNCP before 8.0",
  );
  const plain = await assertRejects(
    () => readPacketHeader(withMagic("NNCPP\0\0\x03")),
    PacketVersionError,
    "marks a plain packet (NNCPPv3), not an encrypted packet",
  );
  assertEquals(plain.code, "wrong-kind");
  const junk = await assertRejects(
    () => readPacketHeader(withMagic("GIF89a\0\0")),
    PacketVersionError,
  );
  assertEquals(junk.code, "bad-magic");
  expectRefused(
    await attempt(withMagic("NNCPE\0\0\x04")),
    PacketVersionError,
    "old-version",
    "decrypt",
  );
});

Deno.test("a file sink for a truncated packet leaves neither the file nor its temporary", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-sink-" });
  try {
    await assertRejects(
      () =>
        decryptPacket(packet.subarray(0, HEADER + 2 * BLOCK), {
          self: { id: bob.id, exchPrv: bob.exchPrv },
          senders: knownSenders,
          open: () => fileSink(`${dir}/layers.bin`),
        }),
      PacketFormatError,
      "without its size block",
    );
    assertEquals([...Deno.readDirSync(dir)], []);
    await decryptPacket(packet, {
      self: { id: bob.id, exchPrv: bob.exchPrv },
      senders: knownSenders,
      open: () => fileSink(`${dir}/layers.bin`),
    });
    assertEquals((await Deno.stat(`${dir}/layers.bin`)).size, 300_000);
    assertEquals([...Deno.readDirSync(dir)].length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
