/**
 * Which mounted filesystems are ferry media. A {@linkcode MediaFilter} names
 * mount point patterns, filesystem labels and/or a marker folder; a mount is
 * a medium when it passes every criterion that is given (any pattern, any
 * label). Pseudo filesystems (proc, sysfs, cgroup, ...) and the root are
 * never media.
 *
 * @example
 * ```ts
 * import { checkMediaFilter, globToRegExp } from "./filter.ts";
 * checkMediaFilter({ mountPoints: ["/media/*"], marker: ".ferry" });
 * console.assert(globToRegExp("/mnt/ferry*").test("/mnt/ferry2"));
 * console.assert(!globToRegExp("/media/*").test("/media/a/b"));
 * ```
 * @module
 */

/** What makes a mounted filesystem a ferry medium. */
export interface MediaFilter {
  /**
   * Absolute mount point patterns: `*` matches any run of characters except
   * `/`, `?` one such character (`/media/*`, `/mnt/ferry*`).
   */
  mountPoints?: string[];
  /** Filesystem labels, compared exactly (FAT labels are usually upper case). */
  labels?: string[];
  /**
   * A folder that must exist at the top of the medium (`.ferry`, `NNCP`).
   * Checked with lstat: a symlink does not count. Checked once, when the
   * mount first appears.
   */
  marker?: string;
}

/** Most mount point patterns or labels in one filter. */
export const filterEntriesMax = 64;
/** Longest pattern, label or marker name, in characters. */
const filterTextMax = 255;

/** Filesystem types that are never removable media. */
export const pseudoFsTypes: ReadonlySet<string> = new Set([
  "autofs",
  "binfmt_misc",
  "bpf",
  "cgroup",
  "cgroup2",
  "configfs",
  "debugfs",
  "devpts",
  "devtmpfs",
  "efivarfs",
  "fusectl",
  "hugetlbfs",
  "mqueue",
  "nsfs",
  "proc",
  "pstore",
  "rpc_pipefs",
  "securityfs",
  "selinuxfs",
  "sysfs",
  "tracefs",
]);

/**
 * Turns a mount point pattern into an anchored regular expression. Throws a
 * `TypeError` for a pattern that is not absolute or has `**`.
 */
export function globToRegExp(pattern: string): RegExp {
  if (!pattern.startsWith("/") || pattern.length > filterTextMax) {
    throw new TypeError(
      `Mount point pattern ${JSON.stringify(pattern)} must be an absolute path ` +
        `of at most ${filterTextMax} characters, like "/media/*"`,
    );
  }
  if (pattern.includes("**")) {
    throw new TypeError(
      `Mount point pattern ${JSON.stringify(pattern)} uses "**": only "*" and "?" ` +
        `are supported, each within one folder name`,
    );
  }
  let re = "^";
  for (const ch of pattern) {
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(re.replace(/\/$/, "") + "/?$", "u");
}

/**
 * Checks a filter's shape. Throws a `TypeError` naming the bad entry, or
 * when no criterion is given (every mount would then be taken for a medium).
 */
export function checkMediaFilter(filter: MediaFilter): void {
  const { mountPoints = [], labels = [], marker } = filter;
  if (mountPoints.length === 0 && labels.length === 0 && marker === undefined) {
    throw new TypeError(
      "Media filter is empty: give mount point patterns, labels or a marker folder, " +
        "or every mounted filesystem would be taken for a medium",
    );
  }
  if (mountPoints.length > filterEntriesMax || labels.length > filterEntriesMax) {
    throw new RangeError(`Media filter lists more than ${filterEntriesMax} patterns or labels`);
  }
  for (const p of mountPoints) globToRegExp(p);
  for (const label of labels) {
    if (label === "" || label.length > filterTextMax || /[\0\n]/.test(label)) {
      throw new TypeError(`Media label ${JSON.stringify(label)} must be 1-255 characters`);
    }
  }
  if (marker !== undefined) {
    if (
      marker === "" || marker === "." || marker === ".." || marker.includes("/") ||
      marker.includes("\0") || marker.length > filterTextMax
    ) {
      throw new TypeError(
        `Marker folder ${JSON.stringify(marker)} must be one folder name, like ".ferry" or "NNCP"`,
      );
    }
  }
}

/**
 * True when `mountPoint/marker` is a real folder (not a symlink to one).
 * Missing, not a folder, or unreadable: false.
 */
export async function hasMarker(mountPoint: string, marker: string): Promise<boolean> {
  const path = mountPoint.endsWith("/") ? mountPoint + marker : `${mountPoint}/${marker}`;
  try {
    const info = await Deno.lstat(path);
    return info.isDirectory && !info.isSymlink;
  } catch {
    return false;
  }
}
