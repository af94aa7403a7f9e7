/**
 * Every size and time limit of NNCP's online protocol in one place, units
 * last. The wire sizes are NNCP 8.8.2's (`MaxSPSize`, the 1<<17 read limit,
 * the 10 s deadline, the one-minute ping); the rest are ferry's bounds on
 * what one session may hold.
 *
 * @example
 * ```ts
 * import { spFileChunkBytes, spPayloadBytesMax } from "./limits.ts";
 * console.assert(spFileChunkBytes < spPayloadBytesMax);
 * ```
 * @module
 */

/** Largest plaintext SP payload (one Noise transport message): 2^16 − 256. */
export const spPayloadBytesMax = 65536 - 256;
/** Bytes of an SP packet head (the u32 type). */
export const spHeadBytes = 4;
/** Bytes of a FILE packet without its data: hash, offset, data length. */
export const spFileOverheadBytes = 32 + 8 + 4;
/** Bytes of file data in one FILE packet, so head + FILE fits one payload. */
export const spFileChunkBytes = spPayloadBytesMax - spHeadBytes - spFileOverheadBytes;
/** Bytes of an outgoing packet read at once (16 FILE chunks). */
export const spReadAheadBytes = 16 * spFileChunkBytes;
/** Bytes moved between two young-generation collections (when the runtime allows them). */
export const spGcIntervalBytes = 4 * 1024 * 1024;
/** Largest envelope payload accepted from a peer (NNCP reads at most 1<<17 per envelope). */
export const spEnvelopeBytesMax = 1 << 17;
/** Bytes of the envelope before its payload: magic and length. */
export const spEnvelopeHeadBytes = 8 + 4;
/** Time for the peer's handshake message to arrive, and for ours to be written. */
export const spHandshakeTimeoutMs = 10_000;
/** Time one envelope may take to arrive once its first byte is here. */
export const spEnvelopeReadTimeoutMs = 60_000;
/** Time one envelope may take to be written (a stalled peer ends the session). */
export const spWriteTimeoutMs = 60_000;
/** Send a PING when nothing was sent for this long. */
export const spPingIntervalMs = 60_000;
/** End the session when nothing at all arrived for this long. */
export const spRxSilenceMaxMs = 2 * spPingIntervalMs;
/** Default online deadline: end when neither side sent anything but PINGs for this long. */
export const spOnlineDeadlineDefaultSec = 10;
/** How often the outgoing queue is rescanned for new packets, and deadlines checked. */
export const spTickMs = 1_000;
/** INFOs a peer may announce in one session (each costs a map entry). */
export const spInfosTheirMax = 100_000;
/** FREQs a peer may have queued at once. */
export const spFreqQueueMax = 100_000;
/** Replies (INFO/FREQ/DONE packets) waiting to be sent, at most. */
export const spReplyQueueMax = 200_000;
/** Bytes received into a partial between two durable checkpoints. */
export const spCheckpointBytes = 64 * 1024 * 1024;
/** Concurrent sessions a daemon serves by default (NNCP's `-maxconn`). */
export const spDaemonConnMaxDefault = 128;
/** Upper bound for `--maxconn`. */
export const spDaemonConnMax = 4096;
/** Time a daemon waits for its sessions to end after it was told to stop. */
export const spDaemonDrainTimeoutMs = 15_000;
/** Default TCP port of the daemon. */
export const spDefaultPort = 5400;

/** Checks the limits against each other (run at session start). */
export function checkSpLimits(): void {
  if (spHeadBytes + spFileOverheadBytes + spFileChunkBytes !== spPayloadBytesMax) {
    throw new Error("SP FILE chunk does not fill one payload");
  }
  if (spPayloadBytesMax + 16 + spEnvelopeHeadBytes > spEnvelopeBytesMax) {
    throw new Error("SP payload does not fit one envelope");
  }
  if (spRxSilenceMaxMs <= spPingIntervalMs) throw new Error("SP silence limit below ping");
}
