/**
 * `ferry status` read right after each kind of event matches what happened:
 * jobs run (counted once each, the queue's next number), a link stopped (when
 * it stopped), a medium inserted and removed. Each event is recognised by
 * the agent's own log line; the status must then show it within 1 s, well
 * inside the agent's 5 s heartbeat, so a status written only by the
 * heartbeat would mostly show the state from before the event (and, over
 * the five events here, practically always once).
 */

import { assert, assertEquals } from "../assert.ts";
import { ferry, runOk, withTempDir } from "../helpers.ts";
import { setupNodes } from "../nodes.ts";
import { startSocatPtyPair } from "../../hw/mock/mod.ts";
import { delay, FerryProcess, readOr, waitFor } from "./_fixture.ts";

/** How long after the log line the status may take to show the event: far below the heartbeat. */
const showsWithinMs = 1_000;

/** The agent's status file, read until `ok` holds or {@linkcode showsWithinMs} passed. */
// deno-lint-ignore no-explicit-any
async function statusFile(spool: string, ok: (s: any) => boolean): Promise<any> {
  const until = Date.now() + showsWithinMs;
  const read = async () =>
    JSON.parse(await Deno.readTextFile(`${spool}/.ferry/agent-status.json`).catch(() => "{}"));
  let s = await read();
  while (!ok(s) && Date.now() < until) {
    await delay(25);
    s = await read();
  }
  return s;
}

// deno-lint-ignore no-explicit-any
async function status(cfg: string): Promise<Record<string, any>> {
  const r = await ferry(["--config", cfg, "status", "--json"]);
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

Deno.test("ferry status right after jobs run and after the agent (and its link) stopped", async () => {
  await withTempDir(async (root) => {
    const pty = await startSocatPtyPair();
    let agent: FerryProcess | undefined;
    try {
      const jobs = `${root}/jobs`;
      const ran = `${root}/ran`;
      const { bob } = await setupNodes(root, ["alice", "bob"], (name, cfg) => {
        if (name !== "bob") return;
        cfg.ferry = {
          name: "bob",
          toss: { "cycle-sec": 1 },
          links: [{ node: "alice", port: pty.paths[1], modem: "cable", baud: 115200 }],
          queues: [{ dir: jobs, command: ["/bin/sh", "-c", `cat >> ${ran}`] }],
        };
      });
      const cfg = bob!.cfg;
      const spool = bob!.spool;
      const log = `${root}/bob.log`;
      await runOk(
        Deno.execPath(),
        ["run", "-A", "--quiet", "main.ts", "queue", "init", "-q", jobs],
        {
          cwd: new URL("../..", import.meta.url).pathname,
        },
      );
      agent = FerryProcess.start(["--config", cfg, "agent"], log);
      await waitFor("the agent", async () => (await readOr(log)).includes("agent-ready"));

      for (const n of [1, 2, 3]) {
        const job = await ferry(["queue", "prepare", "-s", `${root}/seq`, "-i", "-"], {
          stdin: `job ${n}\n`,
        });
        assertEquals(job.code, 0, job.stderr);
        const w = await ferry(["queue", "write", "-q", jobs], { stdin: job.stdoutBytes });
        assertEquals(w.code, 0, w.stderr);
        await waitFor(`job ${n} ran`, async () => count(await readOr(log), "queue-ran") >= n);
        const q = (await statusFile(spool, (s) => s.queues?.[0]?.done === n)).queues[0];
        assertEquals(
          [q.done, q.failed, q.nextSeq, q.waitingFor],
          [n, 0, String(n + 1), null],
          `status after job ${n}`,
        );
      }
      assertEquals(await Deno.readTextFile(ran), "job 1\njob 2\njob 3\n");
      const text = (await ferry(["--config", cfg, "status"])).stdout;
      assert(text.includes(`${jobs}: 3 job(s) done, next 4, last run`), text);

      const before = await status(cfg);
      assertEquals(before.links[0].state, "connected");
      const connectedAt = Date.parse(before.links[0].since);
      await delay(2_000);
      const stopAt = Date.now();
      agent.signal("SIGTERM");
      assertEquals((await agent.finished()).code, 0);
      agent = undefined;
      const after = await status(cfg);
      assertEquals([after.agent.state, after.links[0].state], ["stopped", "stopped"]);
      const since = Date.parse(after.links[0].since);
      assert(
        since >= stopAt - 50 && since > connectedAt + 1_000,
        `stopped since ${after.links[0].since}`,
      );
      const shown = (await ferry(["--config", cfg, "status"])).stdout;
      assert(/\n {2}alice +stopped [0-2]s ago/.test(shown), shown);
    } finally {
      agent?.signal("SIGTERM");
      await agent?.finished();
      await pty.stop();
    }
  });
});

Deno.test({
  name: "ferry status right after a medium is inserted and after it is removed",
  ignore: Deno.uid() !== 0,
  async fn() {
    await withTempDir(async (root) => {
      const stick = `${root}/media/ferry-stick`;
      await Deno.mkdir(stick, { recursive: true });
      const { bob } = await setupNodes(root, ["alice", "bob"], (name, cfg) => {
        if (name !== "bob") return;
        cfg.ferry = { name: "bob", media: { mounts: [`${root}/media/ferry-*`] } };
      });
      const cfg = bob!.cfg;
      const spool = bob!.spool;
      const log = `${root}/bob.log`;
      const agent = FerryProcess.start(["--config", cfg, "agent"], log);
      let mounted = false;
      try {
        await waitFor("the agent", async () => (await readOr(log)).includes("agent-ready"));
        await runOk("mount", ["-t", "tmpfs", "-o", "size=4m", "none", stick]);
        mounted = true;
        await waitFor(
          "the session",
          async () => (await readOr(log)).includes("medium-safe-to-remove"),
        );
        await statusFile(spool, (s) => s.media?.present?.length === 1);
        const inserted = await status(cfg);
        assertEquals(inserted.media.present, [stick]);
        assertEquals(inserted.media.lastMedium.mountPoint, stick);
        assertEquals(inserted.media.lastMedium.safe, true);
        await runOk("umount", [stick]);
        mounted = false;
        await waitFor("the removal", async () => (await readOr(log)).includes("medium-removed"));
        await statusFile(spool, (s) => s.media?.present?.length === 0);
        assertEquals((await status(cfg)).media.present, []);
        const text = (await ferry(["--config", cfg, "status"])).stdout;
        assert(text.includes("  present: none"), text);
        // a stopped agent watches nothing: it claims no medium present or absent
        await runOk("mount", ["-t", "tmpfs", "-o", "size=4m", "none", stick]);
        mounted = true;
        await waitFor(
          "the second session",
          async () => count(await readOr(log), "medium-safe-to-remove") >= 2,
        );
        agent.signal("SIGTERM");
        assertEquals((await agent.finished()).code, 0);
        const stopped = (await ferry(["--config", cfg, "status"])).stdout;
        assert(stopped.includes("  present: unknown (the agent is not running)"), stopped);
      } finally {
        if (mounted) await runOk("umount", [stick]).catch(() => {});
        agent.signal("SIGTERM");
        await agent.finished();
      }
    });
  },
});
