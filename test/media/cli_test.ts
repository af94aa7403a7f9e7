import { assert, assertEquals } from "../assert.ts";
import { ferry, withTempDir } from "../helpers.ts";
import { setupNodes } from "../nodes.ts";
import { namesIn, openNode, packetsIn, queueDir, queueFiles } from "./_media.ts";

Deno.test("ferry media refuses a folder that is not a mount point (a stick not mounted) and touches nothing", async () => {
  await withTempDir(async (root) => {
    const nodes = await setupNodes(root, ["alice", "bob"]);
    const alice = await openNode(nodes.alice!.cfg);
    const queued = await queueFiles(alice.ctx, "bob", 2, 10_000, `${root}/a`, 41);
    const folder = `${root}/media-stick`;
    await Deno.mkdir(folder);
    const out = await ferry(["--config", nodes.alice!.cfg, "media", folder]);
    assertEquals(out.code, 1, out.stderr);
    assert(out.stderr.includes("is not a mount point: is the medium mounted?"), out.stderr);
    assert(out.stderr.includes("ferry xfer"), out.stderr);
    assertEquals(await namesIn(folder), []);
    assertEquals(
      await packetsIn(queueDir(alice.ctx, "bob", "tx")),
      queued.map((f) => f.id).sort(),
    );
  });
});

Deno.test("ferry media needs a mount point or --watch, not both", async () => {
  await withTempDir(async (root) => {
    const nodes = await setupNodes(root, ["alice"]);
    const both = await ferry(["--config", nodes.alice!.cfg, "media", "--watch", root]);
    assertEquals(both.code, 2, both.stderr);
    const neither = await ferry(["--config", nodes.alice!.cfg, "media"]);
    assertEquals(neither.code, 2, neither.stderr);
    assert(neither.stderr.includes("give a mount point, or --watch"), neither.stderr);
  });
});
