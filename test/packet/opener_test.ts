import { assert, assertEquals, assertThrows } from "../assert.ts";
import { aeadSeal } from "../../src/crypto/aead.ts";
import { derivePacketKeys } from "../../src/packet/packet_keys.ts";
import { PacketOpener } from "../../src/packet/opener.ts";
import { PacketSealer } from "../../src/packet/sealer.ts";
import { PacketAuthError, PacketFormatError } from "../../src/packet/errors.ts";
import { writeU64 } from "../../src/packet/xdr.ts";
import { concat } from "./_bytes.ts";

const BLOCK = 131072;
const keys = derivePacketKeys(new Uint8Array(32).fill(9), new Uint8Array(108).fill(3));

function nonce(counter: number): Uint8Array {
  const out = new Uint8Array(12);
  new DataView(out.buffer).setUint32(8, counter);
  return out;
}

function seal(key: Uint8Array, counter: number, plaintext: Uint8Array): Uint8Array {
  const { ciphertext, tag } = aeadSeal(key, nonce(counter), keys.ad, plaintext);
  return concat([ciphertext, tag]);
}

function sizeBlock(payload: number, pad: number, rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + rest.length);
  writeU64(out, 0, payload);
  writeU64(out, 8, pad);
  out.set(rest, 16);
  return out;
}

function open(...parts: Uint8Array[]): { plain: number; blocks: string[] } {
  let plain = 0;
  const blocks: string[] = [];
  const opener = new PacketOpener(keys, {
    emit: (pt) => (plain += pt.length),
    onBlock: (key, n) => blocks.push(`${key}:${n}`),
  });
  for (const part of parts) opener.push(part);
  opener.end();
  return { plain, blocks };
}

function sealAll(plainBytes: number, minSize = 0): { bytes: Uint8Array; pad: number } {
  const out: Uint8Array[] = [];
  const sealer = new PacketSealer(keys, { emit: (c) => out.push(c.slice()), minSize });
  sealer.push(new Uint8Array(plainBytes).fill(7));
  const pad = sealer.finish();
  return { bytes: concat(out), pad };
}

Deno.test("sealer and opener agree on every block layout: empty, one block, straddle, several", () => {
  const layouts: [number, string][] = [
    [0, "size:16"],
    [276, "size:292"],
    [BLOCK - 16, "size:131072"],
    [BLOCK - 15, "size:131072 full:1"],
    [BLOCK, "full:131072 size:16"],
    [BLOCK + 5, "full:131072 size:21"],
    [3 * BLOCK - 8, "full:131072 full:131072 size:131072 full:8"],
  ];
  for (const [bytes, blocks] of layouts) {
    const sealed = sealAll(bytes);
    const opened = open(sealed.bytes);
    assertEquals(opened.blocks.join(" "), blocks, `${bytes} bytes`);
    assertEquals(opened.plain, bytes);
  }
});

Deno.test("opener accepts input split at any byte, including inside tags and padding", () => {
  const sealed = sealAll(BLOCK + 100, 300_000 + 172);
  assert(sealed.pad > BLOCK, "the test needs outer padding");
  for (const step of [1, 15, 16, 17, 4096, BLOCK + 16, BLOCK + 17]) {
    const parts: Uint8Array[] = [];
    for (let pos = 0; pos < sealed.bytes.length; pos += step) {
      parts.push(sealed.bytes.subarray(pos, pos + step));
    }
    if (step === 1) {
      parts.splice(0, parts.length, ...parts.slice(0, 5000), sealed.bytes.subarray(5000));
    }
    assertEquals(open(...parts).plain, BLOCK + 100, `step ${step}`);
  }
});

Deno.test("opener refuses non-zero inner padding and padding longer than the size block says", () => {
  const dirty = new Uint8Array(10);
  dirty[9] = 1;
  assertThrows(
    () => open(seal(keys.size, 0, sizeBlock(3, 10, new Uint8Array([1, 2, 3, ...dirty])))),
    PacketAuthError,
    "inner padding is not zeros",
  );
  assertThrows(
    () => open(seal(keys.size, 0, sizeBlock(3, 2, new Uint8Array(13)))),
    PacketAuthError,
    "10 bytes of padding where the size block allows 2",
  );
});

Deno.test("opener refuses a size block that contradicts what was already read", () => {
  const full = seal(keys.full, 0, new Uint8Array(BLOCK));
  assertThrows(
    () => open(full, seal(keys.size, 1, sizeBlock(10, 0, new Uint8Array(0)))),
    PacketFormatError,
    "size block says payload 10",
  );
  const huge = sizeBlock(0, 0, new Uint8Array(0));
  huge.fill(0xff, 0, 8);
  const err = assertThrows(
    () => open(seal(keys.size, 0, huge)),
    PacketFormatError,
    "size block says",
  );
  assertEquals(err.code, "bad-size");
});

Deno.test("opener refuses a size block under the wrong key and a block under the wrong counter", () => {
  assertThrows(
    () => open(seal(keys.full, 0, sizeBlock(0, 0, new Uint8Array(0)))),
    PacketAuthError,
    "block 0 fails authentication",
  );
  assertThrows(
    () => open(seal(keys.size, 1, sizeBlock(0, 0, new Uint8Array(0)))),
    PacketAuthError,
    "block 0 fails authentication",
  );
});

Deno.test("opener refuses a payload that the size block promises but the packet lacks", () => {
  const promise = seal(keys.size, 0, sizeBlock(BLOCK + 10, 0, new Uint8Array(BLOCK - 16)));
  const err = assertThrows(() => open(promise), PacketFormatError, "payload bytes");
  assertEquals(err.code, "truncated");
});
