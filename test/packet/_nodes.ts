/**
 * The three vector identities (alice, bob, carol) and the test area, read
 * from the in-repo NNCP configs (plain JSON), in the shapes the packet code
 * takes.
 * @module
 */

import { decodeBase32, encodeBase32 } from "../../src/encoding/base32.ts";
import type { KnownSender, PacketPeer, SenderIdentity } from "../../src/packet/mod.ts";

/** The vectors folder (test/vectors/nncp/). */
export const VECTORS = new URL("../vectors/nncp/", import.meta.url);

/** One node of the vectors, with every key decoded. */
export interface TestNode {
  name: string;
  id: Uint8Array;
  exchPub: Uint8Array;
  exchPrv: Uint8Array;
  signPub: Uint8Array;
  signPrv: Uint8Array;
  /** The config as text, with `@ROOT@` still in it. */
  configText: string;
}

async function loadNode(name: string): Promise<TestNode> {
  const configText = await Deno.readTextFile(new URL(`cfg/${name}.hjson`, VECTORS));
  const self = JSON.parse(configText).self;
  return {
    name,
    id: decodeBase32(self.id),
    exchPub: decodeBase32(self.exchpub),
    exchPrv: decodeBase32(self.exchprv),
    signPub: decodeBase32(self.signpub),
    signPrv: decodeBase32(self.signprv),
    configText,
  };
}

export const alice = await loadNode("alice");
export const bob = await loadNode("bob");
export const carol = await loadNode("carol");
export const NODES = [alice, bob, carol];

const areaConfig = JSON.parse(alice.configText).areas.testarea;
/** The `testarea` area (every node holds its keys). */
export const testArea = {
  name: "testarea",
  id: decodeBase32(areaConfig.id),
  pub: decodeBase32(areaConfig.pub),
  prv: decodeBase32(areaConfig.prv),
};

/** Looks up any of the three nodes by id. */
export function knownSenders(id: Uint8Array): KnownSender | undefined {
  const found = NODES.find((n) => encodeBase32(n.id) === encodeBase32(id));
  return found && { signPub: found.signPub };
}

/** A node as a packet sender. */
export function senderOf(node: TestNode): SenderIdentity {
  return { id: node.id, signPrv: node.signPrv };
}

/** A node as a packet recipient. */
export function peerOf(node: TestNode): PacketPeer {
  return { id: node.id, exchPub: node.exchPub };
}

/** A node by its name or base32 id (as the manifest writes "bob JIHU…"). */
export function nodeNamed(label: string): TestNode {
  const name = label.split(" ")[0];
  const found = NODES.find((n) => n.name === name);
  if (found === undefined) throw new Error(`no vector node "${label}"`);
  return found;
}
