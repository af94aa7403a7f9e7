/**
 * Media and sync folders: running ferry's exchange on mounted media and on
 * folders that other tools keep in sync.
 * @module
 */

export * from "./session.ts";
export * from "./sync_folder.ts";
export * from "./service.ts";
