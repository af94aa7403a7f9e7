/**
 * Hjson, the configuration format of NNCP and ferry: {@linkcode parseHjson}
 * reads it as the reference parser does (with named limits), and
 * {@linkcode stringifyHjson} writes values back as Hjson NNCP reads.
 * @module
 */

export { HJSON_LIMITS, HjsonError, hjsonNumber, parseHjson } from "./parse.ts";
export type { HjsonParseOptions } from "./parse.ts";
export { stringifyHjson } from "./stringify.ts";
export type { HjsonStringifyOptions } from "./stringify.ts";
