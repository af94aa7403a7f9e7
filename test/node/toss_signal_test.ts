/**
 * `ferry toss` makes its file steps without the thread pool (blocking I/O),
 * so it must still give the event loop a turn: SIGTERM in the middle of a
 * long run stops it between packets, soon, with every packet either
 * delivered or still waiting in rx, and the next run finishes the rest.
 */

import { assert, assertEquals } from "../assert.ts";
import { REPO_ROOT } from "../helpers.ts";
import { queuePacket } from "../../src/node/send.ts";
import { filePlain } from "../../src/packet/mod.ts";
import {
  ferryOk,
  handOver,
  namesIn,
  nodeContext,
  packetsIn,
  queueDir,
  withWorld,
} from "./_world.ts";

const PACKETS = 600;

Deno.test("SIGTERM stops a blocking ferry toss between packets; nothing is lost", async () => {
  await withWorld(async (w) => {
    const { ctx } = await nodeContext(w.alice);
    const toBob = ctx.config.neigh.get("bob")!;
    for (let i = 0; i < PACKETS; i++) {
      await queuePacket(ctx, {
        to: toBob,
        plain: filePlain(`note-${i}.txt`, 96),
        payload: new TextEncoder().encode(`note ${i}\n`),
        nice: 96,
      });
    }
    await handOver(w, "alice", "bob");
    const rx = queueDir(w.bob, "alice", "rx");
    const incoming = `${w.bob.dir}/incoming`;
    assertEquals((await packetsIn(rx)).length, PACKETS);

    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, "-c", w.bob.cfg, "toss"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 60_000;
    while ((await namesIn(incoming).catch(() => [])).length < 20 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const sentAt = Date.now();
    child.kill("SIGTERM");
    await child.status;
    const stopMs = Date.now() - sentAt;
    assert(stopMs < 3000, `toss took ${stopMs} ms to stop after SIGTERM`);

    const delivered = (await namesIn(incoming)).filter((n) => !n.startsWith(".")).length;
    const waiting = (await packetsIn(rx)).length;
    assert(
      waiting > 0,
      `toss finished all ${PACKETS} packets before SIGTERM; the test proves nothing`,
    );
    assertEquals(delivered + waiting, PACKETS, "every packet is delivered or still in rx");

    await ferryOk(w.bob, ["toss"]);
    assertEquals((await packetsIn(rx)).length, 0);
    assertEquals((await namesIn(incoming)).filter((n) => !n.startsWith(".")).length, PACKETS);
  });
});
