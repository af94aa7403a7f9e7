import { assert, assertEquals } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { setupNodes } from "../nodes.ts";
import { rootOnly, withMounts } from "../media_hw/_mounts.ts";
import type { MediaSettings } from "../../src/config/ferry_media.ts";
import { runMediaSession } from "../../src/media/mod.ts";
import { deviceOf, majorMinorOf } from "../../src/xfer/mod.ts";
import { MockLed } from "../../hw/led/mod.ts";
import { namesIn, openNode, packetsIn, queueDir, queueFiles } from "./_media.ts";

const SETTINGS: MediaSettings = {
  mounts: [],
  labels: [],
  nodes: [],
  keep: false,
  unmount: false,
  statusFile: true,
};

Deno.test("majorMinorOf decodes device numbers as the mount table writes them", () => {
  assertEquals(majorMinorOf(39), "0:39");
  assertEquals(majorMinorOf(254 * 256), "254:0");
  assertEquals(majorMinorOf(7 * 256 + 3), "7:3");
  assertEquals(majorMinorOf(259 * 256 + 0x12 + (0x345 << 12) * 256), "259:" + (0x12 + 0x34500));
  assertEquals(majorMinorOf(8 * 256 + 1 + 2 ** 32 * 0x1000), "4104:1");
});

Deno.test({
  name: "a session blinks the LED while it works and lights it once the medium is safe to remove",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        await queueFiles(alice.ctx, "bob", 1, 10_000, `${root}/a`, 51);
        const stick = await scope.folder("stick");
        await scope.tmpfs(stick);
        const led = new MockLed();
        const result = await runMediaSession(
          alice.ctx,
          {
            mountPoint: stick,
            fsType: "tmpfs",
            readOnly: false,
            majorMinor: majorMinorOf(await deviceOf(stick)),
          },
          SETTINGS,
          { led },
        );
        assert(result.safeToRemove, result.problems.join("; "));
        assertEquals(led.states, [{ mode: "blink", periodMs: 250 }, { mode: "on" }]);
      })
    ),
});

Deno.test({
  name:
    "a session on a stick pulled before it started writes nothing to the folder left behind, blinks slowly and says why",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        const queued = await queueFiles(alice.ctx, "bob", 2, 10_000, `${root}/a`, 52);
        const stick = await scope.folder("stick");
        await scope.tmpfs(stick);
        const majorMinor = majorMinorOf(await deviceOf(stick));
        await scope.unmount(stick);
        const led = new MockLed();
        const result = await runMediaSession(
          alice.ctx,
          {
            mountPoint: stick,
            fsType: "tmpfs",
            readOnly: false,
            majorMinor,
          },
          SETTINGS,
          { led },
        );
        assertEquals(result.safeToRemove, false);
        assert(result.problems.some((p) => p.includes("no longer on the medium")));
        assert(alice.lines.some((l) => l.startsWith("error medium-not-safe ")), alice.lines.join());
        assertEquals(led.state, { mode: "blink", periodMs: 1000 });
        assertEquals(await namesIn(stick), []);
        assertEquals(
          await packetsIn(queueDir(alice.ctx, "bob", "tx")),
          queued.map((f) => f.id).sort(),
        );
      })
    ),
});
