/**
 * The agent's toss loop reassembles chunked files and fans out this node's
 * own area messages, with no command run by hand.
 */

import { assert_ as assert, assertEquals } from "../assert.ts";
import { FerryProcess, readOr, waitFor } from "../agent/_fixture.ts";
import {
  ferryOk,
  namesIn,
  nncp,
  packetsIn,
  patternBytes,
  queueDir,
  sameBytes,
  withWorld,
} from "../node/_world.ts";

Deno.test("the agent puts a chunked file together and sends its own area message on", async () => {
  await withWorld(async (w) => {
    const data = patternBytes(7 * 1024 + 11, 31);
    await Deno.writeFile(`${w.root}/log.tar`, data);
    await nncp("file", w.bob, ["-chunked", "2", `${w.root}/log.tar`, "alice:log.tar"]);
    await nncp("xfer", w.bob, ["-mkdir", "-tx", w.media]);
    await ferryOk(w.alice, ["xfer", "--rx", w.media]);
    await Deno.writeTextFile(`${w.root}/note.txt`, "hello area\n");
    await ferryOk(w.alice, ["file", `${w.root}/note.txt`, "area:testarea:"]);

    const log = `${w.root}/agent.log`;
    const agent = FerryProcess.start(["--config", w.alice.cfg, "agent"], log);
    try {
      await waitFor("log.tar in incoming", async () => {
        return (await namesIn(w.alice.incoming)).includes("log.tar");
      }, 30_000);
      await waitFor("the area message queued for bob", async () => {
        return (await packetsIn(queueDir(w.alice, "bob", "tx"))).length === 1;
      }, 30_000);
    } finally {
      agent.signal("SIGTERM");
      assertEquals((await agent.finished()).code, 0, await readOr(log));
    }
    assertEquals(await namesIn(w.alice.incoming), ["log.tar"]);
    assert(sameBytes(await Deno.readFile(`${w.alice.incoming}/log.tar`), data));
    assertEquals(await packetsIn(queueDir(w.alice, "alice", "tx")), []);
  }, (name, cfg) => {
    if (name === "alice") cfg.ferry = { name: "alice", toss: { "cycle-sec": 1 } };
  });
});
