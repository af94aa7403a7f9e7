/**
 * The SP handshake and codec against a real `nncp-call` ↔ `nncp-daemon`
 * capture (test/vectors/nncp/sp), plus malformed input.
 */

import { assertEquals, assertThrows } from "../assert.ts";
import { NNCP_VECTORS } from "../helpers.ts";
import { decodeBase32, encodeBase32 } from "../../src/encoding/base32.ts";
import { generateExchKeys } from "../../src/crypto/mod.ts";
import {
  decodePackets,
  encodeEnvelope,
  encodePacket,
  envelopeBodyBytes,
  NoiseError,
  NoiseHandshake,
  packPayloads,
  padHandshake,
  parseEnvelopeHead,
  spEnvelopeBytesMax,
  spFileChunkBytes,
  spPayloadBytesMax,
  SpProtocolError,
  SpType,
} from "../../src/sp/mod.ts";

const SP = `${NNCP_VECTORS}/sp`;

async function keysOf(name: string): Promise<{ noisePrv: Uint8Array; noisePub: Uint8Array }> {
  const cfg = JSON.parse(await Deno.readTextFile(`${NNCP_VECTORS}/cfg/${name}.hjson`));
  return { noisePrv: decodeBase32(cfg.self.noiseprv), noisePub: decodeBase32(cfg.self.noisepub) };
}

function envelopes(bytes: Uint8Array): { offset: number; payload: Uint8Array }[] {
  const out = [];
  let at = 0;
  while (at < bytes.length) {
    const len = parseEnvelopeHead(bytes.subarray(at, at + 12), spEnvelopeBytesMax);
    out.push({ offset: at, payload: bytes.subarray(at + 12, at + 12 + len) });
    at += 12 + envelopeBodyBytes(len);
  }
  return out;
}

Deno.test("the envelopes of the real capture are where the vector says", async () => {
  const expected = JSON.parse(await Deno.readTextFile(`${SP}/session1-expected.json`));
  const a2b = envelopes(await Deno.readFile(`${SP}/session1-alice-to-bob.bin`));
  const b2a = envelopes(await Deno.readFile(`${SP}/session1-bob-to-alice.bin`));
  assertEquals(
    a2b.map((e) => ({ offset: e.offset, len: e.payload.length })),
    expected.aliceToBobEnvelopes.map((e: { offset: number; len: number }) => ({
      offset: e.offset,
      len: e.len,
    })),
  );
  assertEquals(b2a.length, expected.bobToAliceEnvelopes.length);
});

Deno.test("bob decrypts alice's first handshake message: her noise key and 14 INFOs", async () => {
  const expected = JSON.parse(await Deno.readTextFile(`${SP}/session1-expected.json`));
  const bob = await keysOf("bob");
  const alice = await keysOf("alice");
  const msg1 = envelopes(await Deno.readFile(`${SP}/session1-alice-to-bob.bin`))[0]!.payload;
  const hs = new NoiseHandshake({
    initiator: false,
    s: { prv: bob.noisePrv, pub: bob.noisePub },
  });
  const payload = hs.readMessage(msg1);
  assertEquals(encodeBase32(hs.remoteStatic!), expected.handshake1.initiatorStatic);
  assertEquals(encodeBase32(hs.remoteStatic!), encodeBase32(alice.noisePub));
  assertEquals(payload.length, expected.handshake1.payloadLen);
  const packets = decodePackets(payload);
  const infos = packets.flatMap((p) =>
    p.type === SpType.Info ? [{ nice: p.nice, size: p.size, hash: encodeBase32(p.hash) }] : []
  );
  assertEquals(infos, expected.handshake1.infos);
  assertEquals(packets.filter((p) => p.type === SpType.Halt).length, expected.handshake1.haltCount);
  // Our padding of the same INFOs gives the same bytes.
  const infoBytes = payload.subarray(0, infos.length * 48);
  assertEquals(padHandshake(infoBytes), payload);
});

Deno.test("a wrong responder key cannot read the real handshake message", async () => {
  const alice = await keysOf("alice");
  const msg1 = envelopes(await Deno.readFile(`${SP}/session1-alice-to-bob.bin`))[0]!.payload;
  const hs = new NoiseHandshake({
    initiator: false,
    s: { prv: alice.noisePrv, pub: alice.noisePub },
  });
  assertThrows(() => hs.readMessage(msg1), NoiseError);
});

Deno.test("handshake padding matches NNCP: 32640 bytes with no INFOs, L + 4·ceil((65280−L)/8)", () => {
  assertEquals(padHandshake(new Uint8Array(0)).length, 32640);
  for (const infos of [1, 3, 14, 100, 1360]) {
    const l = infos * 48;
    assertEquals(padHandshake(new Uint8Array(l)).length, l + 4 * Math.ceil((65280 - l) / 8));
  }
});

Deno.test("ferry's handshake both ways, then transport messages in order", () => {
  const a = generateExchKeys(), b = generateExchKeys();
  const i = new NoiseHandshake({ initiator: true, s: a, rs: b.pub });
  const r = new NoiseHandshake({ initiator: false, s: b });
  const p1 = r.readMessage(i.writeMessage(padHandshake(new Uint8Array(0))));
  assertEquals(p1.length, 32640);
  assertEquals(encodeBase32(r.remoteStatic!), encodeBase32(a.pub));
  i.readMessage(r.writeMessage(new Uint8Array([7])));
  assertEquals(i.handshakeHash, r.handshakeHash);
  const it = i.split(), rt = r.split();
  for (let n = 0; n < 3; n++) {
    const ct = it.send.encrypt(new Uint8Array([n]));
    assertEquals(rt.recv.decrypt(ct), new Uint8Array([n]));
    const back = rt.send.encrypt(new Uint8Array([n, n]));
    assertEquals(it.recv.decrypt(back), new Uint8Array([n, n]));
  }
  const ct = it.send.encrypt(new Uint8Array([1, 2, 3]));
  ct[0]! ^= 1;
  assertEquals(rt.recv.decrypt(ct), null);
});

Deno.test("SP packets round-trip, FILE data padded to 4", () => {
  const hash = new Uint8Array(32).fill(9);
  const packets = [
    { type: SpType.Info as const, nice: 96, size: 2 ** 40 + 3, hash },
    { type: SpType.Freq as const, hash, offset: 65232 },
    { type: SpType.File as const, hash, offset: 5, data: new Uint8Array([1, 2, 3, 4, 5]) },
    { type: SpType.Done as const, hash },
    { type: SpType.Halt as const },
    { type: SpType.Ping as const },
  ];
  const bytes = packPayloads(packets.map(encodePacket));
  assertEquals(bytes.length, 1);
  assertEquals(encodePacket(packets[0]!).length, 48);
  assertEquals(encodePacket(packets[2]!).length, 4 + 44 + 8);
  assertEquals(decodePackets(bytes[0]!), packets);
  const chunk = encodePacket({
    type: SpType.File,
    hash,
    offset: 0,
    data: new Uint8Array(spFileChunkBytes),
  });
  assertEquals(chunk.length, spPayloadBytesMax);
});

Deno.test("malformed SP input is refused with a clear error", () => {
  const head = encodeEnvelope(new Uint8Array(8)).subarray(0, 12);
  assertEquals(parseEnvelopeHead(head, 100), 8);
  const bad = head.slice();
  bad[7] = 2;
  assertThrows(() => parseEnvelopeHead(bad, 100), SpProtocolError, "magic");
  const big = head.slice();
  new DataView(big.buffer).setUint32(8, spEnvelopeBytesMax + 1);
  assertThrows(() => parseEnvelopeHead(big, spEnvelopeBytesMax), SpProtocolError, "over the limit");
  const info = encodePacket({ type: SpType.Info, nice: 1, size: 1, hash: new Uint8Array(32) });
  assertThrows(() => decodePackets(info.subarray(0, 40)), SpProtocolError, "truncated");
  const file = encodePacket({
    type: SpType.File,
    hash: new Uint8Array(32),
    offset: 0,
    data: new Uint8Array(10),
  });
  new DataView(file.buffer).setUint32(4 + 40, 0xffffffff);
  assertThrows(() => decodePackets(file), SpProtocolError, "truncated");
  assertThrows(() => decodePackets(new Uint8Array([0, 0, 0, 9])), SpProtocolError, "unknown");
  const huge = encodePacket({ type: SpType.Freq, hash: new Uint8Array(32), offset: 0 });
  new DataView(huge.buffer).setUint32(4 + 32, 0xffffffff);
  assertThrows(() => decodePackets(huge), SpProtocolError, "2^53");
  const nice = info.slice();
  new DataView(nice.buffer).setUint32(4, 256);
  assertThrows(() => decodePackets(nice), SpProtocolError, "niceness");
});
