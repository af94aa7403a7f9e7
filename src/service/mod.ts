/**
 * Running ferry as a systemd service: the folders its configuration makes it
 * write to, as a drop-in for `ferry-agent.service`.
 * @module
 */

export * from "./writable_paths.ts";
