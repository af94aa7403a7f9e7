/**
 * The MQTT transport: packets between ferry nodes through an MQTT broker
 * that every node dials out to (DESIGN §8, §9, §11). Nobody listens;
 * the broker holds what arrives for a while; a broker cluster (EMQX,
 * VerneMQ, HiveMQ or mosquitto bridges) carries a fleet.
 *
 * Protocol (the README's "MQTT transport" section says the same for users):
 *
 * - Topics under `topic-prefix` (default `ferry/v1`): `PREFIX/<to>/in/<from>`
 *   carries every message from node `from` to node `to` (base32 node ids);
 *   `PREFIX/<id>/presence` holds node `id`'s retained presence (`online`,
 *   and `offline` as its last will). A node subscribes only to
 *   `PREFIX/<self>/in/+` and to its peers' presence, with an MQTT 5
 *   persistent session (session expiry), all at QoS 1.
 * - Messages (`wire.ts`): DATA (a chunk: sender, packet id, size, nice,
 *   chunk size, offset, bytes), OFFER (a packet the sender wants to send),
 *   HAVE (what the recipient holds: the contiguous prefix and a 64-chunk
 *   bitmap after it), ACK (the recipient verified and stored the packet,
 *   signed with its Ed25519 key, `ack.ts`).
 * - Receiving (`receiver.ts`) goes through the shared packet store
 *   (`src/store/`): chunks into `rx/<id>.part` by offset, resume state
 *   persisted beside it, the whole packet checked against its id before it
 *   moves into `rx/`; only then the ACK.
 * - Sending (`sender.ts`): niceness order; a packet leaves `tx/` only on a
 *   valid ACK. Bulk only while the peer's presence is online; a bounded
 *   budget of small urgent packets waits in the broker while it is not.
 * - Resume: after a restart on either side the sender offers again, the
 *   recipient answers HAVE, the sender sends only the rest.
 * - The MQTT 5 client is ferry's own (`client/`): TCP, TLS and WebSocket,
 *   reading in place and writing payloads without copies. One session per
 *   node runs at a time (`lockMqttSession`, a lock in the spool).
 *
 * ```ts
 * import { serveMqtt } from "./mod.ts";
 * await serveMqtt(ctx, ctx.config.ferry.mqtt!, { signal, untilIdleSec: 10 });
 * ```
 * @module
 */

export { ackText, signAck, verifyAck } from "./ack.ts";
export { mqttLimits } from "./limits.ts";
export { Receiver } from "./receiver.ts";
export { PeerSender } from "./sender.ts";
export {
  lockMqttSession,
  MqttError,
  mqttLockPath,
  mqttPeers,
  serveMqtt,
  type ServeOptions,
  type ServeResult,
} from "./session.ts";
export { type MqttPeerState, type MqttStatus, mqttStatusPath, readMqttStatus } from "./status.ts";
export * from "./wire.ts";
