/**
 * Test doubles for the media watcher: a mount table held in memory that
 * tests mount and unmount in, and a clock whose timers fire when told.
 * @module
 */

import type { Clock } from "../../hw/clock/clock.ts";
import { textMountinfo } from "../../hw/media/mountinfo_reader.ts";
import type { MountinfoSource } from "../../hw/media/mountinfo_reader.ts";

/** Fields of one fake mount line. */
export interface FakeMount {
  mountPoint: string;
  fsType?: string;
  source?: string;
  majorMinor?: string;
  root?: string;
  options?: string;
}

function escape(path: string): string {
  return path.replace(/[ \t\n\\]/g, (c) => "\\" + c.charCodeAt(0).toString(8).padStart(3, "0"));
}

/** A mount table tests change by hand; ids count up like the kernel's. */
export class FakeTable {
  #lines = new Map<number, string>();
  #nextId = 100;
  /** Raw extra lines appended after the mounts (for malformed input). */
  extra: string[] = [];
  /** Bytes handed out by `source` so far. */
  bytesRead = 0;

  constructor() {
    this.#lines.set(1, "1 0 254:0 / / rw,relatime - ext4 /dev/vda rw");
    this.#lines.set(2, "2 1 0:21 / /proc rw,relatime - proc proc rw");
    this.#lines.set(3, "3 1 0:22 / /sys rw,relatime - sysfs sysfs rw");
  }

  /** Adds a mount and returns its id. */
  mount(m: FakeMount): number {
    const id = this.#nextId++;
    this.#lines.set(id, this.#line(id, m));
    return id;
  }

  /** Changes the options of a mount in place, as `mount -o remount` does. */
  remount(id: number, m: FakeMount): void {
    if (!this.#lines.has(id)) throw new Error(`no fake mount ${id}`);
    this.#lines.set(id, this.#line(id, m));
  }

  /** Removes a mount. */
  unmount(id: number): void {
    if (!this.#lines.delete(id)) throw new Error(`no fake mount ${id}`);
  }

  /** The table as the kernel would print it. */
  text(): string {
    return [...this.#lines.values(), ...this.extra].map((l) => l + "\n").join("");
  }

  /** A source that reads the table as it is at each scan, counting bytes. */
  get source(): MountinfoSource {
    const inner = textMountinfo(() => this.text());
    const count = (n: number) => void (this.bytesRead += n);
    return async function* () {
      for await (const chunk of inner()) {
        count(chunk.length);
        yield chunk;
      }
    };
  }

  #line(id: number, m: FakeMount): string {
    const ro = m.options ?? "rw,relatime";
    return `${id} 1 ${m.majorMinor ?? `0:${id}`} ${escape(m.root ?? "/")} ${
      escape(m.mountPoint)
    } ` +
      `${ro} - ${m.fsType ?? "tmpfs"} ${escape(m.source ?? "none")} ${ro.split(",")[0]}`;
  }
}

/** A clock that only moves when `advance` is called. */
export class ManualClock implements Clock {
  #now = 0;
  #timers: { at: number; resolve: () => void }[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = { at: this.#now + ms, resolve };
      this.#timers.push(timer);
      signal?.addEventListener("abort", () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Number of sleeps waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward and fires every timer that is due. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#timers.filter((t) => t.at <= this.#now);
    this.#timers = this.#timers.filter((t) => t.at > this.#now);
    for (const t of due) t.resolve();
  }
}
