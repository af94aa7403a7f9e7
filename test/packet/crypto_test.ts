import { assert, assertEquals } from "../assert.ts";
import {
  aeadOpen,
  aeadSeal,
  blake2b256,
  blake3DeriveKey,
  blake3Keyed256,
  blake3KeyedXof,
  blake3Sum256,
  createBlake3,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  generateSignKeys,
  x25519PublicKey,
  x25519Shared,
} from "../../src/crypto/mod.ts";
import { decodeHex, encodeHex } from "../../src/packet/hex.ts";

const hex = (text: string) => decodeHex(text.replaceAll(/\s/g, ""))!;
const utf8 = new TextEncoder();

Deno.test("BLAKE3 plain, keyed, derive_key and XOF match the official test vectors", async () => {
  const key = utf8.encode("whats the Elvish word for friend");
  const empty = new Uint8Array(0);
  assertEquals(
    encodeHex(blake3Sum256(empty)),
    "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
  );
  assertEquals(
    encodeHex(blake3Keyed256(key, empty)),
    "92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26",
  );
  assertEquals(
    encodeHex(blake3DeriveKey("BLAKE3 2019-12-27 16:29:52 test vectors context", empty)),
    "2cc39783c223154fea8dfb7c1b1660f2ac2dcbd1c1de8277b0b0dd39b7e50d7d",
  );
  const xof = blake3KeyedXof(key);
  const out = new Uint8Array(131);
  xof.read(out.subarray(0, 7));
  xof.read(out.subarray(7, 100));
  xof.read(out.subarray(100));
  assertEquals(
    encodeHex(out),
    "92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26b18171a2f22a4b94822c701f" +
      "107153dba24918c4bae4d2945c20ece13387627d3b73cbf97b797d5e59948c7ef788f54372df45e45e4293c7" +
      "dc18c1d41144a9758be58960856be1eabbe22c2653190de560ca3b2ac4aa692a9210694254c371e851bc8f",
  );
  const bulk = Uint8Array.from({ length: 300_000 }, (_, i) => i % 251);
  const wasm = await createBlake3(key);
  assertEquals(wasm.init().update(bulk).digest("binary"), blake3Keyed256(key, bulk));
  assertEquals((await createBlake3()).init().update(bulk).digest("binary"), blake3Sum256(bulk));
});

Deno.test("ChaCha20-Poly1305 matches RFC 8439 section 2.8.2 and refuses a changed byte", () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
  const nonce = hex("070000004041424344454647");
  const ad = hex("50515253c0c1c2c3c4c5c6c7");
  const text = utf8.encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const sealed = aeadSeal(key, nonce, ad, text);
  assertEquals(encodeHex(sealed.ciphertext.subarray(0, 16)), "d31a8d34648e60db7b86afbc53ef7ec2");
  assertEquals(encodeHex(sealed.tag), "1ae10b594f09e26a7e902ecbd0600691");
  assertEquals(aeadOpen(key, nonce, ad, sealed.ciphertext, sealed.tag), text);
  const bad = sealed.ciphertext.slice();
  bad[5]! ^= 1;
  assertEquals(aeadOpen(key, nonce, ad, bad, sealed.tag), null);
  assertEquals(aeadOpen(key, nonce, new Uint8Array(0), sealed.ciphertext, sealed.tag), null);
});

Deno.test("X25519 matches RFC 7748 section 6.1 and refuses a low-order public key", () => {
  const alicePrv = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const bobPrv = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  assertEquals(
    encodeHex(x25519PublicKey(alicePrv)),
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
  );
  const shared = x25519Shared(alicePrv, x25519PublicKey(bobPrv))!;
  assertEquals(
    encodeHex(shared),
    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
  );
  assertEquals(x25519Shared(alicePrv, new Uint8Array(32)), null);
});

Deno.test("Ed25519 with NNCP's 64-byte private keys matches RFC 8032 test 1", () => {
  const seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  const pub = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const prv = new Uint8Array([...seed, ...pub]);
  assertEquals(ed25519PublicKey(prv), pub);
  const sig = ed25519Sign(prv, new Uint8Array(0));
  assertEquals(
    encodeHex(sig),
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  );
  assert(ed25519Verify(pub, new Uint8Array(0), sig));
  assert(!ed25519Verify(pub, new Uint8Array([0]), sig));
  assert(
    !ed25519Verify(pub.subarray(1), new Uint8Array(0), sig),
    "short key is refused, not thrown",
  );
});

Deno.test("BLAKE2b-256 matches the known digests of empty input and abc", () => {
  assertEquals(
    encodeHex(blake2b256(new Uint8Array(0))),
    "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
  );
  assertEquals(
    encodeHex(blake2b256(utf8.encode("abc"))),
    "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
  );
});

Deno.test("Ed25519 refuses what Go refuses: S not below the group order, non-canonical keys, changed messages", () => {
  const keys = generateSignKeys();
  const msg = new TextEncoder().encode("packet header");
  const sig = ed25519Sign(keys.prv, msg);
  assertEquals(ed25519Verify(keys.pub, msg, sig), true);
  // S + L is the same scalar, encoded non-canonically: Go and RFC 8032 reject it.
  const L = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"); // the group order
  const bumped = sig.slice();
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const v = bumped[32 + i]! + L[i]! + carry;
    bumped[32 + i] = v & 0xff;
    carry = v >> 8;
  }
  if (carry === 0) assertEquals(ed25519Verify(keys.pub, msg, bumped), false, "S + L refused");
  const badS = sig.slice();
  badS.fill(0xff, 32, 64);
  assertEquals(ed25519Verify(keys.pub, msg, badS), false, "S = 2^256-1 refused");
  const nonCanonicalKey = new Uint8Array(32).fill(0xff);
  nonCanonicalKey[31] = 0x7f;
  assertEquals(ed25519Verify(nonCanonicalKey, msg, sig), false);
  assertEquals(ed25519Verify(keys.pub, new TextEncoder().encode("packet headeR"), sig), false);
  assertEquals(ed25519Verify(keys.pub.subarray(0, 31), msg, sig), false);
});
