/**
 * The read-back of an exported packet reads the medium itself, not the page
 * cache: on a loop-mounted ext4 image the loop device's read counters grow
 * by the packet's size during an export, and bytes changed on the device
 * behind the page cache (as a failing or counterfeit stick loses them) make
 * the export refuse the copy and keep the packet. Where no device can be
 * read (tmpfs) the log and the status file say so once.
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ferry, runOk, withTempDir } from "../helpers.ts";
import { setupNodes } from "../nodes.ts";
import { type MountScope, rootOnly, withMounts } from "../media_hw/_mounts.ts";
import type { MediaSettings } from "../../src/config/ferry_media.ts";
import { runMediaSession, statusFileName, SyncFolder } from "../../src/media/mod.ts";
import { deviceOf, idOfFile, majorMinorOf, xfer } from "../../src/xfer/mod.ts";
import { dropCachedPages, residentPagesOf } from "../../src/fsutil/mod.ts";
import { mediumDir, openNode, packetsIn, queueDir, queueFiles } from "./_media.ts";

const SETTINGS: MediaSettings = {
  mounts: [],
  labels: [],
  nodes: [],
  keep: false,
  unmount: false,
  statusFile: true,
};

const TX = { rx: false, tx: true, mkdir: true, keep: false, progress: false };

/** Sectors read so far by `/dev/loopN` (third field of its sysfs stat, 512-byte units). */
async function sectorsRead(device: string): Promise<number> {
  const name = device.slice(device.lastIndexOf("/") + 1);
  const fields = (await Deno.readTextFile(`/sys/block/${name}/stat`)).trim().split(/\s+/);
  return Number(fields[2]);
}

/** A fresh ext4 image attached to a loop device and mounted on `scope/<name>`. */
async function ext4Stick(scope: MountScope, name: string, sizeMiB: number) {
  const device = await scope.ext4Loop(name, name.slice(0, 16), sizeMiB);
  const mountPoint = await scope.folder(name);
  await scope.mount(device, mountPoint);
  return { device, mountPoint };
}

/** The byte offset on the device of the first block of `path` (FIEMAP through filefrag). */
async function firstBlockOffset(path: string): Promise<number> {
  const out = (await runOk("filefrag", ["-v", "-b4096", path])).stdout;
  const extent = out.split("\n").find((l) => /^\s*0:\s/.test(l));
  const physical = extent?.split(":")[2]?.trim().split(/\.\./)[0];
  if (physical === undefined || !/^\d+$/.test(physical)) {
    throw new Error(`cannot find the first block of ${path} in:\n${out}`);
  }
  return Number(physical) * 4096;
}

Deno.test({
  name: "dropCachedPages empties the page cache of a file on ext4 and says why it cannot on tmpfs",
  ...rootOnly,
  fn: () =>
    withMounts(async (scope) => {
      const ext4 = await ext4Stick(scope, "pc-ext4", 16);
      const ram = await scope.folder("pc-tmpfs");
      await scope.tmpfs(ram, "", 8);
      for (const dir of [ext4.mountPoint, ram]) {
        const path = `${dir}/f`;
        await Deno.writeFile(path, new Uint8Array(3 * 1024 * 1024).fill(9));
        const file = await Deno.open(path, { write: true });
        await file.sync();
        file.close();
        assertEquals(residentPagesOf(path), Math.ceil(3 * 1024 * 1024 / 4096), dir);
      }
      assertEquals(dropCachedPages(`${ext4.mountPoint}/f`), { dropped: true });
      assertEquals(residentPagesOf(`${ext4.mountPoint}/f`), 0);
      const drop = dropCachedPages(`${ram}/f`);
      assert(!drop.dropped);
      assertStringIncludes(drop.reason, "tmpfs");
      assertEquals(residentPagesOf(`${ram}/f`), Math.ceil(3 * 1024 * 1024 / 4096));
    }),
});

Deno.test({
  name:
    "an export to ext4 reads the packet back from the loop device: its read counter grows by the packet's size",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        const [queued] = await queueFiles(alice.ctx, "bob", 1, 6 * 1024 * 1024, `${root}/a`, 61);
        const size = (await Deno.stat(`${queueDir(alice.ctx, "bob", "tx")}/${queued!.id}`)).size;
        const stick = await ext4Stick(scope, "rb-count", 32);
        const before = await sectorsRead(stick.device);
        const summary = await xfer(alice.ctx, stick.mountPoint, TX);
        const readBytes = (await sectorsRead(stick.device) - before) * 512;
        assertEquals(summary.sent, 1);
        assertEquals(summary.readBackNote, null);
        assert(
          readBytes >= size,
          `the loop device read ${readBytes} bytes during the export, less than the packet's ${size}`,
        );
        assertEquals(await packetsIn(queueDir(alice.ctx, "bob", "tx")), []);
        assertEquals(await packetsIn(mediumDir(stick.mountPoint, "bob", "alice")), [queued!.id]);
        assert(!alice.lines.some((l) => l.includes("xfer-tx-readback-memory")));
      })
    ),
});

Deno.test({
  name:
    "an export whose bytes change on the device behind the page cache is refused and the packet stays in the spool",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        const [queued] = await queueFiles(alice.ctx, "bob", 1, 2 * 1024 * 1024, `${root}/a`, 62);
        const stick = await ext4Stick(scope, "rb-tamper", 32);
        let cacheStillRight = false;
        const summary = await xfer(alice.ctx, stick.mountPoint, {
          ...TX,
          beforeReadBack: async (path) => {
            // The stick loses a block: new bytes on the device, the old ones still in memory.
            const offset = await firstBlockOffset(path);
            await runOk("dd", [
              "if=/dev/urandom",
              `of=${stick.device}`,
              "bs=4096",
              "count=1",
              `seek=${offset / 4096}`,
              "oflag=direct",
              "conv=notrunc,fsync",
              "status=none",
            ]);
            // A read served from the page cache would not notice.
            cacheStillRight = (await idOfFile(path)) === queued!.id;
          },
        });
        assert(cacheStillRight, "the page cache should still hold the bytes as written");
        assertEquals(summary.sent, 0);
        assertEquals(summary.failed, 1);
        assertEquals(await packetsIn(queueDir(alice.ctx, "bob", "tx")), [queued!.id]);
        assertEquals(await packetsIn(mediumDir(stick.mountPoint, "bob", "alice")), []);
        assert(alice.lines.some((l) => l.includes("xfer-tx-readback")), alice.lines.join("\n"));
      })
    ),
});

Deno.test({
  name:
    "a media session on tmpfs says once, in the log and the status file, that the read-back came from memory",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        await queueFiles(alice.ctx, "bob", 3, 20_000, `${root}/a`, 63);
        const stick = await scope.folder("rb-ram");
        await scope.tmpfs(stick);
        const result = await runMediaSession(alice.ctx, {
          mountPoint: stick,
          fsType: "tmpfs",
          readOnly: false,
          majorMinor: majorMinorOf(await deviceOf(stick)),
        }, SETTINGS);
        assert(result.safeToRemove, result.problems.join("; "));
        assertEquals(result.exported?.sent, 3);
        assertEquals(result.exported?.readBackFromMemory, 3);
        const notes = alice.lines.filter((l) => l.includes("xfer-tx-readback-memory"));
        assertEquals(notes.length, 1, alice.lines.join("\n"));
        assertStringIncludes(notes[0]!, "tmpfs");
        const status = await Deno.readTextFile(`${stick}/${statusFileName}`);
        assertStringIncludes(status, "read-back: NOT from the medium for 3 packet(s)");
        assertStringIncludes(status, "tmpfs");
      })
    ),
});

Deno.test({
  name:
    "a media session on ext4 writes in the status file that every copy was read from the medium",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        await queueFiles(alice.ctx, "bob", 2, 20_000, `${root}/a`, 64);
        const stick = await ext4Stick(scope, "rb-session", 16);
        const result = await runMediaSession(alice.ctx, {
          mountPoint: stick.mountPoint,
          fsType: "ext4",
          readOnly: false,
          majorMinor: majorMinorOf(await deviceOf(stick.mountPoint)),
        }, SETTINGS);
        assert(result.safeToRemove, result.problems.join("; "));
        assertEquals(result.exported?.readBackFromMemory, 0);
        const status = await Deno.readTextFile(`${stick.mountPoint}/${statusFileName}`);
        assertStringIncludes(
          status,
          "read-back: every exported packet was read back from the medium",
        );
        assert(!alice.lines.some((l) => l.includes("xfer-tx-readback-memory")));
      })
    ),
});

Deno.test({
  name:
    "a sync folder on tmpfs says once per folder, not once per scan, that its read-back came from memory",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        const path = await scope.folder("rb-sync");
        await scope.tmpfs(path);
        const folder = new SyncFolder({
          path,
          nodes: [],
          intervalSec: 1,
          settleSec: 0,
          keep: false,
        });
        for (const seed of [65, 66]) {
          await queueFiles(alice.ctx, "bob", 1, 20_000, `${root}/a${seed}`, seed);
          const { tx } = await folder.scan(alice.ctx);
          assertEquals(tx.sent, 1);
          assertEquals(tx.readBackFromMemory, 1);
        }
        const notes = alice.lines.filter((l) => l.includes("xfer-tx-readback-memory"));
        assertEquals(notes.length, 1, alice.lines.join("\n"));
      })
    ),
});

Deno.test({
  name:
    "ferry xfer --tx to a tmpfs says once that its copies were read back from memory, and sends them",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        const queued = await queueFiles(alice.ctx, "bob", 2, 20_000, `${root}/a`, 68);
        const stick = await scope.folder("rb-cli");
        await scope.tmpfs(stick);
        const out = await ferry(["--config", nodes.alice!.cfg, "xfer", "--tx", "--mkdir", stick]);
        assertEquals(out.code, 0, out.stderr);
        const notes = out.stderr.split("\n").filter((l) => l.includes("xfer-tx-readback-memory"));
        assertEquals(notes.length, 1, out.stderr);
        assertStringIncludes(notes[0]!, "tmpfs");
        assertStringIncludes(out.stderr, "readBackFromMemory=2");
        assertEquals(
          await packetsIn(mediumDir(stick, "bob", "alice")),
          queued.map((q) => q.id).sort(),
        );
      })
    ),
});
