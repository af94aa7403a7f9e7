/**
 * The agent: ferry's long-running service.
 * @module
 */

export * from "./agent.ts";
export * from "./status.ts";
export * from "./schedule.ts";
export * from "./sweep.ts";
