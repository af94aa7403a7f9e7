/**
 * The bookkeeping behind the media watcher: given successive snapshots of
 * the mount table, it says when a medium was inserted and when it went.
 *
 * A mount is known by its key (mount id + source + mount point) and is
 * judged once, when it first appears. Mounts of the same filesystem (same
 * major:minor, root and source) form one insertion: a second mount or a
 * remount of a medium that is already there is not a new insertion, and the
 * medium is removed only when its last mount is gone. A filesystem that is
 * unmounted and mounted again between two snapshots cannot be told apart
 * from one that stayed: polling sees states, not transitions.
 *
 * @example
 * ```ts
 * import { MediaTracker } from "./tracker.ts";
 * const tracker = new MediaTracker(async () => ({ pass: true }));
 * const tmp = { mountId: 42, parentId: 1, majorMinor: "0:40", root: "/", mountPoint: "/media/a",
 *   options: ["rw"], optionalFields: [], fsType: "tmpfs", source: "none", superOptions: ["rw"] };
 * console.assert((await tracker.update([tmp]))[0]?.kind === "added");
 * console.assert((await tracker.update([]))[0]?.kind === "removed");
 * ```
 * @module
 */

import type { MountEntry } from "./mountinfo.ts";
import { type Logger, silentLogger } from "../log.ts";

/** A mounted ferry medium, as reported to the transfer logic. */
export interface Medium {
  /** Number of this insertion, unique for the life of the watcher; the `removed` event repeats it. */
  insertionId: number;
  mountId: number;
  mountPoint: string;
  /** The mount source (`/dev/sda1`, or `none` for tmpfs). */
  device: string;
  majorMinor: string;
  /** Folder of the filesystem mounted there (`/` unless a bind mount). */
  root: string;
  fsType: string;
  label?: string;
  /** True when the mount or the filesystem is read-only. */
  readOnly: boolean;
  /** Per-mount options. */
  options: readonly string[];
  /** Per-filesystem options. */
  superOptions: readonly string[];
}

/** A medium appeared (`added`) or its last mount went away (`removed`). */
export interface MediaEvent {
  kind: "added" | "removed";
  medium: Medium;
}

/** What the filter said about one mount. */
export interface Verdict {
  pass: boolean;
  label?: string;
}

/** Judges a newly seen mount. */
export type Judge = (entry: MountEntry) => Promise<Verdict>;

interface Tracked {
  entry: MountEntry;
  verdict: Verdict;
  deviceKey: string;
}

interface Insertion {
  id: number;
  /** Keys of the passing mounts of this filesystem, oldest first. */
  mountKeys: Set<string>;
  /** Key of the mount the medium is reported at. */
  primary: string;
  medium: Medium;
}

/** Key of one mount. */
export function mountKey(e: MountEntry): string {
  return `${e.mountId}\0${e.source}\0${e.mountPoint}`;
}

function deviceKey(e: MountEntry): string {
  return `${e.majorMinor}\0${e.root}\0${e.source}`;
}

function toMedium(id: number, e: MountEntry, label: string | undefined): Medium {
  return {
    insertionId: id,
    mountId: e.mountId,
    mountPoint: e.mountPoint,
    device: e.source,
    majorMinor: e.majorMinor,
    root: e.root,
    fsType: e.fsType,
    ...(label !== undefined ? { label } : {}),
    readOnly: e.options.includes("ro") || e.superOptions.includes("ro"),
    options: e.options,
    superOptions: e.superOptions,
  };
}

/** Turns mount table snapshots into `added` / `removed` events. Not re-entrant. */
export class MediaTracker {
  #mounts = new Map<string, Tracked>();
  #insertions = new Map<string, Insertion>();
  #nextId = 1;
  #busy = false;
  readonly #judge: Judge;
  readonly #log: Logger;

  /** `judge` decides, once per new mount, whether it is a medium. */
  constructor(judge: Judge, log: Logger = silentLogger) {
    this.#judge = judge;
    this.#log = log;
  }

  /** Media currently present, oldest insertion first. */
  current(): Medium[] {
    return [...this.#insertions.values()].map((i) => i.medium);
  }

  /** Number of mounts remembered (bounded by the snapshot size). */
  get trackedMounts(): number {
    return this.#mounts.size;
  }

  /** Compares `mounts` with the previous snapshot; removals come before additions. */
  async update(mounts: readonly MountEntry[]): Promise<MediaEvent[]> {
    if (this.#busy) throw new Error("MediaTracker.update called while another update runs");
    this.#busy = true;
    try {
      const now = new Map<string, MountEntry>();
      for (const e of mounts) now.set(mountKey(e), e);
      const events: MediaEvent[] = [];
      const gone: [string, Tracked][] = [];
      for (const [key, tracked] of this.#mounts) {
        if (!now.has(key)) gone.push([key, tracked]);
      }
      for (const [key] of gone) this.#mounts.delete(key);
      for (const [key, tracked] of gone) {
        if (tracked.verdict.pass) this.#detach(key, tracked, events);
      }
      for (const [key, entry] of now) {
        const tracked = this.#mounts.get(key);
        if (tracked) {
          tracked.entry = entry;
          if (tracked.verdict.pass) this.#refresh(key, tracked);
          continue;
        }
        const verdict = await this.#judgeSafely(entry);
        const fresh = { entry, verdict, deviceKey: deviceKey(entry) };
        this.#mounts.set(key, fresh);
        if (verdict.pass) this.#attach(key, fresh, events);
      }
      return events;
    } finally {
      this.#busy = false;
    }
  }

  async #judgeSafely(entry: MountEntry): Promise<Verdict> {
    try {
      return await this.#judge(entry);
    } catch (err) {
      this.#log.warn("media-judge-failed", {
        mountPoint: entry.mountPoint,
        error: (err as Error).message,
      });
      return { pass: false };
    }
  }

  #attach(key: string, tracked: Tracked, events: MediaEvent[]): void {
    const existing = this.#insertions.get(tracked.deviceKey);
    if (existing) {
      existing.mountKeys.add(key);
      this.#log.info("media-mount-again", {
        mountPoint: tracked.entry.mountPoint,
        medium: existing.medium.mountPoint,
      });
      return;
    }
    const id = this.#nextId++;
    const medium = toMedium(id, tracked.entry, tracked.verdict.label);
    this.#insertions.set(tracked.deviceKey, {
      id,
      mountKeys: new Set([key]),
      primary: key,
      medium,
    });
    events.push({ kind: "added", medium });
  }

  #detach(key: string, tracked: Tracked, events: MediaEvent[]): void {
    const insertion = this.#insertions.get(tracked.deviceKey);
    if (!insertion) throw new Error(`media tracker lost the insertion of mount ${key}`);
    insertion.mountKeys.delete(key);
    if (insertion.mountKeys.size === 0) {
      this.#insertions.delete(tracked.deviceKey);
      events.push({ kind: "removed", medium: insertion.medium });
      return;
    }
    if (insertion.primary === key) {
      insertion.primary = insertion.mountKeys.values().next().value!;
      const next = this.#mounts.get(insertion.primary);
      if (!next) throw new Error("media tracker lost a mount of a present medium");
      insertion.medium = toMedium(insertion.id, next.entry, next.verdict.label);
      this.#log.info("media-mount-moved", {
        from: tracked.entry.mountPoint,
        to: insertion.medium.mountPoint,
      });
    }
  }

  #refresh(key: string, tracked: Tracked): void {
    const insertion = this.#insertions.get(tracked.deviceKey);
    if (!insertion || insertion.primary !== key) return;
    const medium = toMedium(insertion.id, tracked.entry, tracked.verdict.label);
    if (medium.readOnly !== insertion.medium.readOnly) {
      this.#log.info("media-remounted", {
        mountPoint: medium.mountPoint,
        readOnly: medium.readOnly,
      });
    }
    insertion.medium = medium;
  }
}
