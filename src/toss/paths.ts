/**
 * Where received files may go and which files may be requested. Packet
 * paths come from other machines and are hostile: absolute paths, `..`,
 * empty parts, NUL bytes and symlinks that leave the allowed folder are all
 * refused (NNCP itself only refuses absolute paths).
 * @module
 */

import { isNotFound } from "../fsutil/mod.ts";

/** Raised for a packet path that would leave its folder or is malformed. */
export class UnsafePathError extends Error {
  override name = "UnsafePathError";
}

/** Longest relative path accepted from a packet, in bytes. */
export const packetPathBytesMax = 255;

/**
 * Splits a relative path from a packet into safe parts.
 * @throws {UnsafePathError} naming what is wrong.
 */
export function safeRelativeParts(path: string): string[] {
  if (path.length === 0) throw new UnsafePathError("the path is empty");
  if (new TextEncoder().encode(path).length > packetPathBytesMax) {
    throw new UnsafePathError(`the path is longer than ${packetPathBytesMax} bytes`);
  }
  if (path.includes("\0")) throw new UnsafePathError("the path holds a NUL byte");
  if (path.startsWith("/")) {
    throw new UnsafePathError(`the path ${JSON.stringify(path)} is absolute`);
  }
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0) {
    throw new UnsafePathError(`the path ${JSON.stringify(path)} names no file`);
  }
  if (parts.some((p) => p === "..")) {
    throw new UnsafePathError(
      `the path ${JSON.stringify(path)} climbs out of its folder with ".."`,
    );
  }
  return parts;
}

/**
 * Resolves `path` inside `base` and checks, following every symlink among
 * the parts that exist, that the result is still inside `base`. A symlink
 * that leads nowhere is refused too (what it names could be created later).
 */
export function resolveInside(base: string, path: string): Promise<string> {
  // Read-only lookups the dentry cache answers, done synchronously: this runs
  // for every packet toss delivers, and a thread-pool round trip per part
  // would cost more than the lookups themselves.
  try {
    return Promise.resolve(resolveInsideSync(base, path));
  } catch (err) {
    return Promise.reject(err);
  }
}

function resolveInsideSync(base: string, path: string): string {
  const parts = safeRelativeParts(path);
  const realBase = Deno.realPathSync(base);
  let current = realBase;
  for (let i = 0; i < parts.length; i++) {
    const next = `${current}/${parts[i]}`;
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(next);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return [next, ...parts.slice(i + 1)].join("/"); // nothing below exists: no symlink either
    }
    if (!info.isSymlink) {
      current = next;
      continue;
    }
    try {
      current = Deno.realPathSync(next);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw new UnsafePathError(
        `the path ${JSON.stringify(path)} goes through a symlink that leads nowhere`,
      );
    }
    if (current !== realBase && !current.startsWith(realBase + "/")) {
      throw new UnsafePathError(
        `the path ${JSON.stringify(path)} leads outside ${base} through a symlink`,
      );
    }
  }
  return current;
}

/**
 * The name a received file gets: `dst`, or `dst.0`, `dst.1`, ... when it is
 * taken, as NNCP names collisions. Bounded by `collisionsMax`.
 */
export async function freeName(path: string, collisionsMax = 100_000): Promise<string> {
  let candidate = path;
  for (let i = 0; i <= collisionsMax; i++) {
    try {
      await Deno.lstat(candidate);
    } catch (err) {
      if (isNotFound(err)) return candidate;
      throw err;
    }
    candidate = `${path}.${i}`;
  }
  throw new UnsafePathError(`more than ${collisionsMax} files are already called ${path}.N`);
}
