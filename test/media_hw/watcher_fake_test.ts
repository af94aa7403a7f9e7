import { assert, assertEquals, assertThrows } from "../assert.ts";
import { MediaWatcher, type MediaWatcherOptions } from "../../hw/media/watcher.ts";
import type { MediaEvent } from "../../hw/media/tracker.ts";
import { createLogger, memorySink } from "../../src/log/logger.ts";
import { FakeTable, ManualClock } from "./_fake.ts";

const noLabels = () => Promise.resolve(undefined);

function watcherOn(table: FakeTable, options: Partial<MediaWatcherOptions> = {}) {
  const sink = memorySink();
  const log = createLogger({ sink: sink.write, level: "debug", journald: false });
  const watcher = new MediaWatcher({
    filter: { mountPoints: ["/media/*"] },
    source: table.source,
    labels: noLabels,
    log,
    ...options,
  });
  return { watcher, lines: sink.lines };
}

const brief = (events: MediaEvent[]) =>
  events.map((e) => `${e.kind} ${e.medium.mountPoint} #${e.medium.insertionId}`);

Deno.test("a medium is reported added when it is mounted and removed when it is unmounted", async () => {
  const table = new FakeTable();
  const { watcher } = watcherOn(table);
  await watcher.scan();
  assertEquals(watcher.drain(), []);
  const id = table.mount({ mountPoint: "/media/stick" });
  await watcher.scan();
  const [added] = watcher.drain();
  assertEquals(added?.kind, "added");
  assertEquals(added?.medium.mountId, id);
  assertEquals(added?.medium.fsType, "tmpfs");
  assertEquals(added?.medium.readOnly, false);
  await watcher.scan();
  assertEquals(watcher.drain(), [], "a medium that stays is not reported again");
  table.unmount(id);
  await watcher.scan();
  assertEquals(brief(watcher.drain()), ["removed /media/stick #1"]);
  assertEquals(watcher.current(), []);
});

Deno.test("mounts outside the patterns, pseudo filesystems and the root are never media", async () => {
  const table = new FakeTable();
  const { watcher } = watcherOn(table, { filter: { mountPoints: ["/*", "/media/*"] } });
  table.mount({ mountPoint: "/media/a/deeper" });
  table.mount({ mountPoint: "/run", fsType: "tmpfs" });
  table.mount({ mountPoint: "/cg", fsType: "cgroup2" });
  table.mount({ mountPoint: "/dev", fsType: "devtmpfs" });
  await watcher.scan();
  assertEquals(brief(watcher.drain()), ["added /run #1"]);
});

Deno.test("a remount read-only is not a new insertion; the medium shows it is read-only", async () => {
  const table = new FakeTable();
  const { watcher, lines } = watcherOn(table);
  const id = table.mount({ mountPoint: "/media/s", source: "/dev/sdb1", fsType: "vfat" });
  await watcher.scan();
  assertEquals(watcher.drain().length, 1);
  table.remount(id, {
    mountPoint: "/media/s",
    source: "/dev/sdb1",
    fsType: "vfat",
    majorMinor: `0:${id}`,
    options: "ro,relatime",
  });
  await watcher.scan();
  assertEquals(watcher.drain(), []);
  assertEquals(watcher.current()[0]?.readOnly, true);
  assert(lines.some((l) => l.includes("media-remounted") && l.includes("readOnly=true")));
});

Deno.test("a second mount of the same filesystem is not a new insertion; removal waits for the last", async () => {
  const table = new FakeTable();
  const { watcher } = watcherOn(table);
  const same = { source: "/dev/sdb1", majorMinor: "8:17", fsType: "ext4" };
  const first = table.mount({ mountPoint: "/media/one", ...same });
  await watcher.scan();
  assertEquals(brief(watcher.drain()), ["added /media/one #1"]);
  const second = table.mount({ mountPoint: "/media/two", ...same });
  await watcher.scan();
  assertEquals(watcher.drain(), []);
  table.unmount(first);
  await watcher.scan();
  assertEquals(watcher.drain(), []);
  assertEquals(watcher.current().map((m) => m.mountPoint), ["/media/two"]);
  table.unmount(second);
  await watcher.scan();
  assertEquals(brief(watcher.drain()), ["removed /media/two #1"]);
  table.mount({ mountPoint: "/media/one", ...same });
  await watcher.scan();
  assertEquals(brief(watcher.drain()), ["added /media/one #2"], "unmounted in between: new");
});

Deno.test("two media at once and a bind mount of a sub-folder are separate insertions", async () => {
  const table = new FakeTable();
  const { watcher } = watcherOn(table);
  table.mount({ mountPoint: "/media/a", source: "/dev/sdb1", majorMinor: "8:17" });
  table.mount({ mountPoint: "/media/b", source: "/dev/sdc1", majorMinor: "8:33" });
  table.mount({ mountPoint: "/media/c", source: "/dev/sdc1", majorMinor: "8:33", root: "/sub" });
  await watcher.scan();
  assertEquals(brief(watcher.drain()), [
    "added /media/a #1",
    "added /media/b #2",
    "added /media/c #3",
  ]);
});

Deno.test("a mount point with escaped spaces and newlines is decoded and matched", async () => {
  const table = new FakeTable();
  const { watcher } = watcherOn(table);
  table.mount({ mountPoint: "/media/my stick\nline\t2\\x", source: "/dev/sd b1" });
  await watcher.scan();
  const [event] = watcher.drain();
  assertEquals(event?.medium.mountPoint, "/media/my stick\nline\t2\\x");
  assertEquals(event?.medium.device, "/dev/sd b1");
});

Deno.test("labels filter media, and a medium carries its label", async () => {
  const table = new FakeTable();
  const labels = ({ majorMinor }: { majorMinor: string }) =>
    Promise.resolve(
      majorMinor === "8:17" ? "FERRYSTICK" : majorMinor === "8:33" ? "OTHER" : undefined,
    );
  const { watcher } = watcherOn(table, { filter: { labels: ["FERRYSTICK"] }, labels });
  table.mount({ mountPoint: "/mnt/x", source: "/dev/sdb1", majorMinor: "8:17" });
  table.mount({ mountPoint: "/mnt/y", source: "/dev/sdc1", majorMinor: "8:33" });
  await watcher.scan();
  const events = watcher.drain();
  assertEquals(brief(events), ["added /mnt/x #1"]);
  assertEquals(events[0]?.medium.label, "FERRYSTICK");
});

Deno.test("malformed mount table lines are logged once and skipped; other media still come", async () => {
  const table = new FakeTable();
  const { watcher, lines } = watcherOn(table);
  table.extra.push("not a mount line", "5 1 0:9 / /media/q rw - tmpfs none");
  table.mount({ mountPoint: "/media/ok" });
  for (let i = 0; i < 3; i++) await watcher.scan();
  assertEquals(brief(watcher.drain()), ["added /media/ok #1"]);
  const skipped = lines.filter((l) => l.includes("media-mountinfo-line-skipped"));
  assertEquals(skipped.length, 2, skipped.join("\n"));
  assert(skipped[0]!.includes("line=5"), skipped[0]);
});

Deno.test("a failing mount table read is logged and the next scan works", async () => {
  const table = new FakeTable();
  let broken = true;
  const source = async function* () {
    if (broken) throw new Deno.errors.PermissionDenied("mountinfo: permission denied");
    yield* table.source();
  };
  const { watcher, lines } = watcherOn(table, { source });
  table.mount({ mountPoint: "/media/a" });
  await watcher.scan();
  assert(lines.some((l) => l.includes("media-scan-failed")));
  broken = false;
  await watcher.scan();
  assertEquals(brief(watcher.drain()), ["added /media/a #1"]);
});

Deno.test("an empty or malformed filter is refused before watching starts", () => {
  const table = new FakeTable();
  assertThrows(() => watcherOn(table, { filter: {} }), TypeError, "filter is empty");
  assertThrows(() => watcherOn(table, { filter: { mountPoints: ["media/*"] } }), TypeError);
  assertThrows(() => watcherOn(table, { filter: { mountPoints: ["/media/**"] } }), TypeError);
  assertThrows(() => watcherOn(table, { filter: { marker: "../x" } }), TypeError, "one folder");
  assertThrows(() => watcherOn(table, { intervalMs: 0 }), RangeError);
});

Deno.test("watch yields events in order on the injected clock and ends when aborted", async () => {
  const table = new FakeTable();
  const clock = new ManualClock();
  const { watcher } = watcherOn(table, { clock, intervalMs: 500 });
  const stop = new AbortController();
  const seen: string[] = [];
  const done = watcher.watchEach(
    (e) => void seen.push(`${e.kind} ${e.medium.mountPoint}`),
    stop.signal,
  );
  const tick = async () => {
    for (let i = 0; i < 50 && clock.pending === 0; i++) await new Promise((r) => setTimeout(r, 1));
    clock.advance(500);
    for (let i = 0; i < 50 && clock.pending === 0; i++) await new Promise((r) => setTimeout(r, 1));
  };
  await tick();
  const id = table.mount({ mountPoint: "/media/a" });
  await tick();
  table.unmount(id);
  table.mount({ mountPoint: "/media/b" });
  await tick();
  await assertRejectsSecondWatch(watcher);
  stop.abort();
  await done;
  assertEquals(seen, ["added /media/a", "removed /media/a", "added /media/b"]);
  assertEquals(clock.pending, 0, "the poll timer is released");
});

async function assertRejectsSecondWatch(watcher: MediaWatcher): Promise<void> {
  let message = "";
  try {
    await watcher.watch(new AbortController().signal).next();
  } catch (err) {
    message = (err as Error).message;
  }
  assert(message.includes("already running"), message);
}

Deno.test("a bug inside a scan ends watch with that error instead of hanging the consumer", async () => {
  const table = new FakeTable();
  const log = createLogger({ sink: () => {}, journald: false });
  const broken = {
    ...log,
    info: () => {
      throw new Error("invariant broken");
    },
  };
  const watcher = new MediaWatcher({
    filter: { mountPoints: ["/media/*"] },
    source: table.source,
    labels: noLabels,
    log: broken,
    clock: new ManualClock(),
  });
  table.mount({ mountPoint: "/media/a" });
  let message = "";
  try {
    for await (const _ of watcher.watch(new AbortController().signal)) break;
  } catch (err) {
    message = (err as Error).message;
  }
  assertEquals(message, "invariant broken");
});
