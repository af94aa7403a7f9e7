/**
 * Every limit of ferry's MQTT 5 client in one place, units last. The
 * session passes its own values for what MQTT negotiates (receive maximum,
 * maximum packet size, keepalive); these are the client's own bounds.
 *
 * ```ts
 * import { clientLimits } from "./limits.ts";
 * console.assert(clientLimits.pongTimeoutMs > 0);
 * ```
 * @module
 */

/** The client's fixed limits. */
export const clientLimits = {
  /** Give up a connection (TCP, TLS, WebSocket and CONNACK) after this long by default. */
  connectTimeoutMs: 30_000,
  /** Close the connection when no PINGRESP (or anything else) came this long after a PINGREQ. */
  pongTimeoutMs: 20_000,
  /** Read buffer to start with; it grows up to the maximum packet size we announce. */
  readBufferBytesMin: 64 * 1024,
  /** Publishes waiting for a free in-flight slot before `publish` refuses more. */
  queuedPublishesMax: 1024,
  /** WebSocket: wait before sending more while this many bytes are not yet on the wire. */
  wsBufferedBytesMax: 1024 * 1024,
  /** WebSocket: how often a full send buffer is looked at again. */
  wsDrainPollMs: 2,
  /** WebSocket: received messages queued before the connection is closed as flooded. */
  wsQueuedMessagesMax: 4096,
  /**
   * WebSocket: received bytes queued unread before the connection is closed as flooded:
   * 32 messages in flight (ferry's receive maximum) at the largest chunk size, plus room.
   */
  wsQueuedBytesMax: 136 * 1024 * 1024,
  /** Largest topic we publish to or accept (MQTT's own string limit). */
  topicBytesMax: 65_535,
  /** MQTT's largest remaining length (four varint bytes). */
  remainingBytesMax: 268_435_455,
} as const;
