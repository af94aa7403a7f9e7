/**
 * Exchanging packets with folders in NNCP's media layout.
 * @module
 */

export * from "./xfer.ts";
export { copyWithId, idOfFile } from "./copy.ts";
