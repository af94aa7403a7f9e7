/**
 * The file helpers give the same results with and without blocking I/O, and
 * report failures as rejected promises in both modes (callers chain
 * `.catch`, so a synchronous throw would escape them).
 */

import { assert, assertEquals } from "../assert.ts";
import {
  fileSource,
  fsyncDir,
  isBlockingIo,
  openFile,
  readSome,
  setBlockingIo,
  syncFile,
  writeAll,
} from "../../src/fsutil/mod.ts";
import { lockFile, tryLockFile } from "../../src/fsutil/lock.ts";
import { withTempDir } from "../helpers.ts";

for (const blocking of [false, true]) {
  Deno.test(`file helpers with blocking I/O ${blocking ? "on" : "off"}`, async () => {
    setBlockingIo(blocking);
    try {
      assertEquals(isBlockingIo(), blocking);
      await withTempDir(async (dir) => {
        const data = new Uint8Array(70_000).map((_, i) => (i * 7919) % 251);
        const out = await openFile(`${dir}/f`, { write: true, createNew: true });
        await writeAll(out, data);
        await syncFile(out);
        out.close();
        await fsyncDir(dir);

        const back = new Uint8Array(data.length + 10);
        const file = await openFile(`${dir}/f`, { read: true });
        const source = fileSource(file);
        let got = 0;
        for (let n; (n = await source.read(back.subarray(got, got + 4096))) !== null;) got += n;
        assertEquals(await readSome(file, back), null);
        file.close();
        assertEquals(got, data.length);
        assertEquals(back.subarray(0, got), data);

        let rejected = false;
        const pending = openFile(`${dir}/missing/f`, { read: true });
        await pending.catch((err) => (rejected = err instanceof Deno.errors.NotFound));
        assert(rejected, "a missing file is a rejected promise, not a throw");

        const lock = await lockFile(`${dir}/lock`);
        assertEquals(
          await tryLockFile(`${dir}/lock`),
          null,
          "flock is per open file: the second open is refused",
        );
        lock.unlock();
        const again = await tryLockFile(`${dir}/lock`);
        assert(again !== null);
        again.unlock();
      });
    } finally {
      setBlockingIo(false);
    }
  });
}
