/**
 * Chunked files (`NAME.nncp.meta` + `NAME.nncp.chunkN`) put back together,
 * compatible with `nncp-reass`: by `ferry reass`, and by toss as soon as
 * the last piece of a file arrives.
 *
 * @example
 * ```ts
 * import { metaPathFor } from "./mod.ts";
 * console.assert(metaPathFor("/in/big.iso.nncp.chunk7") === "/in/big.iso.nncp.meta");
 * ```
 * @module
 */

export * from "./reassemble.ts";
export * from "./find.ts";
export * from "./auto.ts";
