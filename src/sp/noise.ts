/**
 * Noise_IK_25519_ChaChaPoly_BLAKE2b with an empty prologue, the handshake
 * NNCP's online protocol runs before anything else (Noise specification,
 * revision 34: §5 processing rules, §7 the IK pattern, §12 algorithm names).
 *
 * ```
 * IK:  <- s
 *      ...
 *      -> e, es, s, ss      (initiator: message 1)
 *      <- e, ee, se         (responder: message 2)
 * ```
 *
 * X25519 comes from `src/crypto` (native through `node:crypto` where it
 * can), ChaCha20-Poly1305 from `node:crypto`, BLAKE2b-512 and its HMAC from
 * `@noble/hashes`. After message 2 both sides {@linkcode NoiseHandshake.split}
 * into two {@linkcode CipherState}s, one per direction.
 *
 * @example
 * ```ts
 * import { NoiseHandshake } from "./noise.ts";
 * import { generateExchKeys } from "../crypto/mod.ts";
 * const a = generateExchKeys(), b = generateExchKeys();
 * const i = new NoiseHandshake({ initiator: true, s: a, rs: b.pub });
 * const r = new NoiseHandshake({ initiator: false, s: b });
 * const m1 = i.writeMessage(new TextEncoder().encode("hi"));
 * r.readMessage(m1);
 * const m2 = r.writeMessage(new Uint8Array(0));
 * i.readMessage(m2);
 * const ct = i.split().send.encrypt(new Uint8Array([1]));
 * console.assert(r.split().recv.decrypt(ct)?.[0] === 1);
 * ```
 * @module
 */

import { blake2b } from "@noble/hashes/blake2.js";
import { hmac } from "@noble/hashes/hmac.js";
import {
  AEAD_TAG_BYTES,
  aeadOpen,
  aeadSeal,
  generateExchKeys,
  type KeyPair,
  X25519_BYTES,
  x25519Shared,
} from "../crypto/mod.ts";

/** The protocol name hashed into the initial state. */
export const noiseProtocolName = "Noise_IK_25519_ChaChaPoly_BLAKE2b";
/** BLAKE2b-512 output length (Noise's HASHLEN). */
const hashBytes = 64;
/** Largest Noise message (Noise §3). */
export const noiseMessageBytesMax = 65535;
/** Nonces are 64-bit; ferry stops long before: one session never sends this many messages. */
export const noiseNoncesMax = 2 ** 53 - 1;

/** A Noise message could not be authenticated or parsed. */
export class NoiseError extends Error {
  override name = "NoiseError";
}

function hash(data: Uint8Array): Uint8Array {
  return blake2b(data, { dkLen: hashBytes });
}

function hmacHash(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(blake2b, key, data);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Noise HKDF with two outputs. */
function hkdf2(ck: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const temp = hmacHash(ck, ikm);
  const out1 = hmacHash(temp, Uint8Array.of(1));
  const out2 = hmacHash(temp, concat(out1, Uint8Array.of(2)));
  return [out1, out2];
}

/** One direction's key and nonce (Noise §5.1). */
export class CipherState {
  #key: Uint8Array | null;
  #nonce = 0;
  readonly #nonceBytes = new Uint8Array(12);

  constructor(key: Uint8Array | null = null) {
    this.#key = key;
  }

  /** True once a key is set. */
  get hasKey(): boolean {
    return this.#key !== null;
  }

  #nextNonce(): Uint8Array {
    if (this.#nonce >= noiseNoncesMax) throw new NoiseError("Noise nonce space exhausted");
    const view = new DataView(this.#nonceBytes.buffer);
    view.setUint32(4, this.#nonce % 2 ** 32, true);
    view.setUint32(8, Math.floor(this.#nonce / 2 ** 32), true);
    this.#nonce++;
    return this.#nonceBytes;
  }

  /** Encrypts with associated data `ad` (plaintext passes through when no key is set). */
  encrypt(plaintext: Uint8Array, ad: Uint8Array = new Uint8Array(0)): Uint8Array {
    if (!this.#key) return plaintext;
    const sealed = aeadSeal(this.#key, this.#nextNonce(), ad, plaintext);
    const out = new Uint8Array(sealed.ciphertext.length + AEAD_TAG_BYTES);
    out.set(sealed.ciphertext, 0);
    out.set(sealed.tag, sealed.ciphertext.length);
    return out;
  }

  /** Decrypts and authenticates; null when the tag does not match. */
  decrypt(ciphertext: Uint8Array, ad: Uint8Array = new Uint8Array(0)): Uint8Array | null {
    if (!this.#key) return ciphertext;
    if (ciphertext.length < AEAD_TAG_BYTES) return null;
    const cut = ciphertext.length - AEAD_TAG_BYTES;
    const nonce = this.#nextNonce();
    return aeadOpen(this.#key, nonce, ad, ciphertext.subarray(0, cut), ciphertext.subarray(cut));
  }
}

/** Handshake settings. */
export interface NoiseHandshakeOptions {
  initiator: boolean;
  /** Our static key pair (`noiseprv`/`noisepub`). */
  s: KeyPair;
  /** The responder's static public key (the initiator knows it in advance). */
  rs?: Uint8Array;
  /** Ephemeral key pair, for tests only; a fresh one otherwise. */
  e?: KeyPair;
}

/** The two transport cipher states after the handshake. */
export interface NoiseTransport {
  send: CipherState;
  recv: CipherState;
}

/** The IK handshake state of one side (Noise §5.3). */
export class NoiseHandshake {
  readonly #initiator: boolean;
  readonly #s: KeyPair;
  #e: KeyPair | null;
  #rs: Uint8Array | null;
  #re: Uint8Array | null = null;
  #h: Uint8Array;
  #ck: Uint8Array;
  #cipher = new CipherState();
  #step = 0;
  #transport: NoiseTransport | null = null;

  constructor(o: NoiseHandshakeOptions) {
    this.#initiator = o.initiator;
    this.#s = o.s;
    this.#e = o.e ?? null;
    this.#rs = o.rs ?? null;
    if (o.initiator && !this.#rs) throw new TypeError("The IK initiator needs the peer's key");
    const name = new TextEncoder().encode(noiseProtocolName);
    const h = new Uint8Array(hashBytes);
    h.set(name);
    this.#h = h;
    this.#ck = h;
    this.#mixHash(new Uint8Array(0)); // empty prologue
    this.#mixHash(o.initiator ? this.#rs! : this.#s.pub); // pre-message <- s
  }

  /** The peer's static key: known to the responder after message 1. */
  get remoteStatic(): Uint8Array | null {
    return this.#rs;
  }

  /** The handshake hash (channel binding), final after message 2. */
  get handshakeHash(): Uint8Array {
    return this.#h;
  }

  #mixHash(data: Uint8Array): void {
    this.#h = hash(concat(this.#h, data));
  }

  #mixKey(ikm: Uint8Array): void {
    const [ck, k] = hkdf2(this.#ck, ikm);
    this.#ck = ck;
    this.#cipher = new CipherState(k.slice(0, 32));
  }

  #dh(prv: Uint8Array, pub: Uint8Array): Uint8Array {
    const shared = x25519Shared(prv, pub);
    if (!shared) throw new NoiseError("Noise peer key is a low-order point");
    return shared;
  }

  #encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ct = this.#cipher.encrypt(plaintext, this.#h);
    this.#mixHash(ct);
    return ct;
  }

  #decryptAndHash(ct: Uint8Array): Uint8Array {
    const pt = this.#cipher.decrypt(ct, this.#h);
    if (!pt) throw new NoiseError("Noise handshake message does not authenticate");
    this.#mixHash(ct);
    return pt;
  }

  /** Writes our handshake message carrying `payload`. */
  writeMessage(payload: Uint8Array): Uint8Array {
    const e = this.#e ?? generateExchKeys();
    this.#e = e;
    if (this.#initiator && this.#step === 0) {
      this.#mixHash(e.pub);
      this.#mixKey(this.#dh(e.prv, this.#rs!)); // es
      const s = this.#encryptAndHash(this.#s.pub);
      this.#mixKey(this.#dh(this.#s.prv, this.#rs!)); // ss
      const body = this.#encryptAndHash(payload);
      this.#step = 1;
      return concat(e.pub, s, body);
    }
    if (!this.#initiator && this.#step === 1) {
      this.#mixHash(e.pub);
      this.#mixKey(this.#dh(e.prv, this.#re!)); // ee
      this.#mixKey(this.#dh(e.prv, this.#rs!)); // se
      const body = this.#encryptAndHash(payload);
      this.#step = 2;
      return concat(e.pub, body);
    }
    throw new Error(`Noise handshake: no message to write at step ${this.#step}`);
  }

  /** Reads the peer's handshake message and returns its payload; throws {@linkcode NoiseError}. */
  readMessage(msg: Uint8Array): Uint8Array {
    if (msg.length > noiseMessageBytesMax) {
      throw new NoiseError(`Noise message of ${msg.length} bytes is over ${noiseMessageBytesMax}`);
    }
    if (!this.#initiator && this.#step === 0) {
      const min = X25519_BYTES + X25519_BYTES + AEAD_TAG_BYTES + AEAD_TAG_BYTES;
      if (msg.length < min) throw new NoiseError(`Noise message 1 is too short: ${msg.length}`);
      const re = msg.slice(0, X25519_BYTES);
      this.#re = re;
      this.#mixHash(re);
      this.#mixKey(this.#dh(this.#s.prv, re)); // es
      const sEnd = X25519_BYTES + X25519_BYTES + AEAD_TAG_BYTES;
      this.#rs = this.#decryptAndHash(msg.subarray(X25519_BYTES, sEnd)).slice();
      this.#mixKey(this.#dh(this.#s.prv, this.#rs)); // ss
      const payload = this.#decryptAndHash(msg.subarray(sEnd));
      this.#step = 1;
      return payload;
    }
    if (this.#initiator && this.#step === 1) {
      if (msg.length < X25519_BYTES + AEAD_TAG_BYTES) {
        throw new NoiseError(`Noise message 2 is too short: ${msg.length}`);
      }
      const re = msg.slice(0, X25519_BYTES);
      this.#re = re;
      this.#mixHash(re);
      this.#mixKey(this.#dh(this.#e!.prv, re)); // ee
      this.#mixKey(this.#dh(this.#s.prv, re)); // se
      const payload = this.#decryptAndHash(msg.subarray(X25519_BYTES));
      this.#step = 2;
      return payload;
    }
    throw new Error(`Noise handshake: no message to read at step ${this.#step}`);
  }

  /** The transport cipher states; only after both messages. */
  split(): NoiseTransport {
    if (this.#step !== 2) throw new Error("Noise handshake is not finished");
    if (this.#transport) return this.#transport;
    const [k1, k2] = hkdf2(this.#ck, new Uint8Array(0));
    const c1 = new CipherState(k1.slice(0, 32));
    const c2 = new CipherState(k2.slice(0, 32));
    this.#transport = this.#initiator ? { send: c1, recv: c2 } : { send: c2, recv: c1 };
    return this.#transport;
  }
}
