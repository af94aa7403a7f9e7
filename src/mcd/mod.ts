/**
 * LAN discovery as NNCP does it (MCD): daemons announce themselves by
 * IPv6 link-local multicast, callers listen and call the announced address.
 * @module
 */

export * from "./codec.ts";
export * from "./book.ts";
export * from "./ifaces.ts";
export * from "./listener.ts";
export * from "./sender.ts";
