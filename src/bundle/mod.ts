/**
 * NNCP bundles (`nncp-bundle` streams): writing entries and reading them
 * back with resynchronisation after damage.
 * @module
 */

export * from "./codec.ts";
export { blockBytes, bundlePrefix, TarHeaderError } from "./ustar.ts";
export * from "./spool_bundle.ts";
