/**
 * Every limit of the MQTT transport in one place, units last. Settings a
 * user may change live in `ferry.mqtt` (see `src/config/ferry_mqtt.ts`);
 * these are the protocol's own.
 *
 * ```ts
 * import { mqttLimits } from "./limits.ts";
 * console.assert(mqttLimits.windowChunks === 64);
 * ```
 * @module
 */

import { haveBitmapFrags } from "./wire.ts";

/** The MQTT transport's fixed limits. */
export const mqttLimits = {
  /** Chunks a receiver accepts beyond its contiguous prefix (the HAVE bitmap). */
  windowChunks: haveBitmapFrags,
  /** A receiver reports HAVE after this many new chunks (its window slides the sender's). */
  haveEveryChunks: 16,
  /** A receiver makes its partial durable (fsync, resume state) after this many new chunks. */
  persistEveryChunks: 64,
  /** Partials a receiver keeps open at once (older ones are persisted and closed). */
  openPartialsMax: 64,
  /**
   * Partials a receiver takes from one peer at once: an OFFER or DATA for
   * another packet is refused (logged, no HAVE; the sender offers it again
   * later) so a neighbour cannot fill the spool with empty partials.
   */
  partialsPerPeerMax: 16,
  /** A partial that saw nothing for this long no longer counts against its peer's limit. */
  partialIdleMs: 10 * 60_000,
  /** Largest message a node accepts from the broker (MQTT 5 maximum packet size we announce). */
  incomingMessageBytesMax: 4 * 1024 * 1024 + 64 * 1024,
  /** Bytes kept free below the broker's maximum packet size for the header and topic. */
  messageOverheadBytes: 1024,
  /** QoS 1 messages the broker may have in flight to us (MQTT 5 receive maximum). */
  receiveMaximum: 32,
  /** Sender: wait this long for a HAVE after its chunks reached the broker. */
  haveWaitMs: 10_000,
  /** Sender: rounds (OFFER, then chunks) that bring no progress before a packet is put aside. */
  stalledRoundsMax: 3,
  /** Sender: a put-aside packet is tried again after this long. */
  deferMs: 60_000,
  /** Sender: a small packet sent to a present peer is sent again when no ACK came in this long. */
  ackWaitMs: 30_000,
  /** Sender: how often the outgoing queue is listed again when nothing woke the sender. */
  txScanMs: 1_000,
  /** Connection: first pause after a failure; doubles up to {@linkcode mqttLimits.retryMsMax}. */
  retryMsMin: 1_000,
  retryMsMax: 60_000,
  /** Connection: give up a connection attempt after this long. */
  connectTimeoutMs: 30_000,
  /** Connection: MQTT keepalive. */
  keepaliveSec: 30,
  /** How often the status file is rewritten while connected. */
  statusEveryMs: 5_000,
  /** Longest password file read. */
  passwordFileBytesMax: 4096,
} as const;
