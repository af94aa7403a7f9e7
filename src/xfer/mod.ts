/**
 * Exchanging packets with folders in NNCP's media layout.
 * @module
 */

export * from "./xfer.ts";
export { copyPlain, copyWithId, idOfFile, readBack, readBackFromMedium } from "./copy.ts";
export { checkOnDevice, deviceOf, majorMinorOf, MediumGoneError } from "./medium.ts";
