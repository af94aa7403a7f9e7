import { assert, assertEquals } from "../assert.ts";
import { MediaWatcher } from "../../hw/media/watcher.ts";
import { MediaEventQueue } from "../../hw/media/event_queue.ts";
import { mountinfoBytesMax, mountsMax } from "../../hw/media/mountinfo_reader.ts";
import type { MediaEvent, Medium } from "../../hw/media/tracker.ts";
import { FakeTable } from "./_fake.ts";

const noLabels = () => Promise.resolve(undefined);

Deno.test("ten thousand mounts: the watcher reads at most mountsMax lines and the byte limit", async () => {
  const table = new FakeTable();
  for (let i = 0; i < 10_000; i++) table.mount({ mountPoint: `/media/m${i}` });
  const watcher = new MediaWatcher({
    filter: { mountPoints: ["/media/*"] },
    source: table.source,
    labels: noLabels,
  });
  await watcher.scan();
  const events = watcher.drain();
  // 3 system lines come first, so mountsMax - 3 media fit.
  assertEquals(events.length, mountsMax - 3);
  assertEquals(watcher.current().length, mountsMax - 3);
  assert(table.bytesRead <= mountinfoBytesMax, `${table.bytesRead} bytes read`);
  assert(table.bytesRead < table.text().length, "the read stopped before the end of the table");
  for (let i = 0; i < 10_000; i++) table.unmount(100 + i);
  await watcher.scan();
  assertEquals(watcher.drain().length, mountsMax - 3);
  assertEquals(watcher.current(), []);
});

Deno.test("a huge single line is refused at the line limit, not read into memory", async () => {
  const table = new FakeTable();
  table.extra.push(`9 1 0:9 / /media/${"x".repeat(200_000)} rw - tmpfs none rw`);
  table.mount({ mountPoint: "/media/after" });
  const watcher = new MediaWatcher({
    filter: { mountPoints: ["/media/*"] },
    source: table.source,
    labels: noLabels,
  });
  await watcher.scan();
  assertEquals(watcher.drain().map((e) => e.medium.mountPoint), ["/media/after"]);
});

Deno.test("rapid cycles on a fake table give one added and one removed per insertion, in order", async () => {
  const table = new FakeTable();
  const watcher = new MediaWatcher({
    filter: { mountPoints: ["/media/*"] },
    source: table.source,
    labels: noLabels,
  });
  for (let i = 0; i < 20; i++) {
    const id = table.mount({ mountPoint: "/media/cycle", majorMinor: "7:0", source: "/dev/loop0" });
    await watcher.scan();
    table.unmount(id);
    await watcher.scan();
  }
  const events = watcher.drain();
  assertEquals(events.length, 40);
  for (let i = 0; i < 20; i++) {
    assertEquals(events[2 * i]?.kind, "added");
    assertEquals(events[2 * i + 1]?.kind, "removed");
    assertEquals(events[2 * i]?.medium.insertionId, i + 1);
    assertEquals(events[2 * i + 1]?.medium.insertionId, i + 1);
  }
});

function medium(id: number): Medium {
  return {
    insertionId: id,
    mountId: id,
    mountPoint: `/media/${id}`,
    device: "none",
    majorMinor: `0:${id}`,
    root: "/",
    fsType: "tmpfs",
    readOnly: false,
    options: ["rw"],
    superOptions: ["rw"],
  };
}

Deno.test("a slow consumer: the queue coalesces unseen insertions but keeps every due removal", () => {
  const queue = new MediaEventQueue({ pairsMax: 8, eventsMax: 40 });
  const delivered: MediaEvent[] = [];
  queue.push({ kind: "added", medium: medium(1) });
  delivered.push(queue.shift()!); // the consumer saw medium 1 ...
  queue.push({ kind: "added", medium: medium(2) }); // ... and medium 2 stays unseen but present
  for (let id = 3; id < 1003; id++) {
    queue.push({ kind: "added", medium: medium(id) });
    queue.push({ kind: "removed", medium: medium(id) });
  }
  queue.push({ kind: "removed", medium: medium(1) });
  assert(queue.size <= 2 + 2 * 8 + 1, `queue holds ${queue.size}`);
  for (let e = queue.shift(); e; e = queue.shift()) delivered.push(e);
  const kinds = delivered.map((e) => `${e.kind}${e.medium.insertionId}`);
  assertEquals(kinds.slice(0, 2), ["added1", "added2"]);
  assertEquals(kinds.at(-1), "removed1", "the removal of a delivered medium is never dropped");
  const pairs = kinds.slice(2, -1);
  assertEquals(pairs.length, 16);
  for (let i = 0; i < pairs.length; i += 2) {
    assertEquals(pairs[i]!.replace("added", ""), pairs[i + 1]!.replace("removed", ""));
  }
  assertEquals(pairs[0], "added995", "the newest unseen insertions are the ones kept");
});

Deno.test("an insertion whose added event was delivered can no longer be coalesced away", () => {
  const queue = new MediaEventQueue({ pairsMax: 1 });
  queue.push({ kind: "added", medium: medium(1) });
  queue.push({ kind: "removed", medium: medium(1) });
  assertEquals(queue.shift()?.kind, "added");
  queue.push({ kind: "added", medium: medium(2) });
  queue.push({ kind: "removed", medium: medium(2) });
  queue.push({ kind: "added", medium: medium(3) });
  queue.push({ kind: "removed", medium: medium(3) });
  const rest: string[] = [];
  for (let e = queue.shift(); e; e = queue.shift()) rest.push(`${e.kind}${e.medium.insertionId}`);
  assertEquals(rest, ["removed1", "added3", "removed3"]);
});
