/**
 * The partial-packet side of the plain-directory store: `ID.part` holds
 * received bytes at their offsets, `ID.state` the resume state (JSON,
 * replaced atomically after the data is synced). Commit verifies the id,
 * then renames the part into the inbound folder and syncs both folders.
 *
 * State file: `{"v":1,"size":N,"fragBytes":F,"doneBytes":D,"bitmap":"16 hex digits"}`.
 * A state file that does not parse or disagrees with the part file is
 * logged and the packet restarts from zero.
 * @module
 */

import type { Logger } from "../log/logger.ts";
import type { PartialPacket, ResumeState, VerifyId } from "./contract.ts";
import { fsyncDir, writeFileAtomic } from "../fsutil/mod.ts";
import { crashPoint } from "../fsutil/crash_point.ts";

/** Where and what {@linkcode openPartial} opens. */
export interface PartialOptions {
  stateDir: string;
  inboundDir: string;
  id: string;
  size: number;
  verifyId: VerifyId;
  log: Logger;
  /** NNCP's `.part` semantics: see `IncomingOptions.partLengthIsDone` in `contract.ts`. */
  partLengthIsDone?: boolean;
  /** Writes with `writeSync`: see `IncomingOptions.writeInline` in `contract.ts`. */
  writeInline?: boolean;
}

/** The fragment size recorded for a partial taken over from its length alone. */
export const partLengthFragBytes = 65536;

/** Opens or resumes the partial of an inbound packet. */
export async function openPartial(o: PartialOptions): Promise<PartialPacket> {
  if (!Number.isSafeInteger(o.size) || o.size < 1) {
    throw new RangeError(`Packet size must be a positive whole number, got ${o.size}`);
  }
  await Deno.mkdir(o.stateDir, { recursive: true });
  const partPath = `${o.stateDir}/${o.id}.part`;
  const statePath = `${o.stateDir}/${o.id}.state`;
  let resume = await readState(statePath, o.log);
  if (resume && resume.size !== o.size) {
    o.log.info("link-partial-size-changed", { id: o.id, was: resume.size, now: o.size });
    resume = null;
  }
  const file = await Deno.open(partPath, { read: true, write: true, create: true });
  const length = (await file.stat()).size;
  if (resume && length < resume.doneBytes) {
    o.log.warn("link-partial-short", { id: o.id, bytes: length, state: resume.doneBytes });
    resume = null;
  }
  if (o.partLengthIsDone) {
    resume = await adoptPartLength(o, file, length, resume, statePath);
  } else if (!resume) {
    await file.truncate(0);
    await Deno.remove(statePath).catch(ignoreNotFound);
  } else if (length > o.size) {
    await file.truncate(o.size);
  }
  let closed = false;
  const release = () => {
    if (!closed) file.close();
    closed = true;
  };
  return {
    resume,
    async write(offset: number, bytes: Uint8Array): Promise<void> {
      if (offset < 0 || offset + bytes.length > o.size) {
        throw new RangeError(`Write of ${bytes.length} bytes at ${offset} is outside ${o.size}`);
      }
      let written = 0;
      if (o.writeInline) {
        file.seekSync(offset, Deno.SeekMode.Start);
        while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
        return;
      }
      await file.seek(offset, Deno.SeekMode.Start);
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    },
    async persist(state: ResumeState): Promise<void> {
      await file.syncData();
      await writeFileAtomic(statePath, new TextEncoder().encode(encodeState(state)));
      crashPoint("store.persisted");
    },
    async commit(checkedId?: string): Promise<boolean> {
      await file.syncData();
      const size = (await file.stat()).size;
      release();
      const ok = size === o.size &&
        (checkedId !== undefined ? checkedId === o.id : await o.verifyId(partPath, o.id));
      if (!ok) {
        o.log.warn("link-packet-bad-id", { id: o.id, bytes: size, size: o.size });
        await Deno.remove(partPath).catch(ignoreNotFound);
        await Deno.remove(statePath).catch(ignoreNotFound);
        await fsyncDir(o.stateDir);
        return false;
      }
      crashPoint("store.verified");
      await Deno.mkdir(o.inboundDir, { recursive: true });
      const finalPath = `${o.inboundDir}/${o.id}`;
      const exists = await Deno.stat(finalPath).then(() => true, () => false);
      if (exists) await Deno.remove(partPath);
      else await Deno.rename(partPath, finalPath);
      await fsyncDir(o.inboundDir);
      crashPoint("store.committed");
      await Deno.remove(statePath).catch(ignoreNotFound);
      await fsyncDir(o.stateDir);
      return true;
    },
    async close(): Promise<void> {
      if (closed) return;
      // With NNCP's semantics a part that never received a byte leaves nothing behind.
      const empty = o.partLengthIsDone === true && (await file.stat()).size === 0;
      release();
      if (empty) {
        await Deno.remove(partPath).catch(ignoreNotFound);
        await Deno.remove(statePath).catch(ignoreNotFound);
      }
    },
  };
}

/**
 * Removes what a partial of `id` left in `stateDir` (its part and state
 * files), for a packet that is already complete elsewhere.
 */
export async function discardPartial(stateDir: string, id: string): Promise<void> {
  await Deno.remove(`${stateDir}/${id}.part`).catch(ignoreNotFound);
  await Deno.remove(`${stateDir}/${id}.state`).catch(ignoreNotFound);
}

/**
 * NNCP's view of a part file: its length is what was received. A resume
 * state, when there is one, is the durable point: the part is cut back to
 * it, then the state is removed so that the length alone counts from here on.
 */
async function adoptPartLength(
  o: PartialOptions,
  file: Deno.FsFile,
  length: number,
  resume: ResumeState | null,
  statePath: string,
): Promise<ResumeState | null> {
  let done = length;
  if (resume) done = resume.doneBytes;
  if (done > o.size) {
    o.log.warn("link-partial-too-long", { id: o.id, bytes: done, size: o.size });
    done = 0;
  }
  if (done !== length) await file.truncate(done);
  if (resume) await Deno.remove(statePath).catch(ignoreNotFound);
  if (done === 0) return null;
  return {
    size: o.size,
    fragBytes: resume?.fragBytes ?? partLengthFragBytes,
    doneBytes: done,
    bitmap: new Uint8Array(8),
  };
}

/** Renders a resume state as its JSON text. */
export function encodeState(state: ResumeState): string {
  const bitmap = [...state.bitmap].map((b) => b.toString(16).padStart(2, "0")).join("");
  return JSON.stringify({
    v: 1,
    size: state.size,
    fragBytes: state.fragBytes,
    doneBytes: state.doneBytes,
    bitmap,
  }) + "\n";
}

/** Parses a resume state; returns null (and logs) when the text is not a valid state. */
export function decodeState(text: string, log: Logger, path: string): ResumeState | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    log.warn("link-partial-bad-state", { path, reason: "not JSON" });
    return null;
  }
  const v = value as Record<string, unknown>;
  const whole = (x: unknown) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
  if (
    typeof v !== "object" || v === null || v.v !== 1 || !whole(v.size) || !whole(v.fragBytes) ||
    !whole(v.doneBytes) || typeof v.bitmap !== "string" || !/^[0-9a-f]{16}$/.test(v.bitmap) ||
    (v.fragBytes as number) < 1 || (v.doneBytes as number) > (v.size as number)
  ) {
    log.warn("link-partial-bad-state", { path, reason: "fields out of range" });
    return null;
  }
  const hex = v.bitmap as string;
  const bitmap = new Uint8Array(8);
  for (let i = 0; i < 8; i++) bitmap[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return {
    size: v.size as number,
    fragBytes: v.fragBytes as number,
    doneBytes: v.doneBytes as number,
    bitmap,
  };
}

async function readState(path: string, log: Logger): Promise<ResumeState | null> {
  try {
    return decodeState(await Deno.readTextFile(path), log, path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof Deno.errors.NotFound)) throw err;
}
