/**
 * File-system helpers shared by the spool, the media code and the queues:
 * durable writes, flock locks, free space, and reads that reach the device.
 * @module
 */

export * from "./atomic.ts";
export * from "./blocking.ts";
export * from "./lock.ts";
export * from "./page_cache.ts";
export * from "./space.ts";
export * from "./stale_temps.ts";
export * from "./owner.ts";
export * from "./os_errors.ts";
