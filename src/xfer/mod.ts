/**
 * Exchanging packets with folders in NNCP's media layout.
 * @module
 */

export * from "./xfer.ts";
export { copyWithId, filesEqual, idOfFile } from "./copy.ts";
