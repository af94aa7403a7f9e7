/**
 * The packet store shared by every transport (DESIGN §11): what waits for a
 * peer in niceness order, reading it at an offset, receiving into a resumable
 * partial, checking against the id and committing atomically, and removing a
 * sent packet only once the peer confirmed it.
 *
 * ```ts
 * import { SpoolStore } from "./mod.ts";
 * const store = new SpoolStore(spool, log);
 * for (const p of await store.listOutgoing(peer)) console.log(p.id, p.size);
 * ```
 * @module
 */

export type {
  IncomingOptions,
  LinkStore,
  OutgoingPacket,
  PacketReader,
  PacketStore,
  PartialPacket,
  ResumeState,
  VerifyId,
} from "./contract.ts";
export {
  decodeState,
  encodeState,
  openPartial,
  type PartialOptions,
  partLengthFragBytes,
} from "./partial.ts";
export { openPacketReader } from "./packet_reader.ts";
export { nockSuffix, SpoolLinkStore, spoolOutgoingListedMax, SpoolStore } from "./spool_store.ts";
