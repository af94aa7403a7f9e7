/**
 * Real mounts for the media tests (root only): tmpfs and loop-device ext4
 * images in a temporary folder, every one of them undone by `cleanup()`
 * whatever happened in the test.
 * @module
 */

import { run, runOk } from "../helpers.ts";

/** True when the tests can mount (they then run; otherwise they are ignored). */
export const isRoot = Deno.uid() === 0;
/** Test options for tests that need root. */
export const rootOnly = { ignore: !isRoot, sanitizeResources: true, sanitizeOps: true };

/** A temporary folder whose mounts and loop devices are undone on cleanup. */
export class MountScope {
  readonly dir: string;
  #mounted: string[] = [];
  #loops: string[] = [];

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** A fresh scope under the system temp folder. */
  static async create(): Promise<MountScope> {
    return new MountScope(await Deno.makeTempDir({ prefix: "ferry-media-" }));
  }

  /** A new empty folder inside the scope. */
  async folder(name: string): Promise<string> {
    const path = `${this.dir}/${name}`;
    await Deno.mkdir(path, { recursive: true });
    return path;
  }

  /** Mounts a tmpfs of `sizeMiB` (default 4) on `dir` (extra options appended). */
  async tmpfs(dir: string, options = "", sizeMiB = 4): Promise<void> {
    await runOk("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m${options}`, "none", dir]);
    this.#mounted.push(dir);
  }

  /** Makes an ext4 image of `sizeMiB` (default 16) labelled `label` and attaches it; returns the loop device. */
  async ext4Loop(name: string, label: string, sizeMiB = 16): Promise<string> {
    const img = `${this.dir}/${name}.img`;
    await runOk("truncate", ["-s", `${sizeMiB}M`, img]);
    await runOk("mkfs.ext4", ["-q", "-L", label, img]);
    const dev = (await runOk("losetup", ["-f", "--show", img])).stdout.trim();
    this.#loops.push(dev);
    return dev;
  }

  /** Mounts `device` on `dir`, with `options` when given. */
  async mount(device: string, dir: string, options?: string): Promise<void> {
    const args = options ? ["-o", options, device, dir] : [device, dir];
    await runOk("mount", args);
    this.#mounted.push(dir);
  }

  /** Changes the options of the mount on `dir` (`mount -o remount,OPTIONS`). */
  async remount(dir: string, options: string): Promise<void> {
    await runOk("mount", ["-o", `remount,${options}`, dir]);
  }

  /** Moves the mount on `from` to `to` (`mount --move`): a prepared medium appears at once. */
  async move(from: string, to: string): Promise<void> {
    await runOk("mount", ["--move", from, to]);
    this.forget(from);
    this.#mounted.push(to);
  }

  /** Unmounts `dir` now (the test's own unmount). */
  async unmount(dir: string): Promise<void> {
    await runOk("umount", [dir]);
    const i = this.#mounted.lastIndexOf(dir);
    if (i >= 0) this.#mounted.splice(i, 1);
  }

  /** Forgets `dir` as mounted (it was unmounted by the code under test). */
  forget(dir: string): void {
    const i = this.#mounted.lastIndexOf(dir);
    if (i >= 0) this.#mounted.splice(i, 1);
  }

  /** Undoes every mount (lazily if busy) and loop device, then removes the folder. */
  async cleanup(): Promise<void> {
    for (const dir of this.#mounted.reverse()) {
      if ((await run("umount", [dir])).code !== 0) await run("umount", ["-l", dir]);
    }
    this.#mounted = [];
    for (const dev of this.#loops) await run("losetup", ["-d", dev]);
    this.#loops = [];
    await Deno.remove(this.dir, { recursive: true });
  }
}

/** Runs `body` with a fresh scope and always cleans it up. */
export async function withMounts(body: (scope: MountScope) => Promise<void>): Promise<void> {
  const scope = await MountScope.create();
  try {
    await body(scope);
  } finally {
    await scope.cleanup();
  }
}
