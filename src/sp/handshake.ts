/**
 * The two handshake messages of a session, with NNCP's deadline
 * (`spHandshakeTimeoutMs` each) and errors that say what to check. The
 * answering side learns who calls from the static key inside message 1 and
 * looks it up among the neighbours (constant-time) before it does anything
 * else; the caller knows whom it calls and fails when the peer cannot read
 * its message.
 * @module
 */

import type { Neighbour } from "../config/mod.ts";
import type { KeyPair } from "../crypto/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { constantTimeEqual } from "./_equal.ts";
import { type EnvelopeReader, type EnvelopeWriter, SpEofError } from "./conn.ts";
import { spHandshakeTimeoutMs } from "./limits.ts";
import { NoiseError, NoiseHandshake, type NoiseTransport } from "./noise.ts";
import { SpRefusedError } from "./session_types.ts";

/** Our noise key pair; refuses a configuration without one. */
export function selfNoiseKeys(ctx: NodeContext): KeyPair {
  const self = ctx.self;
  if (!self.noisePrv || !self.noisePub) {
    throw new SpRefusedError(
      `The configuration ${ctx.config.path} has no noiseprv/noisepub: add them (ferry init makes them)`,
    );
  }
  return { prv: self.noisePrv, pub: self.noisePub };
}

/** The neighbour whose `noisepub` is `key`, or null. */
export function neighbourByNoiseKey(ctx: NodeContext, key: Uint8Array): Neighbour | null {
  let found: Neighbour | null = null;
  for (const n of ctx.config.neigh.values()) {
    if (n.idText === ctx.self.idText) continue;
    if (n.noisePub && constantTimeEqual(n.noisePub, key)) found = n;
  }
  return found;
}

/** The caller's side: sends message 1 with `first`, reads message 2; returns its payload. */
export async function initiate(
  io: { reader: EnvelopeReader; writer: EnvelopeWriter },
  s: KeyPair,
  node: Neighbour,
  first: Uint8Array,
): Promise<{ payload: Uint8Array; transport: NoiseTransport }> {
  if (!node.noisePub) {
    throw new SpRefusedError(
      `Neighbour ${node.name} has no noisepub in the configuration: it cannot be called online`,
    );
  }
  const hs = new NoiseHandshake({ initiator: true, s, rs: node.noisePub });
  await io.writer.write(hs.writeMessage(first), spHandshakeTimeoutMs);
  let msg2: Uint8Array;
  try {
    msg2 = await io.reader.read(spHandshakeTimeoutMs, spHandshakeTimeoutMs);
  } catch (err) {
    if (err instanceof SpEofError) {
      throw new SpRefusedError(
        `${node.name} closed the connection during the handshake: it does not know our ` +
          `noise key, or ours for it is wrong (check noisepub on both sides)`,
      );
    }
    throw err;
  }
  try {
    const payload = hs.readMessage(msg2);
    return { payload, transport: hs.split() };
  } catch (err) {
    if (err instanceof NoiseError) {
      throw new SpRefusedError(
        `${node.name} did not answer with the noise key configured for it (${err.message})`,
      );
    }
    throw err;
  }
}

/** The answering side, first half: reads message 1 and returns the caller's key and payload. */
export async function readHello(
  reader: EnvelopeReader,
  s: KeyPair,
  remote: string,
): Promise<{ hs: NoiseHandshake; peerKey: Uint8Array; payload: Uint8Array }> {
  const hs = new NoiseHandshake({ initiator: false, s });
  const msg1 = await reader.read(spHandshakeTimeoutMs, spHandshakeTimeoutMs);
  try {
    const payload = hs.readMessage(msg1);
    return { hs, peerKey: hs.remoteStatic!, payload };
  } catch (err) {
    if (err instanceof NoiseError) {
      throw new SpRefusedError(`handshake from ${remote} does not decrypt with our key`);
    }
    throw err;
  }
}

/** The answering side, second half: sends message 2 with `first`. */
export async function answerHello(
  writer: EnvelopeWriter,
  hs: NoiseHandshake,
  first: Uint8Array,
): Promise<NoiseTransport> {
  await writer.write(hs.writeMessage(first), spHandshakeTimeoutMs);
  return hs.split();
}
