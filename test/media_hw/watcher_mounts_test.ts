import { assert, assertEquals } from "../assert.ts";
import { MediaWatcher, type MediaWatcherOptions } from "../../hw/media/watcher.ts";
import type { MediaEvent } from "../../hw/media/tracker.ts";
import { systemLabelResolver } from "../../hw/media/label.ts";
import { rootOnly, withMounts } from "./_mounts.ts";

function watcherUnder(dir: string, filter: Partial<MediaWatcherOptions["filter"]> = {}) {
  return new MediaWatcher({ filter: { mountPoints: [`${dir}/*`], ...filter } });
}

const brief = (events: MediaEvent[]) => events.map((e) => `${e.kind} ${e.medium.mountPoint}`);

Deno.test({
  name: "a real tmpfs mount gives one added event with its mount point, its unmount one removed",
  ...rootOnly,
  fn: () =>
    withMounts(async (scope) => {
      const dir = await scope.folder("stick");
      const watcher = watcherUnder(scope.dir);
      await watcher.scan();
      assertEquals(watcher.drain(), []);
      await scope.tmpfs(dir);
      await watcher.scan();
      const added = watcher.drain();
      assertEquals(brief(added), [`added ${dir}`]);
      assertEquals([added[0]!.medium.fsType, added[0]!.medium.device], ["tmpfs", "none"]);
      await watcher.scan();
      assertEquals(watcher.drain(), []);
      await scope.unmount(dir);
      await watcher.scan();
      assertEquals(brief(watcher.drain()), [`removed ${dir}`]);
    }),
});

Deno.test({
  name: "a loop ext4 stick labelled FERRYSTICK is matched by label; one labelled OTHER is not",
  ...rootOnly,
  fn: () =>
    withMounts(async (scope) => {
      const ferry = await scope.ext4Loop("ferry", "FERRYSTICK");
      const other = await scope.ext4Loop("other", "OTHER");
      const a = await scope.folder("a");
      const b = await scope.folder("b");
      const watcher = watcherUnder(scope.dir, { labels: ["FERRYSTICK"] });
      await scope.mount(ferry, a);
      await scope.mount(other, b);
      await watcher.scan();
      const events = watcher.drain();
      assertEquals(brief(events), [`added ${a}`]);
      assertEquals(events[0]!.medium.label, "FERRYSTICK");
      assertEquals(events[0]!.medium.device, ferry);
      assertEquals(events[0]!.medium.fsType, "ext4");
    }),
});

Deno.test({
  name: "the label of a loop device is found by blkid, and by by-label symlinks when they exist",
  ...rootOnly,
  fn: () =>
    withMounts(async (scope) => {
      const dev = await scope.ext4Loop("l", "FERRYSTICK");
      const minor = dev.replace("/dev/loop", "");
      const viaBlkid = systemLabelResolver({ byLabelDir: `${scope.dir}/absent` });
      assertEquals(await viaBlkid({ source: dev, majorMinor: `7:${minor}` }), "FERRYSTICK");
      const byLabel = await scope.folder("by-label");
      await Deno.symlink(dev, `${byLabel}/MY\\x20STICK`);
      await Deno.symlink("/dev/nonexistent", `${byLabel}/GONE`);
      const viaLinks = systemLabelResolver({ byLabelDir: byLabel, blkid: null });
      assertEquals(await viaLinks({ source: dev, majorMinor: `7:${minor}` }), "MY STICK");
      assertEquals(await viaLinks({ source: "/dev/null", majorMinor: "1:3" }), undefined);
      assertEquals(await viaLinks({ source: "none", majorMinor: "0:40" }), undefined);
    }),
});

Deno.test({
  name:
    "the marker filter takes a medium with a .ferry folder and ignores one without (or a symlink)",
  ...rootOnly,
  fn: () =>
    withMounts(async (scope) => {
      const dirs = await Promise.all(["with", "without", "link"].map((n) => scope.folder(n)));
      for (const d of dirs) await scope.tmpfs(d);
      await Deno.mkdir(`${dirs[0]}/.ferry`);
      await Deno.symlink(dirs[0]!, `${dirs[2]}/.ferry`);
      const watcher = watcherUnder(scope.dir, { marker: ".ferry" });
      await watcher.scan();
      assertEquals(brief(watcher.drain()), [`added ${dirs[0]}`]);
    }),
});

Deno.test({
  name: "two media at once, a remount read-only and a second mount of one give one event each way",
  ...rootOnly,
  fn: () =>
    withMounts(async (scope) => {
      const dev = await scope.ext4Loop("s", "FERRYSTICK");
      const [a, b, c] = await Promise.all(["a", "b", "c"].map((n) => scope.folder(n)));
      const watcher = watcherUnder(scope.dir);
      await scope.mount(dev, a!);
      await scope.tmpfs(b!);
      await watcher.scan();
      assertEquals(brief(watcher.drain()), [`added ${a}`, `added ${b}`]);
      await scope.remount(a!, "ro");
      await watcher.scan();
      assertEquals(watcher.drain(), [], "a remount is not a new insertion");
      assertEquals(watcher.current().find((m) => m.mountPoint === a)?.readOnly, true);
      await scope.mount(dev, c!);
      await watcher.scan();
      assertEquals(watcher.drain(), [], "a second mount of the same stick is not a new insertion");
      await scope.unmount(a!);
      await watcher.scan();
      assertEquals(watcher.drain(), [], "still mounted elsewhere");
      await scope.unmount(c!);
      await scope.unmount(b!);
      await watcher.scan();
      assertEquals(brief(watcher.drain()).sort(), [`removed ${b}`, `removed ${c}`]);
    }),
});

Deno.test({
  name: "20 mount and unmount cycles give exactly one added and one removed each, in order",
  ...rootOnly,
  fn: () =>
    withMounts(async (scope) => {
      const dir = await scope.folder("cycle");
      const watcher = watcherUnder(scope.dir);
      for (let i = 0; i < 20; i++) {
        await scope.tmpfs(dir);
        await watcher.scan();
        await scope.unmount(dir);
        await watcher.scan();
      }
      const events = watcher.drain();
      assertEquals(events.length, 40);
      events.forEach((e, i) => {
        assertEquals(e.kind, i % 2 === 0 ? "added" : "removed");
        assertEquals(e.medium.insertionId, Math.floor(i / 2) + 1);
        assertEquals(e.medium.mountPoint, dir);
      });
    }),
});

Deno.test({
  name: "rapid cycles under a running watcher never give an unmatched, doubled or leftover event",
  ...rootOnly,
  fn: () =>
    withMounts(async (scope) => {
      const dir = await scope.folder("rapid");
      const watcher = new MediaWatcher({
        filter: { mountPoints: [`${scope.dir}/*`] },
        intervalMs: 2,
      });
      const stop = new AbortController();
      const events: MediaEvent[] = [];
      const watching = watcher.watchEach((e) => void events.push(e), stop.signal);
      try {
        for (let i = 0; i < 20; i++) {
          await scope.tmpfs(dir);
          await scope.unmount(dir);
        }
        await new Promise((r) => setTimeout(r, 30));
        await watcher.scan();
      } finally {
        stop.abort();
        await watching;
      }
      const open = new Set<number>();
      const ids = new Set<number>();
      for (const e of events) {
        const id = e.medium.insertionId;
        if (e.kind === "added") {
          assert(!ids.has(id), `insertion ${id} added twice`);
          ids.add(id);
          open.add(id);
        } else {
          assert(open.delete(id), `insertion ${id} removed without being added`);
        }
      }
      assertEquals(open.size, 0, "every insertion seen was also seen to go");
      assertEquals(watcher.current(), []);
    }),
});
