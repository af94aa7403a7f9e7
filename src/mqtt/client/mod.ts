/**
 * ferry's own MQTT 5 client (QoS 0 and 1, no topic aliases) over TCP, TLS
 * and WebSocket: reads in place from one reusable buffer, hands each
 * message's payload to the handler as a view and acknowledges it after the
 * handler is done, writes a publish's payload without copying it, and
 * closes the connection on anything hostile from the broker.
 *
 * ```ts
 * import { MqttClient } from "./mod.ts";
 * const c = await MqttClient.connect({ url: "mqtt://127.0.0.1:1883", clientId: "x",
 *   keepaliveSec: 30, receiveMaximum: 32, maximumPacketBytes: 1 << 20 });
 * await c.disconnect();
 * ```
 * @module
 */

export {
  type ClientOptions,
  type Message,
  MqttClient,
  MqttProtocolError,
  MqttRefusedError,
} from "./client.ts";
export { clientLimits } from "./limits.ts";
export { type Connack, type Will } from "./packets.ts";
export { reasonText } from "./reason.ts";
export { type TlsFiles } from "./transport.ts";
