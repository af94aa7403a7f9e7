/**
 * Filesystem labels of mounted devices. The fast path reads udev's
 * `/dev/disk/by-label/` symlinks and matches each against the device (same
 * real path, or same major:minor). When that folder is absent or has no
 * entry for the device (containers, systems without udev), it asks
 * `blkid -o value -s LABEL DEV`, bounded by a timeout.
 *
 * @example
 * ```ts ignore
 * import { systemLabelResolver } from "./label.ts";
 * const labelOf = systemLabelResolver();
 * console.log(await labelOf({ source: "/dev/sda1", majorMinor: "8:1" }));
 * ```
 * @module
 */

import { type Logger, silentLogger } from "../log.ts";

/** Finds the label of the filesystem on a device; `undefined` when it has none or it cannot tell. */
export type LabelResolver = (
  device: { source: string; majorMinor: string },
) => Promise<string | undefined>;

/** Most `/dev/disk/by-label/` entries looked at per lookup. */
export const byLabelEntriesMax = 1024;
/** How long `blkid` may take before it is killed, in milliseconds. */
export const blkidTimeoutMs = 3000;
/** Longest label accepted, in bytes (ext4 allows 16, FAT 11, others more). */
const labelBytesMax = 255;

/** Options for {@linkcode systemLabelResolver}. */
export interface LabelResolverOptions {
  /** Folder of label symlinks. Default `/dev/disk/by-label`. */
  byLabelDir?: string;
  /** `blkid` program, or `null` to never run it. Default `blkid`. */
  blkid?: string | null;
  /** Default {@linkcode blkidTimeoutMs}. */
  timeoutMs?: number;
  log?: Logger;
}

/** Decodes udev's `\xHH` escapes in a by-label entry name. */
export function decodeUdevName(name: string): string {
  if (!name.includes("\\x")) return name;
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const hex = name.slice(i + 2, i + 4);
    if (name.startsWith("\\x", i) && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      bytes.push(...new TextEncoder().encode(name[i]!));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** `major:minor` of a Linux `st_rdev` value (glibc's encoding). */
export function rdevMajorMinor(rdev: number): string {
  const dev = BigInt(rdev);
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

async function realPathOr(path: string): Promise<string | undefined> {
  try {
    return await Deno.realPath(path);
  } catch {
    return undefined;
  }
}

async function fromByLabel(
  dir: string,
  device: { source: string; majorMinor: string },
): Promise<string | undefined> {
  const wanted = await realPathOr(device.source);
  let seen = 0;
  for await (const entry of Deno.readDir(dir)) {
    if (++seen > byLabelEntriesMax) return undefined;
    const path = `${dir}/${entry.name}`;
    if (wanted !== undefined && (await realPathOr(path)) === wanted) {
      return decodeUdevName(entry.name);
    }
    try {
      const info = await Deno.stat(path);
      if (
        info.isBlockDevice && info.rdev !== null && rdevMajorMinor(info.rdev) === device.majorMinor
      ) {
        return decodeUdevName(entry.name);
      }
    } catch {
      // a dangling link: the device went away
    }
  }
  return undefined;
}

async function fromBlkid(
  blkid: string,
  source: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const out = await new Deno.Command(blkid, {
    args: ["-c", "/dev/null", "-o", "value", "-s", "LABEL", "--", source],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  if (out.code !== 0 || out.stdout.length === 0 || out.stdout.length > labelBytesMax + 1) {
    return undefined; // exit 2: no label; killed: too slow
  }
  return new TextDecoder().decode(out.stdout).replace(/\n$/, "");
}

/** The label lookup used on real systems: by-label symlinks first, then `blkid`. */
export function systemLabelResolver(options: LabelResolverOptions = {}): LabelResolver {
  const dir = options.byLabelDir ?? "/dev/disk/by-label";
  const blkid = options.blkid === undefined ? "blkid" : options.blkid;
  const timeoutMs = options.timeoutMs ?? blkidTimeoutMs;
  const log = options.log ?? silentLogger;
  let blkidMissing = false;
  return async (device) => {
    if (!device.source.startsWith("/dev/")) return undefined;
    try {
      const label = await fromByLabel(dir, device);
      if (label !== undefined) return label;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) {
        log.warn("media-label-dir-unreadable", { dir, error: (err as Error).message });
      }
    }
    if (blkid === null || blkidMissing) return undefined;
    try {
      return await fromBlkid(blkid, device.source, timeoutMs);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        blkidMissing = true;
        log.warn("media-blkid-missing", { program: blkid, hint: "install util-linux for labels" });
      } else {
        log.warn("media-blkid-failed", { device: device.source, error: (err as Error).message });
      }
      return undefined;
    }
  };
}
