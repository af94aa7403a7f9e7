// ChaCha20-Poly1305 backends: libcrypto through FFI must give node:crypto's
// bytes exactly, refuse every forgery, and stand aside when it cannot run.
import { createCipheriv } from "node:crypto";
import { assert, assertEquals, assertThrows } from "../assert.ts";
import {
  AEAD_TAG_BYTES,
  aeadBackendName,
  aeadOpen,
  aeadSeal,
  aeadSealInto,
} from "../../src/crypto/aead.ts";

/** The reference: node:crypto called directly, ciphertext then tag. */
function referenceSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  cipher.setAAD(ad, { plaintextLength: plaintext.length });
  const ct = cipher.update(plaintext);
  cipher.final();
  const out = new Uint8Array(plaintext.length + AEAD_TAG_BYTES);
  out.set(ct, 0);
  out.set(cipher.getAuthTag(), plaintext.length);
  return out;
}

const random = (n: number) => {
  const b = new Uint8Array(n);
  for (let pos = 0; pos < n; pos += 65536) crypto.getRandomValues(b.subarray(pos, pos + 65536));
  return b;
};

Deno.test("AEAD: libcrypto is the backend on this Debian machine", () => {
  // CI installs libssl3 (scripts/bootstrap.sh); the tests run with -A.
  assertEquals(aeadBackendName(), "openssl");
});

Deno.test("AEAD: the backend seals exactly as node:crypto for every length and opens its own", () => {
  const lengths = [0, 1, 15, 16, 17, 63, 64, 65, 1000, 4095, 65536, 131071, 131072, 131072 + 16];
  for (const n of lengths) {
    for (const adBytes of [0, 1, 100]) {
      const key = random(32), nonce = random(12), ad = random(adBytes), plaintext = random(n);
      const sealed = aeadSeal(key, nonce, ad, plaintext);
      const joined = new Uint8Array(n + AEAD_TAG_BYTES);
      joined.set(sealed.ciphertext, 0);
      joined.set(sealed.tag, n);
      assertEquals(joined, referenceSeal(key, nonce, ad, plaintext), `length ${n}, ad ${adBytes}`);
      assertEquals(aeadOpen(key, nonce, ad, sealed.ciphertext, sealed.tag), plaintext);
    }
  }
});

Deno.test("AEAD: sealing in place gives the same bytes", () => {
  const key = random(32), nonce = random(12), ad = random(20), plaintext = random(5000);
  const buffer = new Uint8Array(plaintext.length + AEAD_TAG_BYTES);
  buffer.set(plaintext, 0);
  aeadSealInto(key, nonce, ad, buffer.subarray(0, plaintext.length), buffer);
  assertEquals(buffer, referenceSeal(key, nonce, ad, plaintext));
});

Deno.test("AEAD: every changed bit, key, nonce, associated data or tag is refused", () => {
  const key = random(32), nonce = random(12), ad = random(40), plaintext = random(3000);
  const { ciphertext, tag } = aeadSeal(key, nonce, ad, plaintext);
  const flip = (b: Uint8Array, i: number) => {
    const c = b.slice();
    c[i]! ^= 1 << (i % 8);
    return c;
  };
  for (const i of [0, 1, 1500, 2999]) {
    assertEquals(aeadOpen(key, nonce, ad, flip(ciphertext, i), tag), null, `ciphertext bit ${i}`);
  }
  for (let i = 0; i < AEAD_TAG_BYTES; i++) {
    assertEquals(aeadOpen(key, nonce, ad, ciphertext, flip(tag, i)), null, `tag byte ${i}`);
  }
  assertEquals(aeadOpen(flip(key, 7), nonce, ad, ciphertext, tag), null);
  assertEquals(aeadOpen(key, flip(nonce, 11), ad, ciphertext, tag), null);
  assertEquals(aeadOpen(key, nonce, flip(ad, 39), ciphertext, tag), null);
  assertEquals(aeadOpen(key, nonce, ad.subarray(1), ciphertext, tag), null);
  assertEquals(aeadOpen(key, nonce, ad, ciphertext.subarray(0, 2999), tag), null);
  assertEquals(aeadOpen(key, nonce, ad, ciphertext, tag.subarray(0, 15)), null);
  // A thousand refusals leave the library working (its error queue is cleared).
  for (let i = 0; i < 1000; i++) aeadOpen(key, nonce, ad, ciphertext, flip(tag, i % 16));
  assertEquals(aeadOpen(key, nonce, ad, ciphertext, tag), plaintext);
});

Deno.test("AEAD: keys, nonces and outputs of the wrong length are refused before native code runs", () => {
  const plaintext = random(10);
  assertThrows(() => aeadSeal(random(31), random(12), random(0), plaintext), RangeError, "key");
  assertThrows(() => aeadSeal(random(32), random(8), random(0), plaintext), RangeError, "nonce");
  assertThrows(
    () => aeadOpen(random(33), random(12), random(0), plaintext, random(16)),
    RangeError,
    "key",
  );
  assertThrows(
    () => aeadSealInto(random(32), random(12), random(0), plaintext, new Uint8Array(25)),
    RangeError,
    "26 bytes",
  );
});

/** Runs a child Deno that seals and opens one message and prints its backend and the bytes. */
async function child(
  env: Record<string, string>,
  permissions: string[],
): Promise<{ code: number; out: string; err: string }> {
  const script = `
    import { aeadBackendName, aeadOpen, aeadSeal } from ${
    JSON.stringify(new URL("../../src/crypto/aead.ts", import.meta.url).href)
  };
    const key = new Uint8Array(32).fill(9), nonce = new Uint8Array(12).fill(3);
    const ad = new Uint8Array([1, 2, 3]), pt = new TextEncoder().encode("hello ferry");
    const s = aeadSeal(key, nonce, ad, pt);
    const back = aeadOpen(key, nonce, ad, s.ciphertext, s.tag);
    const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    console.log(aeadBackendName(), hex(s.ciphertext) + hex(s.tag), new TextDecoder().decode(back));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", ...permissions, "-"],
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = out.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const done = await out.output();
  const dec = new TextDecoder();
  return { code: done.code, out: dec.decode(done.stdout).trim(), err: dec.decode(done.stderr) };
}

Deno.test("AEAD: FERRY_AEAD and missing FFI choose node:crypto, with the same bytes", async () => {
  const key = new Uint8Array(32).fill(9), nonce = new Uint8Array(12).fill(3);
  const expected = Array.from(
    referenceSeal(key, nonce, new Uint8Array([1, 2, 3]), new TextEncoder().encode("hello ferry")),
    (x) => x.toString(16).padStart(2, "0"),
  ).join("");
  const forced = await child({ FERRY_AEAD: "node:crypto" }, ["-A"]);
  assertEquals(forced.out, `node:crypto ${expected} hello ferry`, forced.err);
  const noFfi = await child({}, ["--allow-read", "--allow-env"]);
  assertEquals(noFfi.out, `node:crypto ${expected} hello ferry`, noFfi.err);
  const native = await child({ FERRY_AEAD: "openssl" }, ["-A"]);
  assertEquals(native.out, `openssl ${expected} hello ferry`, native.err);
  const demandedWithoutFfi = await child({ FERRY_AEAD: "openssl" }, ["--allow-env"]);
  assert(demandedWithoutFfi.code !== 0, "FERRY_AEAD=openssl without FFI must fail");
  assert(demandedWithoutFfi.err.includes("--allow-ffi"), demandedWithoutFfi.err);
  const bogus = await child({ FERRY_AEAD: "rot13" }, ["-A"]);
  assert(bogus.code !== 0 && bogus.err.includes("FERRY_AEAD must be"), bogus.err);
});
