import { assert, assertEquals } from "../assert.ts";
import { Buffer } from "node:buffer";
import { zstdDecompressSync } from "node:zlib";
import { decodeBase32, encodeBase32 } from "../../src/encoding/base32.ts";
import {
  ackPlain,
  areaPayloadSink,
  decryptPacket,
  type EncryptOptions,
  type EncryptResult,
  execPlain,
  filePlain,
  freqPayload,
  freqPlain,
  memorySink,
  NICE,
  plainPathText,
  PlainType,
  zstdCompressSource,
} from "../../src/packet/mod.ts";
import { alice, bob, carol, knownSenders, peerOf, senderOf, testArea, VECTORS } from "./_nodes.ts";
import {
  encryptToDir,
  makeNncpWorld,
  mediaDir,
  type NncpWorld,
  packetsIn,
  spoolDir,
} from "./_nncp.ts";

const big = await Deno.readFile(new URL("payloads/big.bin", VECTORS));
const execBody = await Deno.readFile(new URL("payloads/exec.txt", VECTORS));

function fileTo(
  name: string,
  payload: Uint8Array,
  extra: Partial<EncryptOptions> = {},
): EncryptOptions {
  return {
    sender: senderOf(alice),
    recipient: peerOf(bob),
    nice: NICE.bulk,
    plain: filePlain(name, NICE.bulk),
    payload,
    ...extra,
  };
}

/** Reads one of bob's relays to carol as carol: the area message hash and its payload. */
async function readRelay(world: NncpWorld, name: string): Promise<[string, Uint8Array]> {
  const inner = memorySink(1 << 20);
  let msgHash = "";
  await decryptPacket(await Deno.readFile(`${spoolDir(world, bob, carol, "tx")}/${name}`), {
    self: { id: carol.id, exchPrv: carol.exchPrv },
    senders: knownSenders,
    open: () =>
      areaPayloadSink({
        area: testArea,
        senders: knownSenders,
        open: (message) => {
          msgHash = message.msgHash;
          return inner;
        },
      }),
  });
  return [msgHash, inner.bytes()!];
}

/** Carries ferry's packets to bob on a medium, then runs nncp-xfer -rx and nncp-toss there. */
async function deliverToBob(world: NncpWorld, packets: EncryptOptions[]): Promise<EncryptResult[]> {
  const media = `${world.root}/media`;
  const results: EncryptResult[] = [];
  for (const options of packets) {
    results.push(await encryptToDir(mediaDir(media, bob, alice), options));
  }
  const ids = results.map((r) => r.id);
  await world.run("nncp-xfer", ["-cfg", world.config(bob), "-rx", media]);
  assertEquals(await packetsIn(spoolDir(world, bob, alice, "rx")), ids.slice().sort());
  await world.run("nncp-toss", ["-cfg", world.config(bob)]);
  assertEquals(
    await packetsIn(spoolDir(world, bob, alice, "rx")),
    [],
    "nncp-toss left packets in rx",
  );
  return results;
}

Deno.test("nncp-xfer and nncp-toss accept ferry's file packets of every block layout", async () => {
  const world = await makeNncpWorld();
  try {
    const cases: [string, Uint8Array][] = [
      ["small.txt", new TextEncoder().encode("ferry to nncp, a small file\n")],
      ["empty.bin", new Uint8Array(0)],
      ["exact-block.bin", big.subarray(0, 130796)],
      ["straddle.bin", big.subarray(0, 130788)],
      ["big.bin", big],
    ];
    await deliverToBob(world, cases.map(([name, data]) => fileTo(name, data)));
    for (const [name, data] of cases) {
      assertEquals(await Deno.readFile(`${world.root}/nodes/bob/incoming/${name}`), data, name);
    }
  } finally {
    await world.cleanup();
  }
});

Deno.test("nncp-toss accepts ferry's packets padded with minsize, inside and beyond the last block", async () => {
  const world = await makeNncpWorld();
  try {
    const small = new TextEncoder().encode("padded\n");
    const media = `${world.root}/media`;
    const four = await encryptToDir(
      mediaDir(media, bob, alice),
      fileTo("pad4k.txt", small, { minSize: 4096 }),
    );
    const wide = await encryptToDir(
      mediaDir(media, bob, alice),
      fileTo("pad200k.txt", small, { minSize: 200 * 1024 }),
    );
    const straddle = await encryptToDir(
      mediaDir(media, bob, alice),
      fileTo("straddle-pad.bin", big.subarray(0, 130788), { minSize: 260 * 1024 }),
    );
    assertEquals([four.size, wide.size, straddle.size], [4096, 200 * 1024, 260 * 1024]);
    await world.run("nncp-xfer", ["-cfg", world.config(bob), "-rx", media]);
    await world.run("nncp-toss", ["-cfg", world.config(bob)]);
    const incoming = `${world.root}/nodes/bob/incoming`;
    assertEquals(await Deno.readFile(`${incoming}/pad4k.txt`), small);
    assertEquals(await Deno.readFile(`${incoming}/pad200k.txt`), small);
    assertEquals(await Deno.readFile(`${incoming}/straddle-pad.bin`), big.subarray(0, 130788));
  } finally {
    await world.cleanup();
  }
});

Deno.test("nncp-toss runs ferry's exec (zstd) and exec-fat packets with their arguments", async () => {
  const world = await makeNncpWorld();
  try {
    const exec = (compressed: boolean, args: string[]): EncryptOptions => ({
      sender: senderOf(alice),
      recipient: peerOf(bob),
      nice: NICE.priority,
      plain: execPlain("appender", args, NICE.bulk, { compressed }),
      payload: compressed ? zstdCompressSource(execBody) : execBody,
    });
    await deliverToBob(world, [exec(true, ["arg1", "arg two"])]);
    await deliverToBob(world, [exec(false, ["fatarg"])]);
    const out = await Deno.readFile(`${world.root}/nodes/bob/exec.out`);
    assertEquals(out, new Uint8Array([...execBody, ...execBody]));
    const env = await Deno.readTextFile(`${world.root}/nodes/bob/exec.env`);
    assert(env.includes("NICE=224 SELF=JIHU"), env);
    assert(env.includes("ARGS=arg1 arg two"), env);
    assert(env.includes("ARGS=fatarg"), env);
  } finally {
    await world.cleanup();
  }
});

Deno.test("nncp-toss answers ferry's freq, and removes a packet ferry acknowledges", async () => {
  const world = await makeNncpWorld();
  try {
    const served = new TextEncoder().encode("bob serves this file\n");
    await Deno.writeFile(`${world.root}/nodes/bob/pub/pubfile.txt`, served);
    await deliverToBob(world, [{
      sender: senderOf(alice),
      recipient: peerOf(bob),
      nice: NICE.normal,
      plain: freqPlain("pubfile.txt", NICE.bulk),
      payload: freqPayload("got-pubfile.txt"),
    }]);
    const outbox = spoolDir(world, bob, alice, "tx");
    const [reply] = await packetsIn(outbox);
    assert(reply !== undefined, "nncp-toss made no freq reply");
    const sink = memorySink(1024);
    const opened = await decryptPacket(await Deno.readFile(`${outbox}/${reply}`), {
      self: { id: alice.id, exchPrv: alice.exchPrv },
      senders: knownSenders,
      open: () => sink,
      computeId: "inline",
    });
    assertEquals(opened.id, reply);
    assertEquals(opened.plain.type, PlainType.file);
    assertEquals(plainPathText(opened.plain), "got-pubfile.txt");
    assertEquals(sink.bytes(), served);

    await deliverToBob(world, [{
      sender: senderOf(alice),
      recipient: peerOf(bob),
      nice: NICE.normal,
      plain: ackPlain(decodeBase32(reply), NICE.normal),
      payload: new Uint8Array(0),
    }]);
    assertEquals(await packetsIn(outbox), [], "the acknowledged packet is still in bob's tx");
  } finally {
    await world.cleanup();
  }
});

Deno.test("a ferry packet to carol via bob is relayed by nncp-toss and delivered at carol", async () => {
  const world = await makeNncpWorld();
  try {
    const note = new TextEncoder().encode("for carol, through bob\n");
    const [sent] = await deliverToBob(world, [{
      ...fileTo("to-carol.txt", note, { minSize: 8192 }),
      recipient: peerOf(carol),
      via: [peerOf(bob)],
    }]);
    assertEquals(sent?.size, 8192, "minsize applies to the packet that leaves alice");
    const relayed = await packetsIn(spoolDir(world, bob, carol, "tx"));
    assertEquals(relayed.length, 1, "bob did not relay the transit packet to carol");
    const inbox = spoolDir(world, carol, bob, "rx");
    await Deno.mkdir(inbox, { recursive: true });
    await Deno.copyFile(
      `${spoolDir(world, bob, carol, "tx")}/${relayed[0]}`,
      `${inbox}/${relayed[0]}`,
    );
    await world.run("nncp-toss", ["-cfg", world.config(carol)]);
    assertEquals(await Deno.readFile(`${world.root}/nodes/carol/incoming/to-carol.txt`), note);
  } finally {
    await world.cleanup();
  }
});

Deno.test("nncp-toss reads ferry's area file and exec messages and relays them to carol, who ferry can read", async () => {
  const world = await makeNncpWorld();
  try {
    const note = new TextEncoder().encode("to the whole area\n");
    const area = { id: testArea.id, exchPub: testArea.pub };
    const [sent, sentExec] = await deliverToBob(world, [{ ...fileTo("areafile.txt", note), area }, {
      sender: senderOf(alice),
      recipient: peerOf(bob),
      area,
      nice: NICE.priority,
      plain: execPlain("appender", [], NICE.bulk),
      payload: zstdCompressSource(execBody),
    }]);
    assertEquals(await Deno.readFile(`${world.root}/nodes/bob/areain/areafile.txt`), note);
    assertEquals(await Deno.readFile(`${world.root}/nodes/bob/area-exec.out`), execBody);
    const seen = `${world.root}/nodes/bob/spool/${encodeBase32(alice.id)}/area/${
      encodeBase32(testArea.id)
    }/${sent?.areaMsgHash}`;
    assert((await Deno.stat(seen)).isFile, "bob did not record ferry's area message hash");
    assertEquals(
      (await packetsIn(spoolDir(world, bob, alice, "tx"))).length,
      0,
      "echoed to its origin",
    );
    const relays = await packetsIn(spoolDir(world, bob, carol, "tx"));
    assertEquals(relays.length, 2, "bob relays both area messages to carol");
    const read = new Map(await Promise.all(relays.map((name) => readRelay(world, name))));
    assertEquals(read.get(sent!.areaMsgHash!), note);
    assertEquals(zstdDecompressSync(read.get(sentExec!.areaMsgHash!)!), Buffer.from(execBody));
  } finally {
    await world.cleanup();
  }
});
