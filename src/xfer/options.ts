/**
 * What an xfer run may do and what it did: options, limits on hostile
 * media, and the summary counts.
 * @module
 */

import type { Neighbour } from "../config/mod.ts";

/** Limits on what a medium may hold; everything on it is hostile input. */
export interface XferLimits {
  /** Packets larger than this are skipped. */
  packetBytesMax: number;
  /** Folder entries looked at per folder before giving up on the rest. */
  entriesMax: number;
  /** Largest file the medium can hold (FAT32: 4 GiB - 1). */
  mediumFileBytesMax: number;
}

/** Defaults: 64 GiB packets, 100,000 entries per folder, no file size limit. */
export const XFER_DEFAULTS: XferLimits = {
  packetBytesMax: 64 * 2 ** 30,
  entriesMax: 100_000,
  mediumFileBytesMax: Number.MAX_SAFE_INTEGER,
};

/** Skipped files logged as warnings per run; the rest are counted in one line (and logged at debug). */
export const skipWarningsMax = 20;

/** Files at least this big are checked for holes (a sparse file is not a packet). */
export const sparseCheckBytesMin = 1024 * 1024;

/** FAT32's largest file. */
export const fat32FileBytesMax = 2 ** 32 - 1;

/** Options of an xfer run. */
export interface XferOptions {
  rx: boolean;
  tx: boolean;
  /** Create `DIR/<node>` folders for neighbours that have none. */
  mkdir: boolean;
  /** Keep copied packets at their source (medium on rx, spool on tx). */
  keep: boolean;
  /** Only these neighbours. */
  nodes?: Neighbour[];
  /** Only packets at most this nice. */
  niceMax?: number;
  /** Free space to leave on the medium. */
  mediumReserveBytes?: number;
  limits?: Partial<XferLimits>;
  signal?: AbortSignal;
  /** Draw progress bars (default: when standard error is a terminal). */
  progress?: boolean;
  /**
   * Called for each candidate file on receive; returning false leaves it for
   * a later run (sync folders use this to skip files still being written).
   */
  accept?: (path: string, info: Deno.FileInfo) => boolean;
  /** Called for each received file whose bytes do not hash to its name. */
  rejected?: (path: string, info: Deno.FileInfo) => void;
  /**
   * The device number (`st_dev`) of the medium `dir` is on (default: the
   * one it is on when the run starts): every write and removal first checks
   * the folder is still there, and the run stops with `MediumGoneError`
   * when it is not.
   */
  device?: number;
  /**
   * Log (once per run) when copies cannot be read back from the medium
   * itself (default true; a caller that said so already passes false).
   */
  logReadBackNote?: boolean;
  /**
   * Called after a copy is fsynced and renamed, before its cached pages are
   * dropped and it is read back: the moment a failing medium loses what was
   * written (tests change the medium's bytes here, behind the page cache).
   */
  beforeReadBack?: (path: string) => Promise<void>;
}

/** What an xfer run did. */
export interface XferSummary {
  received: number;
  receivedBytes: number;
  sent: number;
  sentBytes: number;
  /** Files left alone (not packets, for others, seen, too big, no room...). */
  skipped: number;
  /** Copies that failed (bad id, read error); the source is untouched. */
  failed: number;
  /** Packets not sent for lack of room on the medium. */
  noRoom: number;
  /** Copies whose read-back could not reach the medium itself (see `readBackNote`). */
  readBackFromMemory: number;
  /** Why read-backs came from memory (tmpfs, FUSE...), from the first such copy; null when none. */
  readBackNote: string | null;
}

/** A summary with every count at zero. */
export function emptySummary(): XferSummary {
  return {
    received: 0,
    receivedBytes: 0,
    sent: 0,
    sentBytes: 0,
    skipped: 0,
    failed: 0,
    noRoom: 0,
    readBackFromMemory: 0,
    readBackNote: null,
  };
}

/** The entries of `dir`, at most `max` of them (`onOverflow` is told when there were more). */
export async function* boundedDir(
  dir: string,
  max: number,
  onOverflow: () => void,
): AsyncGenerator<Deno.DirEntry> {
  let n = 0;
  for await (const e of Deno.readDir(dir)) {
    if (++n > max) {
      onOverflow();
      return;
    }
    yield e;
  }
}
