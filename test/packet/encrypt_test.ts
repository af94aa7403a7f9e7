import { assert, assertEquals, assertRejects } from "../assert.ts";
import { encodeBase32 } from "../../src/encoding/base32.ts";
import {
  areaPayloadSink,
  decryptPacket,
  encryptPacket,
  filePlain,
  HashPipe,
  memorySink,
  mthOf,
  NICE,
  PacketAuthError,
  PacketFormatError,
  plainPathId,
  plainPathText,
  PlainType,
} from "../../src/packet/mod.ts";
import {
  alice,
  bob,
  carol,
  knownSenders,
  peerOf,
  senderOf,
  testArea,
  type TestNode,
} from "./_nodes.ts";
import { collector } from "./_bytes.ts";

const data = Uint8Array.from({ length: 700_000 }, (_, i) => (i * 13 + (i >> 9)) % 256);

/** A stream of `bytes` in irregular chunks, with no size known in advance. */
function trickle(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let pos = 0;
  let step = 1;
  return new ReadableStream({
    pull(controller) {
      if (pos >= bytes.length) return controller.close();
      step = (step * 7 + 3) % 90_001;
      controller.enqueue(bytes.slice(pos, pos + step));
      pos += step;
    },
  });
}

async function readAs(reader: TestNode, packet: Uint8Array) {
  const sink = memorySink(4 << 20);
  const result = await decryptPacket(packet, {
    self: { id: reader.id, exchPrv: reader.exchPrv },
    senders: knownSenders,
    open: () => sink,
    computeId: "inline",
  });
  return { result, payload: sink.bytes()! };
}

Deno.test("a stream of unknown length encrypts and decrypts back, with the same id on both sides", async () => {
  const out = collector();
  const sent = await encryptPacket({
    sender: senderOf(alice),
    recipient: peerOf(bob),
    nice: NICE.bulk,
    plain: filePlain("stream.bin", NICE.bulk),
    payload: trickle(data),
  }, out.stream);
  const packet = out.bytes();
  assertEquals(sent.size, packet.length);
  assertEquals(sent.payloadBytes, data.length);
  assertEquals(sent.id, encodeBase32(await mthOf(packet)));
  const { result, payload } = await readAs(bob, packet);
  assertEquals(result.id, sent.id);
  assertEquals(result.header.raw, sent.header.raw);
  assertEquals(payload, data);
});

Deno.test("packet ids computed in the worker thread equal those computed inline", async () => {
  for (const mode of ["worker", "auto"] as const) {
    const pipe = new HashPipe({ mode, thresholdBytes: 300_000 });
    for (let pos = 0, step = 1; pos < data.length; pos += step, step = (step * 5 + 1) % 200_003) {
      await pipe.update(data.subarray(pos, pos + step));
    }
    assertEquals(await pipe.digest(), await mthOf(data), mode);
  }
  const big = collector();
  const sent = await encryptPacket({
    sender: senderOf(alice),
    recipient: peerOf(bob),
    nice: NICE.bulk,
    plain: filePlain("w.bin", NICE.bulk),
    payload: data,
    hash: "worker",
  }, big.stream);
  assertEquals(sent.id, encodeBase32(await mthOf(big.bytes())));
});

Deno.test("a packet via two relays nests transit packets that each relay can open in turn", async () => {
  const out = collector();
  const sent = await encryptPacket({
    sender: senderOf(alice),
    recipient: peerOf(carol),
    via: [peerOf(bob), peerOf(alice)],
    nice: NICE.normal,
    plain: filePlain("deep.txt", NICE.normal),
    payload: new TextEncoder().encode("two hops"),
    minSize: 4096,
  }, out.stream);
  assertEquals(sent.size, 4096);
  assertEquals(encodeBase32(sent.header.recipient), encodeBase32(bob.id));
  const first = await readAs(bob, out.bytes());
  assertEquals(first.result.plain.type, PlainType.trns);
  assertEquals(plainPathId(first.result.plain), alice.id);
  assertEquals(first.result.padBytes, 0);
  const second = await readAs(alice, first.payload);
  assertEquals(plainPathId(second.result.plain), carol.id);
  const last = await readAs(carol, second.payload);
  assertEquals(plainPathText(last.result.plain), "deep.txt");
  assert(last.result.padBytes > 0, "the padding belongs in the innermost packet");
  assertEquals(new TextDecoder().decode(last.payload), "two hops");
});

Deno.test("an area message written by ferry is read back with the area key and its message hash", async () => {
  const out = collector();
  const sent = await encryptPacket({
    sender: senderOf(alice),
    recipient: peerOf(bob),
    area: { id: testArea.id, exchPub: testArea.pub },
    nice: NICE.bulk,
    plain: filePlain("news.txt", NICE.bulk),
    payload: new TextEncoder().encode("news"),
  }, out.stream);
  const inner = memorySink(100);
  let msgHash: string | undefined;
  const outer = await decryptPacket(out.bytes(), {
    self: { id: bob.id, exchPrv: bob.exchPrv },
    senders: knownSenders,
    open: () =>
      areaPayloadSink({
        area: testArea,
        senders: () => undefined,
        allowUnknownSender: true,
        open: (message) => {
          msgHash = message.msgHash;
          assertEquals(message.signatureVerified, false);
          return inner;
        },
      }),
  });
  assertEquals(outer.plain.type, PlainType.area);
  assertEquals(msgHash, sent.areaMsgHash);
  assertEquals(new TextDecoder().decode(inner.bytes()), "news");
});

Deno.test("encryption refuses payloads over the limit and unusable recipient keys", async () => {
  const base = {
    sender: senderOf(alice),
    nice: NICE.bulk,
    plain: filePlain("x", NICE.bulk),
    payload: data,
  };
  const tooBig = await assertRejects(
    () =>
      encryptPacket({ ...base, recipient: peerOf(bob), payloadBytesMax: 1000 }, collector().stream),
    PacketFormatError,
    "exceeds the limit",
  );
  assertEquals(tooBig.code, "too-big");
  await assertRejects(
    () =>
      encryptPacket(
        { ...base, recipient: { id: bob.id, exchPub: new Uint8Array(32) } },
        collector().stream,
      ),
    PacketAuthError,
    "exchange key is unusable",
  );
});
