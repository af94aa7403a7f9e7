/**
 * NNCP's online protocol (SP) for ferry: the Noise IK handshake, the SP
 * envelope and packets, and sessions over TCP, pipes and stdin/stdout that
 * exchange packets with NNCP 8.8.2 and with other ferry nodes.
 *
 * ```ts
 * import { padHandshake } from "./mod.ts";
 * console.assert(padHandshake(new Uint8Array(0)).length === 32640);
 * ```
 * @module
 */

export * from "./limits.ts";
export * from "./noise.ts";
export * from "./codec.ts";
export * from "./conn.ts";
export * from "./session.ts";
export * from "./call.ts";
export * from "./daemon.ts";
