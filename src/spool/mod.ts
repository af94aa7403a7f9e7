/**
 * The spool: NNCP's on-disk queues, shared with the nncp-* tools.
 * @module
 */

export * from "./spool.ts";
export * from "./header.ts";
export * from "./stat.ts";
