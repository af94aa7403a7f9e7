/**
 * The folders ferry writes to, derived from its configuration: the spool,
 * the log's folder, every `incoming` (neighbours and areas), the queues, the
 * sync folders and the folders media are mounted under. The systemd unit
 * runs ferry with `ProtectSystem=strict`, so only these may be writable;
 * {@linkcode renderDropIn} writes them as a drop-in for `ferry-agent.service`.
 *
 * @example
 * ```ts ignore
 * const paths = writablePaths(config);
 * console.log(renderDropIn(paths, (p) => true));
 * ```
 * @module
 */

import type { Config } from "../config/mod.ts";

/** One folder ferry writes to, and why. */
export interface WritablePath {
  path: string;
  /** The configuration key it comes from. */
  from: string;
}

/** Where the drop-in goes. */
export const DROP_IN_PATH = "/etc/systemd/system/ferry-agent.service.d/ferry-paths.conf";

/** The unit's own writable folders (systemd/ferry-agent.service). */
export const UNIT_WRITABLE = ["/var/spool/ferry", "/var/lib/ferry", "/media"];

function parentOf(path: string): string {
  const i = path.replace(/\/+$/, "").lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** The fixed folder a mount glob lives in (`/media/ferry-*` → `/media`). */
function globRoot(pattern: string): string {
  const parts = pattern.split("/");
  const fixed: string[] = [];
  for (const part of parts) {
    if (/[*?[]/.test(part)) break;
    fixed.push(part);
  }
  const root = fixed.join("/") || "/";
  return root === pattern ? parentOf(pattern) : root;
}

/** Every folder the configuration makes ferry write to, without duplicates or nested repeats. */
export function writablePaths(config: Config): WritablePath[] {
  const out: WritablePath[] = [{ path: config.spool, from: "spool" }];
  if (config.log.startsWith("/")) out.push({ path: parentOf(config.log), from: "log" });
  for (const node of config.neigh.values()) {
    if (node.incoming) out.push({ path: node.incoming, from: `neigh.${node.name}.incoming` });
  }
  for (const area of config.areas.values()) {
    if (area.incoming) out.push({ path: area.incoming, from: `areas.${area.name}.incoming` });
  }
  config.ferry.queues.forEach((q, i) => out.push({ path: q.dir, from: `ferry.queues[${i}].dir` }));
  config.ferry.syncFolders.forEach((f, i) =>
    out.push({ path: f.path, from: `ferry.sync-folders[${i}].path` })
  );
  config.ferry.media?.mounts.forEach((m, i) =>
    out.push({ path: globRoot(m), from: `ferry.media.mounts[${i}]` })
  );
  return minimal(out);
}

/** Drops duplicates and paths inside another listed path (the outer one covers them). */
function minimal(paths: WritablePath[]): WritablePath[] {
  const clean = paths.map((p) => ({ ...p, path: p.path.replace(/\/+$/, "") || "/" }));
  const inside = (a: string, b: string) => a === b || a.startsWith(b === "/" ? "/" : `${b}/`);
  const out: WritablePath[] = [];
  for (const p of clean) {
    if (out.some((o) => inside(p.path, o.path))) continue;
    for (let i = out.length - 1; i >= 0; i--) if (inside(out[i]!.path, p.path)) out.splice(i, 1);
    out.push(p);
  }
  return out;
}

/** Quotes a path for a systemd unit file line when it holds spaces or quotes. */
function unitPath(path: string): string {
  return /[\s"'\\]/.test(path) ? `"${path.replace(/(["\\])/g, "\\$1")}"` : path;
}

/**
 * The drop-in text: one `ReadWritePaths=` line per folder, each with the key
 * it comes from. A folder that does not exist yet gets systemd's `-` prefix
 * (the unit would otherwise refuse to start) and a note to create it.
 */
export function renderDropIn(
  paths: WritablePath[],
  exists: (path: string) => boolean,
  configPath: string,
): string {
  const lines = [
    "# Written by `ferry systemd-dropin` from " + configPath + ".",
    "# The folders ferry writes to, on top of those in ferry-agent.service",
    "# (ProtectSystem=strict keeps everything else read-only). Write it again",
    "# after changing spool, log, incoming, queues, sync-folders or media.mounts.",
    "[Service]",
  ];
  for (const p of paths) {
    const missing = !exists(p.path);
    lines.push(`# ${p.from}${missing ? " (missing: create it, owned by ferry)" : ""}`);
    lines.push(`ReadWritePaths=${missing ? "-" : ""}${unitPath(p.path)}`);
  }
  return lines.join("\n") + "\n";
}
