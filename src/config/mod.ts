/**
 * ferry's configuration: NNCP's hjson file (`self`, `neigh`, `areas`,
 * `spool`, `log`, ...) plus ferry's own `ferry` section. Load it with
 * {@linkcode loadConfig}; make a new one with {@linkcode renderNewConfig}.
 * @module
 */

export * from "./types.ts";
export { loadConfig, parseConfig, parseConfigChecked } from "./load.ts";
export type { LoadOptions, LoadResult } from "./load.ts";
export { ConfigError } from "./issues.ts";
export type { ConfigIssue } from "./issues.ts";
export { FERRY_DEFAULTS } from "./ferry_section.ts";
export type { FerrySettings } from "./ferry_section.ts";
export { formatNiceness, NICE, parseNiceness } from "./niceness.ts";
export { areaIdOf, generateKeys, nodeIdOf } from "./identity.ts";
export { renderNewConfig, renderPubkeyStanza } from "./generate.ts";
export { findNode, nodeName, UnknownNodeError } from "./find.ts";
export type { CallSettings } from "./calls.ts";
export { checkOnlineAddr } from "./calls.ts";
export type { McdSend } from "./mcd.ts";
export type { CallOnAnnounceSettings, DaemonSettings } from "./ferry_online.ts";
export { daemonBindDefault, daemonMaxConnDefault } from "./ferry_online.ts";
export { addNeighbourText, parseStanza } from "./add_neighbour.ts";
