/**
 * Advisory locks with `flock(2)`, the same locks NNCP and Filespooler take,
 * so ferry and those tools never work on the same folder at once.
 * @module
 */

import { isBlockingIo, openFile } from "./blocking.ts";

/** A held lock; release it with `unlock()`. */
export interface HeldLock {
  readonly path: string;
  unlock(): void;
}

function held(fd: Deno.FsFile, path: string): HeldLock {
  let locked = true;
  return {
    path,
    unlock() {
      if (!locked) return;
      locked = false;
      try {
        fd.unlockSync();
      } finally {
        fd.close();
      }
    },
  };
}

function openLockFile(path: string): Promise<Deno.FsFile> {
  return openFile(path, { read: true, write: true, create: true, mode: 0o666 });
}

/**
 * Takes an exclusive lock on `path` (created if missing) without waiting.
 * Returns `null` when another process holds it.
 */
export async function tryLockFile(path: string): Promise<HeldLock | null> {
  const fd = await openLockFile(path);
  let got: boolean;
  try {
    got = isBlockingIo() ? fd.tryLockSync(true) : await fd.tryLock(true);
  } catch (err) {
    fd.close();
    throw err;
  }
  if (!got) {
    fd.close();
    return null;
  }
  return held(fd, path);
}

/** Takes an exclusive lock on `path`, waiting for it. */
export async function lockFile(path: string): Promise<HeldLock> {
  const fd = await openLockFile(path);
  try {
    if (isBlockingIo()) fd.lockSync(true);
    else await fd.lock(true);
  } catch (err) {
    fd.close();
    throw err;
  }
  return held(fd, path);
}
