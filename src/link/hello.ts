/**
 * Session greeting. Each session picks a random nonce and sends HELLO
 * (version, its nonce, the peer nonce it knows, and tags of both node ids)
 * until the peer has echoed that nonce. Only then is the session
 * "established" and other frames are taken: anything earlier may be left
 * over from a previous session of either side (a receive buffer, a frame
 * still on the air) and could carry another numbering. A HELLO with a new
 * nonce from a known peer means the peer restarted: transfers in progress
 * are offered again, and frames wait for the new peer's echo. A HELLO
 * naming other nodes is ignored.
 *
 * @example
 * ```ts
 * import { Greeting } from "./hello.ts";
 * const alice = new Greeting(7, "ALICE", "BOB"), bob = new Greeting(9, "BOB", "ALICE");
 * const h1 = alice.frames()[0]!;
 * if (h1.kind === "hello") bob.receive({ ...h1, rem: 0, idle: false });
 * const h2 = bob.frames()[0]!;
 * if (h2.kind === "hello") alice.receive({ ...h2, rem: 0, idle: false });
 * console.assert(alice.established && !bob.established);
 * ```
 * @module
 */

import { crc32 } from "../encoding/crc32.ts";
import { type ControlBody, type ControlFrame, protocolVersion } from "./frames.ts";

/** What a received HELLO meant. */
export type HelloOutcome = "ok" | "restarted" | "wrong-peer" | "incompatible";

/** The greeting state of one session. */
export class Greeting {
  /** The peer has echoed this session's nonce. */
  established = false;
  #peerNonce = 0;
  #owe = false;

  /** `nonce`: this session's random nonce (not 0). */
  constructor(readonly nonce: number, readonly localNode: string, readonly peerNode: string) {}

  /** HELLO frames for this side's next turn (none once both sides know each other). */
  frames(): ControlBody[] {
    if (this.established && !this.#owe) return [];
    this.#owe = false;
    return [{
      kind: "hello",
      version: protocolVersion,
      established: this.established,
      nonce: this.nonce,
      echo: this.#peerNonce,
      fromTag: nodeTag(this.localNode),
      toTag: nodeTag(this.peerNode),
    }];
  }

  /** Takes a HELLO from the peer. */
  receive(h: Extract<ControlFrame, { kind: "hello" }>): HelloOutcome {
    if (h.version !== protocolVersion) return "incompatible";
    if (h.fromTag !== nodeTag(this.peerNode) || h.toTag !== nodeTag(this.localNode)) {
      return "wrong-peer";
    }
    let outcome: HelloOutcome = "ok";
    if (h.nonce !== this.#peerNonce) {
      if (this.#peerNonce !== 0) outcome = "restarted";
      this.#peerNonce = h.nonce;
      this.established = false;
    }
    if (h.echo === this.nonce) this.established = true;
    if (!h.established) this.#owe = true;
    return outcome;
  }
}

/** The 4-byte tag of a node id carried in HELLO (CRC-32 of its UTF-8 text). */
export function nodeTag(node: string): number {
  return crc32(new TextEncoder().encode(node));
}
