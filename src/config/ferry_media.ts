/**
 * The `ferry.media` and `ferry.sync-folders` settings: which mounted media
 * ferry serves, what it writes to them, and which folders it keeps in step.
 *
 * ```hjson
 * media: {
 *   mounts: ["/media/ferry-*"]   # mount points (globs: * and ? within a name)
 *   labels: ["FERRY"]            # and/or filesystem labels
 *   marker: ".ferry"             # and/or a folder that must be on the medium
 *   nodes: ["house"]             # export packets for these (default: all neighbours)
 *   keep: false                  # keep exported packets until an ack comes back
 *   unmount: false               # unmount when done
 *   status-file: true            # write FERRY-STATUS.txt on the medium
 *   led: { led: "led0" }         # or { gpio: 17, active-low: false }
 * }
 * sync-folders: [ { path: "/srv/sync/ferry", nodes: ["house"], interval-sec: 30, settle-sec: 10 } ]
 * ```
 * @module
 */

import { type IssueList, joinPath } from "./issues.ts";
import {
  isObj,
  type Obj,
  readAbsPath,
  readBool,
  readInt,
  readStr,
  readStrList,
  warnUnknownKeys,
} from "./read.ts";

/** An LED that shows media state. */
export type LedSettings = { kind: "led"; name: string } | {
  kind: "gpio";
  pin: number;
  activeLow: boolean;
};

/** Settings for USB media. */
export interface MediaSettings {
  mounts: string[];
  labels: string[];
  marker?: string;
  /** Neighbour names to export to; empty means all. */
  nodes: string[];
  keep: boolean;
  unmount: boolean;
  statusFile: boolean;
  led?: LedSettings;
}

/** A folder kept in step continuously. */
export interface SyncFolderSettings {
  path: string;
  nodes: string[];
  intervalSec: number;
  /** A file must be unchanged this long before it is imported. */
  settleSec: number;
  keep: boolean;
}

const MEDIA_KEYS = [
  "mounts",
  "labels",
  "marker",
  "nodes",
  "keep",
  "unmount",
  "status-file",
  "led",
] as const;
const SYNC_KEYS = ["path", "nodes", "interval-sec", "settle-sec", "keep"] as const;

function checkNodes(issues: IssueList, names: string[], at: string, known: Set<string>): void {
  names.forEach((n, i) => {
    if (!known.has(n)) {
      issues.error(
        joinPath(at, i),
        `names an unknown node ${JSON.stringify(n)}; known: ${[...known].join(", ")}`,
      );
    }
  });
}

/** Reads `ferry.media`. */
export function readMedia(
  issues: IssueList,
  section: Obj,
  known: Set<string>,
): MediaSettings | undefined {
  const raw = section["media"];
  if (raw === undefined) return undefined;
  const at = "ferry.media";
  if (!isObj(raw)) {
    issues.error(at, "must be an object { mounts: [...], ... }");
    return undefined;
  }
  warnUnknownKeys(issues, raw, at, MEDIA_KEYS, true);
  const out: MediaSettings = {
    mounts: readStrList(issues, raw, "mounts", at) ?? [],
    labels: readStrList(issues, raw, "labels", at) ?? [],
    nodes: readStrList(issues, raw, "nodes", at) ?? [],
    keep: readBool(issues, raw, "keep", at) ?? false,
    unmount: readBool(issues, raw, "unmount", at) ?? false,
    statusFile: readBool(issues, raw, "status-file", at) ?? true,
  };
  out.mounts.forEach((m, i) => {
    if (!m.startsWith("/")) {
      issues.error(
        joinPath(at, "mounts", i),
        `must be an absolute mount point pattern, not ${JSON.stringify(m)}`,
      );
    }
    if (m.includes("**")) {
      issues.error(joinPath(at, "mounts", i), "** is not supported; use * within one folder name");
    }
  });
  const marker = readStr(issues, raw, "marker", at);
  if (marker !== undefined) {
    if (!/^[^/\0]+$/.test(marker) || marker === "." || marker === "..") {
      issues.error(
        joinPath(at, "marker"),
        `must be one folder name, not ${JSON.stringify(marker)}`,
      );
    } else out.marker = marker;
  }
  if (out.mounts.length === 0 && out.labels.length === 0 && out.marker === undefined) {
    issues.error(at, "says nothing about which media to serve: give mounts, labels or marker");
  }
  checkNodes(issues, out.nodes, joinPath(at, "nodes"), known);
  const led = raw["led"];
  if (led !== undefined) {
    const lat = joinPath(at, "led");
    if (!isObj(led)) issues.error(lat, 'must be { led: "NAME" } or { gpio: PIN }');
    else {
      warnUnknownKeys(issues, led, lat, ["led", "gpio", "active-low"], true);
      const name = readStr(issues, led, "led", lat);
      const pin = readInt(issues, led, "gpio", lat, 0, 4095);
      if ((name === undefined) === (pin === undefined)) {
        issues.error(lat, 'give exactly one of led: "NAME" or gpio: PIN');
      } else if (name !== undefined) {
        if (!/^[\w:.-]+$/.test(name)) {
          issues.error(joinPath(lat, "led"), `is not an LED name: ${JSON.stringify(name)}`);
        } else out.led = { kind: "led", name };
      } else {out.led = {
          kind: "gpio",
          pin: pin!,
          activeLow: readBool(issues, led, "active-low", lat) ?? false,
        };}
    }
  }
  return out;
}

/** Reads `ferry.sync-folders`. */
export function readSyncFolders(
  issues: IssueList,
  section: Obj,
  known: Set<string>,
): SyncFolderSettings[] {
  const raw = section["sync-folders"];
  if (raw === undefined) return [];
  const at = "ferry.sync-folders";
  if (!Array.isArray(raw)) {
    issues.error(at, "must be a list [ { path: ... } ]");
    return [];
  }
  const out: SyncFolderSettings[] = [];
  raw.forEach((item, i) => {
    const iat = joinPath(at, i);
    if (!isObj(item)) return issues.error(iat, "must be an object { path: ..., nodes: [...] }");
    warnUnknownKeys(issues, item, iat, SYNC_KEYS, true);
    const path = readAbsPath(issues, item, "path", iat, true);
    const nodes = readStrList(issues, item, "nodes", iat) ?? [];
    checkNodes(issues, nodes, joinPath(iat, "nodes"), known);
    const intervalSec = readInt(issues, item, "interval-sec", iat, 1, 86400) ?? 30;
    const settleSec = readInt(issues, item, "settle-sec", iat, 0, 86400) ?? 10;
    if (path !== undefined) {
      out.push({
        path,
        nodes,
        intervalSec,
        settleSec,
        keep: readBool(issues, item, "keep", iat) ?? false,
      });
    }
  });
  return out;
}
