/**
 * A strict parser of `/proc/self/mountinfo` lines (see proc(5)):
 *
 * ```text
 * 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 * (1)(2) (3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
 * ```
 *
 * mount id, parent id, major:minor, root, mount point, mount options, zero or
 * more optional fields, the "-" separator, filesystem type, source and super
 * options. The kernel escapes space, tab, newline and backslash in paths as
 * octal (`\040`, `\011`, `\012`, `\134`); those are decoded. Anything else out
 * of shape is a {@linkcode MountinfoSyntaxError} naming the line and field.
 *
 * @example
 * ```ts
 * import { parseMountinfoLine } from "./mountinfo.ts";
 * const m = parseMountinfoLine("42 27 0:39 / /media/my\\040stick rw,relatime - tmpfs none rw", 1);
 * console.assert(m.mountPoint === "/media/my stick" && m.fsType === "tmpfs");
 * ```
 * @module
 */

/** One mount as the kernel describes it. */
export interface MountEntry {
  /** Unique id of the mount (the kernel may reuse it after an unmount). */
  mountId: number;
  /** Id of the parent mount (itself for the root of the tree). */
  parentId: number;
  /** `major:minor` of the device holding the filesystem (`st_dev`). */
  majorMinor: string;
  /** The folder of the filesystem that forms this mount's root (`/` unless a bind mount). */
  root: string;
  /** Where the mount is, relative to the process's root. */
  mountPoint: string;
  /** Per-mount options (`rw`, `nosuid`, `relatime`, ...). */
  options: string[];
  /** Propagation fields (`shared:1`, `master:2`, `propagate_from:3`, `unbindable`). */
  optionalFields: string[];
  /** Filesystem type, with a subtype when there is one (`fuse.sshfs`). */
  fsType: string;
  /** Filesystem-specific source (`/dev/sda1`, `none`); may be empty. */
  source: string;
  /** Per-superblock options. */
  superOptions: string[];
}

/** A mountinfo line that is not in the shape proc(5) describes. */
export class MountinfoSyntaxError extends SyntaxError {
  /** 1-based number of the offending line. */
  readonly line: number;
  constructor(line: number, message: string) {
    super(`Cannot parse mountinfo line ${line}: ${message}`);
    this.name = "MountinfoSyntaxError";
    this.line = line;
  }
}

/** Longest mountinfo line accepted, in bytes (two escaped PATH_MAX paths would not fit: such mounts are skipped). */
export const mountinfoLineBytesMax = 16384;

/** Largest mount id or parent id accepted (ids are 31-bit in the kernel). */
const idMax = 0x7fffffff;
const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * Decodes the kernel's octal escapes (`\040` and friends) in one field.
 * Throws a `SyntaxError` for a backslash not followed by three octal digits,
 * or when the decoded bytes are not UTF-8.
 */
export function decodeMountinfoField(field: string): string {
  if (!field.includes("\\")) return field;
  const bad = /\\(?![0-3][0-7]{2})(.{0,3})/s.exec(field);
  if (bad) {
    throw new SyntaxError(`bad escape "\\${bad[1]}" (the kernel writes \\ooo octal escapes)`);
  }
  // The kernel only escapes ASCII (space, tab, newline, backslash): decode
  // those as characters; anything above 0x7f goes through the bytes.
  if (!/\\[23]/.test(field)) {
    return field.replace(
      /\\([0-7]{3})/g,
      (_, oct: string) => String.fromCharCode(parseInt(oct, 8)),
    );
  }
  const bytes: number[] = [];
  const text = encoder.encode(field);
  for (let i = 0; i < text.length; i++) {
    if (text[i] === 0x5c) {
      bytes.push(parseInt(String.fromCharCode(text[i + 1]!, text[i + 2]!, text[i + 3]!), 8));
      i += 3;
    } else bytes.push(text[i]!);
  }
  try {
    return decoder.decode(new Uint8Array(bytes));
  } catch {
    throw new SyntaxError("escaped bytes are not UTF-8");
  }
}

function parseId(text: string, what: string, line: number): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > idMax) {
    throw new MountinfoSyntaxError(line, `${what} ${JSON.stringify(text)} is not a mount id`);
  }
  return Number(text);
}

function parseOptions(text: string, what: string, line: number): string[] {
  const list = text.split(",");
  if (text === "" || list.some((o) => o === "")) {
    throw new MountinfoSyntaxError(line, `${what} ${JSON.stringify(text)} has an empty option`);
  }
  return list.map((o) => decodeField(o, what, line));
}

function decodeField(text: string, what: string, line: number): string {
  try {
    return decodeMountinfoField(text);
  } catch (err) {
    throw new MountinfoSyntaxError(line, `${what}: ${(err as Error).message}`);
  }
}

/**
 * Parses one mountinfo line (without its newline). `line` is its 1-based
 * number, used in errors. Throws {@linkcode MountinfoSyntaxError}.
 */
export function parseMountinfoLine(text: string, line: number): MountEntry {
  if (text.length > mountinfoLineBytesMax) {
    throw new MountinfoSyntaxError(line, `longer than ${mountinfoLineBytesMax} bytes`);
  }
  if (/[\n\r\t\0]/.test(text)) {
    throw new MountinfoSyntaxError(line, "contains a raw control character");
  }
  const fields = text.split(" ");
  const sep = fields.indexOf("-", 6);
  if (sep < 0) {
    throw new MountinfoSyntaxError(line, 'expected 6 fields, optional fields, "-", then 3 fields');
  }
  if (fields.length - sep !== 4) {
    throw new MountinfoSyntaxError(
      line,
      `expected 3 fields after "-", found ${fields.length - sep - 1}`,
    );
  }
  const [id, parent, majorMinor, root, mountPoint, options] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!/^\d{1,10}:\d{1,10}$/.test(majorMinor)) {
    throw new MountinfoSyntaxError(line, `major:minor ${JSON.stringify(majorMinor)} is malformed`);
  }
  const optionalFields = fields.slice(6, sep);
  for (const f of optionalFields) {
    if (!/^[a-z_]{1,32}(:\d{1,10})?$/.test(f)) {
      throw new MountinfoSyntaxError(line, `optional field ${JSON.stringify(f)} is malformed`);
    }
  }
  const fsType = fields[sep + 1]!;
  if (!/^[A-Za-z0-9_.+-]{1,64}$/.test(fsType)) {
    throw new MountinfoSyntaxError(line, `filesystem type ${JSON.stringify(fsType)} is malformed`);
  }
  if (root === "" || mountPoint === "") {
    throw new MountinfoSyntaxError(line, "root or mount point is empty");
  }
  const decodedMountPoint = decodeField(mountPoint, "mount point", line);
  if (!decodedMountPoint.startsWith("/")) {
    throw new MountinfoSyntaxError(line, `mount point ${JSON.stringify(mountPoint)} is relative`);
  }
  return {
    mountId: parseId(id, "mount id", line),
    parentId: parseId(parent, "parent id", line),
    majorMinor,
    root: decodeField(root, "root", line),
    mountPoint: decodedMountPoint,
    options: parseOptions(options, "mount options", line),
    optionalFields,
    fsType,
    source: decodeField(fields[sep + 2]!, "source", line),
    superOptions: parseOptions(fields[sep + 3]!, "super options", line),
  };
}
