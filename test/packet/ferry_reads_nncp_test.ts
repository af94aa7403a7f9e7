import { assert, assertEquals } from "../assert.ts";
import { zstdDecompressSync } from "node:zlib";
import { encodeBase32 } from "../../src/encoding/base32.ts";
import {
  areaPayloadSink,
  decodeChunkedMeta,
  decryptPacket,
  type DecryptResult,
  memorySink,
  mthOf,
  plainPathId,
  plainPathText,
  PlainType,
  splitExecPath,
} from "../../src/packet/mod.ts";
import { alice, bob, carol, knownSenders, testArea, type TestNode, VECTORS } from "./_nodes.ts";
import { makeNncpWorld, type NncpWorld, packetsIn, spoolDir } from "./_nncp.ts";

const big = await Deno.readFile(new URL("payloads/big.bin", VECTORS));

/** The one packet alice's NNCP queued for `to`, read back by ferry as `reader`. */
async function readQueued(
  world: NncpWorld,
  to: TestNode,
  reader: TestNode = to,
): Promise<{ result: DecryptResult; payload: Uint8Array }> {
  const outbox = spoolDir(world, alice, to, "tx");
  const names = await packetsIn(outbox);
  assertEquals(names.length, 1, `alice's queue for ${to.name}: ${names.join(" ")}`);
  const path = `${outbox}/${names[0]}`;
  await Deno.remove(path.replace(/\/([A-Z2-7]{52})$/, "/hdr/$1")).catch(() => {});
  const sink = memorySink(4 << 20);
  const file = await Deno.open(path);
  try {
    const result = await decryptPacket(file, {
      self: { id: reader.id, exchPrv: reader.exchPrv },
      senders: knownSenders,
      open: () => sink,
      computeId: "auto",
    });
    assertEquals(result.id, names[0], "ferry's MTH differs from NNCP's packet name");
    await Deno.remove(path);
    return { result, payload: sink.bytes()! };
  } finally {
    file.close();
  }
}

Deno.test("ferry reads fresh nncp-file packets: small, from stdin, multi-block and padded", async () => {
  const world = await makeNncpWorld();
  try {
    const cfg = ["-cfg", world.config(alice), "-quiet"];
    const src = `${world.root}/big.bin`;
    await Deno.writeFile(src, big);
    await world.run("nncp-file", [...cfg, src, "bob:copy.bin"]);
    let got = await readQueued(world, bob);
    assertEquals(got.result.plain.type, PlainType.file);
    assertEquals(plainPathText(got.result.plain), "copy.bin");
    assertEquals(got.payload, big);

    await world.run("nncp-file", [...cfg, "-", "bob:stdin.bin"], big.subarray(0, 1000));
    got = await readQueued(world, bob);
    assertEquals(got.payload, big.subarray(0, 1000));

    await world.run("nncp-file", [...cfg, "-minsize", "300", src, "bob:padded.bin"]);
    got = await readQueued(world, bob);
    assertEquals(got.result.size, 300 * 1024);
    assert(got.result.padBytes > 131072, "padding should spill past the last block");
    assertEquals(got.payload, big);
  } finally {
    await world.cleanup();
  }
});

Deno.test("ferry reads fresh nncp-exec packets, compressed and not, and nncp-freq", async () => {
  const world = await makeNncpWorld();
  try {
    const cfg = ["-cfg", world.config(alice), "-quiet"];
    const body = big.subarray(0, 50_000);
    await world.run("nncp-exec", [...cfg, "bob", "appender", "one", "two words"], body);
    let got = await readQueued(world, bob);
    assertEquals(got.result.plain.type, PlainType.exec);
    assertEquals(splitExecPath(got.result.plain), {
      handle: "appender",
      args: ["one", "two words"],
    });
    assertEquals(new Uint8Array(zstdDecompressSync(got.payload)), body);

    await world.run("nncp-exec", [...cfg, "-nocompress", "bob", "echo", "x"], body);
    got = await readQueued(world, bob);
    assertEquals(got.result.plain.type, PlainType.execFat);
    assertEquals(got.payload, body);

    await world.run("nncp-freq", [...cfg, "bob:remote.txt", "local.txt"]);
    got = await readQueued(world, bob);
    assertEquals(got.result.plain.type, PlainType.freq);
    assertEquals(plainPathText(got.result.plain), "remote.txt");
    assertEquals(new TextDecoder().decode(got.payload), "local.txt");
  } finally {
    await world.cleanup();
  }
});

Deno.test("ferry reads an nncp-file transit packet for carol and the packet inside it", async () => {
  const world = await makeNncpWorld();
  try {
    await world.run(
      "nncp-file",
      ["-cfg", world.config(alice), "-quiet", "-", "carol:via-bob.txt"],
      new TextEncoder().encode("through bob"),
    );
    const outer = await readQueued(world, bob);
    assertEquals(outer.result.plain.type, PlainType.trns);
    assertEquals(encodeBase32(plainPathId(outer.result.plain)), encodeBase32(carol.id));
    const sink = memorySink(1024);
    const inner = await decryptPacket(outer.payload, {
      self: { id: carol.id, exchPrv: carol.exchPrv },
      senders: knownSenders,
      open: () => sink,
      computeId: "inline",
    });
    assertEquals(inner.id, encodeBase32(await mthOf(outer.payload)));
    assertEquals(plainPathText(inner.plain), "via-bob.txt");
    assertEquals(new TextDecoder().decode(sink.bytes()), "through bob");
  } finally {
    await world.cleanup();
  }
});

Deno.test("ferry reads a fresh nncp-file area message (queued to self, as NNCP 8 does) and nncp's chunked meta", async () => {
  const world = await makeNncpWorld();
  try {
    await world.run(
      "nncp-file",
      ["-cfg", world.config(alice), "-quiet", "-", "area:testarea:hello.txt"],
      new TextEncoder().encode("hello area"),
    );
    const outbox = spoolDir(world, alice, alice, "tx");
    const [name] = await packetsIn(outbox);
    const inner = memorySink(1024);
    let msgHash = "";
    await decryptPacket(await Deno.readFile(`${outbox}/${name}`), {
      self: { id: alice.id, exchPrv: alice.exchPrv },
      senders: knownSenders,
      open: () =>
        areaPayloadSink({
          area: testArea,
          senders: knownSenders,
          open: (message) => {
            msgHash = message.msgHash;
            assertEquals(plainPathText(message.plain), "hello.txt");
            return inner;
          },
        }),
    });
    assertEquals(new TextDecoder().decode(inner.bytes()), "hello area");
    const seen = `${world.root}/nodes/alice/spool/${encodeBase32(alice.id)}/area/${
      encodeBase32(testArea.id)
    }/${msgHash}`;
    assert((await Deno.stat(seen)).isFile, "ferry's message hash is not the one NNCP recorded");

    const meta = decodeChunkedMeta(
      await Deno.readFile(new URL("chunked/chunked.bin.nncp.meta", VECTORS)),
    );
    const chunked = await Deno.readFile(new URL("payloads/chunked.bin", VECTORS));
    assertEquals([meta.fileSize, meta.chunkSize, meta.checksums.length], [10000, 4096, 3]);
    for (let i = 0; i < 3; i++) {
      const chunk = chunked.subarray(i * 4096, (i + 1) * 4096);
      assertEquals(meta.checksums[i], await mthOf(chunk), `chunk ${i}`);
    }
  } finally {
    await world.cleanup();
  }
});
