import { assert, assertEquals } from "../assert.ts";
import { zstdDecompressSync } from "node:zlib";
import { encodeBase32 } from "../../src/encoding/base32.ts";
import { encodeHex } from "../../src/packet/hex.ts";
import {
  areaPayloadSink,
  checkHeader,
  decryptPacket,
  memorySink,
  mthOf,
  type OpenedAreaMessage,
  PLAIN_HEADER_BYTES,
  plainPathId,
  plainPathText,
  readPacketHeader,
  splitExecPath,
} from "../../src/packet/mod.ts";
import { keysForHeader } from "../../src/packet/header_check.ts";
import { PacketOpener } from "../../src/packet/opener.ts";
import { knownSenders, nodeNamed, testArea, VECTORS } from "./_nodes.ts";
import { concat } from "./_bytes.ts";

interface PacketEntry {
  file: string;
  label: string;
  id: string;
  size: number;
  sender: string;
  recipient: string;
  nice: number;
  sizeBlock: { payload: number; pad: number };
  ipad: number;
  opad: number;
  blocks: string;
  plain: {
    type: number;
    nice: number;
    pathLen: number;
    path: string | string[];
    payloadLen: number;
    payloadSha256: string | null;
    payloadFrom?: string;
    payloadText?: string;
  };
  plainFile?: string;
  areaMsgHash?: string;
  inner?: Omit<PacketEntry, "file" | "label" | "inner" | "plainFile">;
}

const manifest = JSON.parse(await Deno.readTextFile(new URL("manifest.json", VECTORS))) as {
  packets: PacketEntry[];
};

async function sha256Hex(data: Uint8Array): Promise<string> {
  return encodeHex(new Uint8Array(await crypto.subtle.digest("SHA-256", data.slice())));
}

/** The bytes a manifest `payloadFrom` note names. */
async function payloadFrom(note: string): Promise<Uint8Array> {
  const [path = "", rest = ""] = note.split(" ", 2).length === 1 ? [note, ""] : [
    note.slice(0, note.indexOf(" ")),
    note.slice(note.indexOf(" ") + 1),
  ];
  const data = await Deno.readFile(new URL(path, VECTORS));
  const first = /^\(first (\d+) bytes\)$/.exec(rest);
  if (first) return data.subarray(0, Number(first[1]));
  const range = /^bytes \[(\d+), (\d+)\)$/.exec(rest);
  if (range) return data.subarray(Number(range[1]), Number(range[2]));
  assertEquals(rest, "", `unknown payloadFrom note ${note}`);
  return data;
}

/** Checks the header, block layout and padding of `bytes` against `entry` with a bare opener. */
async function checkStructure(
  bytes: Uint8Array,
  entry: Omit<PacketEntry, "file" | "label" | "inner" | "plainFile">,
  exchPrv: Uint8Array,
  selfId: Uint8Array,
): Promise<Uint8Array> {
  assertEquals(bytes.length, entry.size);
  assertEquals(encodeBase32(await mthOf(bytes)), entry.id);
  const { header } = checkHeader(bytes, { selfId, senders: knownSenders });
  assertEquals(header.nice, entry.nice);
  assertEquals(encodeBase32(header.sender), entry.sender.split(" ")[1]);
  assertEquals(encodeBase32(header.recipient), entry.recipient.split(" ")[1]);
  const blocks: string[] = [];
  const plain: Uint8Array[] = [];
  const opener = new PacketOpener(keysForHeader(header, exchPrv), {
    emit: (pt) => plain.push(pt),
    onBlock: (key, n) => blocks.push(`${key}:${n}`),
  });
  opener.push(bytes.subarray(172));
  const sizes = opener.end();
  assertEquals(blocks.join(" "), entry.blocks);
  assertEquals(sizes.plainBytes, entry.sizeBlock.payload);
  assertEquals(sizes.padBytes, entry.sizeBlock.pad);
  assertEquals(sizes.innerPadBytes, entry.ipad);
  assertEquals(sizes.padBytes - sizes.innerPadBytes, entry.opad);
  return concat(plain);
}

/** Checks a decoded plain packet (header fields and payload) against the manifest. */
async function checkPlain(plainBytes: Uint8Array, want: PacketEntry["plain"]): Promise<void> {
  const payload = plainBytes.subarray(PLAIN_HEADER_BYTES);
  assertEquals(payload.length, want.payloadLen);
  if (want.payloadSha256 !== null) assertEquals(await sha256Hex(payload), want.payloadSha256);
  if (want.payloadFrom !== undefined) assertEquals(payload, await payloadFrom(want.payloadFrom));
  if (want.payloadText?.startsWith("(zstd frame")) {
    assertEquals(
      new Uint8Array(zstdDecompressSync(payload)),
      await Deno.readFile(new URL("payloads/exec.txt", VECTORS)),
    );
  } else if (want.payloadText !== undefined) {
    assertEquals(new TextDecoder().decode(payload), want.payloadText);
  }
}

Deno.test("every NNCP vector packet has the id, header, blocks and padding the manifest lists", async () => {
  assertEquals(manifest.packets.length, 33);
  for (const entry of manifest.packets) {
    const bytes = await Deno.readFile(new URL(entry.file, VECTORS));
    assert(entry.file.endsWith(`.${entry.id}`), entry.file);
    const to = nodeNamed(entry.recipient);
    const plain = await checkStructure(bytes, entry, to.exchPrv, to.id);
    if (entry.plainFile !== undefined) {
      assertEquals(plain, await Deno.readFile(new URL(entry.plainFile, VECTORS)), entry.label);
    }
    await checkPlain(plain, entry.plain);
    if (entry.inner === undefined) continue;
    const inner = plain.subarray(PLAIN_HEADER_BYTES);
    const area = entry.inner.recipient.startsWith("area:");
    const innerTo = area
      ? { exchPrv: testArea.prv, id: testArea.id }
      : nodeNamed(entry.inner.recipient);
    const innerPlain = await checkStructure(inner, entry.inner, innerTo.exchPrv, innerTo.id);
    await checkPlain(innerPlain, entry.inner.plain);
  }
});

Deno.test("decryptPacket delivers every vector packet's payload with its plain header fields", async () => {
  for (const entry of manifest.packets) {
    const to = nodeNamed(entry.recipient);
    const sink = memorySink(1 << 20);
    const bytes = await Deno.readFile(new URL(entry.file, VECTORS));
    const result = await decryptPacket(bytes, {
      self: { id: to.id, exchPrv: to.exchPrv },
      senders: knownSenders,
      open: () => sink,
      computeId: "inline",
    });
    assertEquals(result.id, entry.id);
    assertEquals(result.size, entry.size);
    assert(result.signatureVerified);
    assertEquals(result.padBytes, entry.sizeBlock.pad);
    assertEquals(result.plain.type, entry.plain.type, entry.label);
    assertEquals(result.plain.nice, entry.plain.nice);
    assertEquals(result.plain.path.length, entry.plain.pathLen);
    if (Array.isArray(entry.plain.path)) {
      const text = entry.plain.type === 3 || entry.plain.type === 5
        ? [splitExecPath(result.plain).handle, ...splitExecPath(result.plain).args]
        : [plainPathText(result.plain)];
      assertEquals(text, entry.plain.path);
    } else assertEquals(encodeBase32(plainPathId(result.plain)), entry.plain.path);
    assertEquals(result.payloadBytes, entry.plain.payloadLen);
    assertEquals(sink.bytes()?.length, entry.plain.payloadLen);
  }
});

Deno.test("area packets decrypt inside with the area key and give NNCP's message hash", async () => {
  const areaPackets = manifest.packets.filter((p) => p.areaMsgHash !== undefined);
  assertEquals(areaPackets.length, 6);
  for (const entry of areaPackets) {
    const to = nodeNamed(entry.recipient);
    const inner = memorySink(1 << 20);
    let message: OpenedAreaMessage | undefined;
    await decryptPacket(await Deno.readFile(new URL(entry.file, VECTORS)), {
      self: { id: to.id, exchPrv: to.exchPrv },
      senders: knownSenders,
      open: () =>
        areaPayloadSink({
          area: testArea,
          senders: knownSenders,
          open: (opened) => {
            message = opened;
            return inner;
          },
        }),
    });
    assertEquals(message?.msgHash, entry.areaMsgHash);
    assertEquals(message?.plain.type, entry.inner?.plain.type);
    assertEquals(inner.bytes()?.length, entry.inner?.plain.payloadLen);
  }
});

Deno.test("readPacketHeader checks a vector's recipient and signature without decrypting", async () => {
  const entry = manifest.packets.find((p) => p.label === "file-big")!;
  const file = await Deno.open(new URL(entry.file, VECTORS));
  try {
    const to = nodeNamed(entry.recipient);
    const checked = await readPacketHeader(file, { selfId: to.id, senders: knownSenders });
    assert(checked.signatureVerified);
    assertEquals(checked.header.raw.length, 172);
  } finally {
    file.close();
  }
});
