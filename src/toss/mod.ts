/**
 * Tossing: acting on received packets (files, exec, freq, transit, area,
 * ack) once they verified.
 * @module
 */

export * from "./toss.ts";
export { TossRefusal } from "./refusal.ts";
export { UnsafePathError } from "./paths.ts";
