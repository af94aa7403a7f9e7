/**
 * Time rules: cron expressions as NNCP's `calls` write them.
 * @module
 */

export * from "./cron.ts";
