/**
 * Delivering a received file into an incoming folder exactly once, even if
 * ferry is killed at any moment:
 *
 * 1. the payload is decrypted into `DIR/.ferry-<packet id>.tmp` (hidden,
 *    named after the packet, never seen as a finished file);
 * 2. once the packet verified, that file is fsynced and hard-linked to its
 *    final name (`NAME`, or `NAME.0`, `NAME.1`, ... as NNCP names collisions),
 *    and the folder fsynced;
 * 3. the `seen/` marker is written (holding the temporary path) and its
 *    folder fsynced, then the temporary link and the packet are removed
 *    (their folders are fsynced once at the end of the run).
 *
 * A restart after step 2 finds the temporary file with two links: the file
 * was delivered, so only step 3 is redone.
 * @module
 */

import { dirname, fsyncDir, isNotFound, syncFile, writeAll } from "../fsutil/mod.ts";
import type { PayloadSink } from "../packet/mod.ts";
import { resolveInside, safeRelativeParts, UnsafePathError } from "./paths.ts";
import { TossRefusal } from "./refusal.ts";
import { crashPoint } from "../fsutil/crash_point.ts";
import { linkFreeName as linkFree } from "../fsutil/free_name.ts";

/** Collision suffixes tried before giving up. */
export const collisionsMax = 10_000;

/** A file delivery in progress. */
export interface FileDelivery {
  /** Where the payload goes first. */
  tempPath: string;
  /** The sink to decrypt into (a no-op sink when the file was delivered before). */
  sink: PayloadSink;
  /** True when an earlier run already delivered this packet. */
  alreadyDelivered: boolean;
  /** After the sink committed: the final path the file got. */
  finalPath(): string | undefined;
}

/** Prepares the delivery of packet `packetId` as `dst` inside `incoming`. */
export async function prepareFileDelivery(
  incoming: string,
  dst: string,
  packetId: string,
): Promise<FileDelivery> {
  let parts: string[];
  try {
    parts = safeRelativeParts(dst);
  } catch (err) {
    throw new TossRefusal("rx-bad-path", (err as Error).message);
  }
  let target: string;
  try {
    target = await resolveInside(incoming, dst).catch(async (err) => {
      if (!isNotFound(err)) throw err;
      await Deno.mkdir(incoming, { recursive: true }); // the first file from this node
      return await resolveInside(incoming, dst);
    });
  } catch (err) {
    if (err instanceof UnsafePathError) throw new TossRefusal("rx-bad-path", err.message);
    throw err;
  }
  const dir = dirname(target);
  if (parts.length > 1) Deno.mkdirSync(dir, { recursive: true });
  const tempPath = `${dir}/.ferry-${packetId}.tmp`;
  const file = createTemp(tempPath);
  if (file === null) {
    return {
      tempPath,
      alreadyDelivered: true,
      sink: { write() {}, commit() {}, abort() {} },
      finalPath: () => undefined,
    };
  }
  let final: string | undefined;
  let open = true;
  const close = () => {
    if (open) file.close();
    open = false;
  };
  const sink: PayloadSink = {
    async write(chunk) {
      await writeAll(file, chunk);
    },
    async commit() {
      await syncFile(file);
      close();
      crashPoint("toss.file-synced");
      final = linkFreeName(tempPath, target);
      crashPoint("toss.file-linked");
      await fsyncDir(dir);
    },
    async abort() {
      close();
      await Deno.remove(tempPath).catch(() => {});
    },
  };
  return { tempPath, sink, alreadyDelivered: false, finalPath: () => final };
}

/**
 * Creates the temporary file of a delivery; null when it is there with a
 * second link (an earlier run delivered it). A leftover with one link (an
 * interrupted decryption) is replaced. The small metadata steps of a
 * delivery (here, the link and the unlink) are synchronous: toss does them
 * for every packet, and a thread-pool round trip each would cost more than
 * the steps; the fsyncs stay asynchronous.
 */
function createTemp(tempPath: string): Deno.FsFile | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return Deno.openSync(tempPath, { write: true, createNew: true, mode: 0o644 });
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    const info = Deno.lstatSync(tempPath);
    if (info.isFile && (info.nlink ?? 1) >= 2) return null;
    Deno.removeSync(tempPath, { recursive: info.isDirectory });
  }
  throw new Deno.errors.AlreadyExists(`${tempPath} keeps coming back; is another toss running?`);
}

/** Hard-links `from` to `to`, or `to.0`, `to.1`, ... whichever is free first. */
function linkFreeName(from: string, to: string): string {
  const name = linkFree(from, to, collisionsMax);
  if (name !== null) return name;
  throw new TossRefusal(
    "rx-name-taken",
    `more than ${collisionsMax} files are already called ${to}.N`,
  );
}

/**
 * Removes the temporary link of a finished delivery (a no-op when gone).
 * The folder is not fsynced here: toss syncs each touched folder once per
 * run (a lost unlink only brings back a hidden link the `seen/` note names).
 */
export function finishFileDelivery(tempPath: string): Promise<void> {
  try {
    Deno.removeSync(tempPath);
  } catch (err) {
    if (!isNotFound(err)) return Promise.reject(err);
  }
  return Promise.resolve();
}
