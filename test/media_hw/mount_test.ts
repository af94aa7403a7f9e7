import { assert, assertEquals, assertRejects } from "../assert.ts";
import { freeSpace, isReadOnly, MountCommandError, syncFs, unmount } from "../../hw/media/mount.ts";
import { textMountinfo } from "../../hw/media/mountinfo_reader.ts";
import { rootOnly, withMounts } from "./_mounts.ts";

const mib = 1024 * 1024;

Deno.test({
  name: "free space of a 4 MiB tmpfs is 4 MiB and drops by what is written",
  ...rootOnly,
  fn: () =>
    withMounts(async (scope) => {
      const dir = await scope.folder("m");
      await scope.tmpfs(dir);
      const before = await freeSpace(dir);
      assertEquals(before.bytesTotal, 4 * mib);
      assertEquals(before.bytesAvailable, 4 * mib);
      await Deno.writeFile(`${dir}/one-mib`, new Uint8Array(mib));
      await syncFs(`${dir}/one-mib`);
      const after = await freeSpace(dir);
      assertEquals(after.bytesAvailable, 3 * mib);
      assertEquals(after.bytesFree, 3 * mib);
    }),
});

Deno.test({
  name: "isReadOnly follows a remount read-only and back, for the mount point and a path inside",
  ...rootOnly,
  fn: () =>
    withMounts(async (scope) => {
      const dir = await scope.folder("m");
      await scope.tmpfs(dir);
      await Deno.mkdir(`${dir}/sub`);
      assertEquals(await isReadOnly(dir), false);
      await scope.remount(dir, "ro");
      assertEquals(await isReadOnly(dir), true);
      assertEquals(await isReadOnly(`${dir}/sub`), true);
      assertEquals(await isReadOnly(scope.dir), false, "the parent filesystem is not affected");
      await scope.remount(dir, "rw");
      assertEquals(await isReadOnly(`${dir}/sub`), false);
    }),
});

Deno.test("isReadOnly picks the deepest mount, and the last of several on one point", async () => {
  const table = [
    "1 0 254:0 / / rw - ext4 /dev/vda rw",
    "2 1 8:17 / /media rw - ext4 /dev/sdb1 ro",
    "3 2 0:40 / /media/s rw - tmpfs none rw",
    "4 3 0:41 / /media/s ro - tmpfs none rw",
  ].join("\n");
  const tmp = await Deno.makeTempDir();
  try {
    // realPath needs an existing path; the table decides the answer.
    const source = textMountinfo(table.replaceAll("/media", tmp));
    assertEquals(await isReadOnly(tmp, { source }), true, "super option ro");
    const first3 = textMountinfo(
      table.split("\n").slice(0, 3).join("\n").replaceAll("/media", tmp),
    );
    assertEquals(await isReadOnly(tmp, { source: first3 }), true);
    await Deno.mkdir(`${tmp}/s`);
    assertEquals(await isReadOnly(`${tmp}/s`, { source: first3 }), false);
    assertEquals(await isReadOnly(`${tmp}/s`, { source }), true, "the top mount wins");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test({
  name: "unmount refuses a busy medium with a clear error, and a lazy unmount detaches it",
  ...rootOnly,
  fn: () =>
    withMounts(async (scope) => {
      const dir = await scope.folder("m");
      await scope.tmpfs(dir);
      const file = await Deno.open(`${dir}/open`, { create: true, write: true });
      try {
        const err = await assertRejects(() => unmount(dir), MountCommandError, "busy");
        assert(err.message.includes(JSON.stringify(dir)), err.message);
        assert(err.code !== null && err.code !== 0);
        await unmount(dir, { lazy: true });
        scope.forget(dir);
      } finally {
        file.close();
      }
      const mounted = (await Deno.readTextFile("/proc/self/mountinfo")).includes(` ${dir} `);
      assertEquals(mounted, false);
    }),
});

Deno.test({
  name: "unmount of an idle medium succeeds, and of a folder that is not mounted fails",
  ...rootOnly,
  fn: () =>
    withMounts(async (scope) => {
      const dir = await scope.folder("m");
      await scope.tmpfs(dir);
      await unmount(dir);
      scope.forget(dir);
      await assertRejects(() => unmount(dir), MountCommandError, "not mounted");
    }),
});

Deno.test("syncFs of a missing path fails with the path in the message", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    await syncFs(tmp);
    await assertRejects(() => syncFs(`${tmp}/missing`), MountCommandError, "missing");
  } finally {
    await Deno.remove(tmp);
  }
});
