import { assert, assertEquals } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { setupNodes } from "../nodes.ts";
import { rootOnly, withMounts } from "../media_hw/_mounts.ts";
import { xfer } from "../../src/xfer/mod.ts";
import {
  assertIdsMatch,
  FerryProcess,
  mediumDir,
  namesIn,
  openNode,
  packetsIn,
  queueDir,
  queueFiles,
  tossAll,
} from "./_media.ts";

const sessionWaitMs = 30_000;

Deno.test({
  name:
    "ferry media --watch imports from and exports to an ext4 stick found by its label, writes the status file and logs medium-safe-to-remove",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"], (name, cfg) => {
          if (name === "alice") cfg.ferry = { media: { labels: ["FERRYWATCH"] } };
        });
        const alice = await openNode(nodes.alice!.cfg);
        const bob = await openNode(nodes.bob!.cfg);
        const toAlice = await queueFiles(bob.ctx, "alice", 2, 200_000, `${root}/out-b`, 1);
        const toBob = await queueFiles(alice.ctx, "bob", 2, 300_000, `${root}/out-a`, 2);
        const dev = await scope.ext4Loop("stick", "FERRYWATCH", 32);
        const prep = await scope.folder("prep");
        await scope.mount(dev, prep);
        await xfer(bob.ctx, prep, { rx: false, tx: true, mkdir: true, keep: false });
        await scope.unmount(prep);

        const watch = new FerryProcess(["--config", nodes.alice!.cfg, "media", "--watch"]);
        try {
          await watch.waitFor(/media-watch/, sessionWaitMs);
          const stick = await scope.folder("media/stick");
          await scope.mount(dev, stick);
          const safe = await watch.waitFor(/medium-safe-to-remove/, sessionWaitMs);
          assert(safe.includes(`medium=${stick}`), safe);
          assert(/ imported=2 /.test(safe) && / exported=2 /.test(safe), safe);
          assertEquals(
            await packetsIn(queueDir(alice.ctx, "bob", "rx")),
            toAlice.map((f) => f.id).sort(),
          );
          await assertIdsMatch(queueDir(alice.ctx, "bob", "rx"));
          assertEquals(await packetsIn(queueDir(alice.ctx, "bob", "tx")), []);
          assertEquals(await packetsIn(mediumDir(stick, "alice", "bob")), []);
          assertEquals(
            await packetsIn(mediumDir(stick, "bob", "alice")),
            toBob.map((f) => f.id).sort(),
          );
          await assertIdsMatch(mediumDir(stick, "bob", "alice"));
          const status = await Deno.readTextFile(`${stick}/FERRY-STATUS.txt`);
          assert(status.includes("imported: 2 packet(s)"), status);
          assert(status.includes("exported: 2 packet(s)"), status);
          assert(status.includes("SAFE TO REMOVE"), status);
          assertEquals((await namesIn(stick)).filter((n) => n.includes(".tmp")), []);

          await scope.unmount(stick);
          await watch.waitFor(/medium-removed/, sessionWaitMs);
          // The stick reaches bob, who gets alice's files.
          await scope.mount(dev, prep);
          await xfer(bob.ctx, prep, { rx: true, tx: false, mkdir: false, keep: false });
          assertEquals(await tossAll(bob.ctx), 2);
          for (const f of toBob) {
            assertEquals(await Deno.readFile(`${nodes.bob!.incoming}/${f.name}`), f.content);
          }
        } finally {
          const status = await watch.stop();
          assertEquals(status.code, 0, watch.text());
        }
      })
    ),
});

Deno.test({
  name:
    "ferry media --watch serves a tmpfs with the marker folder under a watched mount point, unmounts it when configured, and leaves one without the marker alone",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const watched = await scope.folder("media");
        const nodes = await setupNodes(root, ["alice", "bob"], (name, cfg) => {
          if (name === "alice") {
            cfg.ferry = { media: { mounts: [`${watched}/*`], marker: ".ferry", unmount: true } };
          }
        });
        const alice = await openNode(nodes.alice!.cfg);
        const toBob = await queueFiles(alice.ctx, "bob", 3, 100_000, `${root}/out`, 3);
        const watch = new FerryProcess(["--config", nodes.alice!.cfg, "media", "--watch"]);
        try {
          await watch.waitFor(/media-watch/, sessionWaitMs);
          const plain = await scope.folder("plain");
          await scope.tmpfs(plain);
          await scope.move(plain, await scope.folder("media/plain"));
          const prep = await scope.folder("prep");
          await scope.tmpfs(prep, "", 8);
          await Deno.mkdir(`${prep}/.ferry`);
          const stick = await scope.folder("media/marked");
          await scope.move(prep, stick);
          const safe = await watch.waitFor(/medium-safe-to-remove/, sessionWaitMs);
          assert(safe.includes(`medium=${stick}`), safe);
          assert(/ exported=3 /.test(safe), safe);
          await watch.waitFor(/medium-unmounted/, sessionWaitMs);
          scope.forget(stick);
          const mounts = await Deno.readTextFile("/proc/self/mountinfo");
          assert(!mounts.includes(` ${stick} `), "the marked medium is unmounted");
          assert(mounts.includes(` ${watched}/plain `), "the medium without marker stays");
          assert(!watch.text().includes(`medium=${watched}/plain`), watch.text());
          assertEquals(await packetsIn(queueDir(alice.ctx, "bob", "tx")), []);
          assertEquals(toBob.length, 3);
        } finally {
          const status = await watch.stop();
          assertEquals(status.code, 0, watch.text());
        }
      })
    ),
});

Deno.test({
  name:
    "ferry media --watch stopped (SIGTERM) in the middle of a session exits cleanly, says the medium is not safe, and loses nothing",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"], (name, cfg) => {
          if (name === "alice") cfg.ferry = { media: { labels: ["FERRYSTOP"] } };
        });
        const alice = await openNode(nodes.alice!.cfg);
        const bob = await openNode(nodes.bob!.cfg);
        const toAlice = await queueFiles(bob.ctx, "alice", 4, 4_000_000, `${root}/b`, 5);
        const toBob = await queueFiles(alice.ctx, "bob", 4, 4_000_000, `${root}/a`, 6);
        const dev = await scope.ext4Loop("stick", "FERRYSTOP", 64);
        const stick = await scope.folder("media/stick");
        await scope.mount(dev, stick);
        await xfer(bob.ctx, stick, { rx: false, tx: true, mkdir: true, keep: false });
        await scope.unmount(stick);
        const watch = new FerryProcess(["--config", nodes.alice!.cfg, "media", "--watch"]);
        try {
          await watch.waitFor(/media-watch/, sessionWaitMs);
          await scope.mount(dev, stick);
          await watch.waitFor(/medium-start/, sessionWaitMs);
        } catch (err) {
          await watch.stop("SIGKILL");
          throw err;
        }
        const status = await watch.stop("SIGTERM");
        assertEquals(status.code, 0, watch.text());
        if (!/medium-safe-to-remove/.test(watch.text())) {
          assert(/warn medium-interrupted .*NOT safe/.test(watch.text()), watch.text());
        }
        const received = await packetsIn(queueDir(alice.ctx, "bob", "rx"));
        const left = await packetsIn(mediumDir(stick, "alice", "bob"));
        for (const f of toAlice) assert(received.includes(f.id) || left.includes(f.id), f.id);
        const queued = await packetsIn(queueDir(alice.ctx, "bob", "tx"));
        const carried = await packetsIn(mediumDir(stick, "bob", "alice"));
        for (const f of toBob) assert(queued.includes(f.id) || carried.includes(f.id), f.id);
        await assertIdsMatch(queueDir(alice.ctx, "bob", "rx"));
        await assertIdsMatch(mediumDir(stick, "bob", "alice"));
        assertEquals(await namesIn(alice.ctx.spool.tmpDir), []);
        assertEquals(
          (await namesIn(mediumDir(stick, "bob", "alice"))).filter((n) => n.startsWith(".")),
          [],
        );
      })
    ),
});
