import { assert, assertEquals } from "../assert.ts";
import { ferry, withTempDir } from "../helpers.ts";
import { IDS, setupNodes } from "../nodes.ts";
import { startSocatPtyPair } from "../../hw/mock/mod.ts";
import { delay, FerryProcess, readOr, waitFor, walkFiles } from "./_fixture.ts";

async function ok(args: string[], stdin?: Uint8Array): Promise<string> {
  const r = await ferry(args, stdin ? { stdin } : {});
  assertEquals(r.code, 0, `ferry ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

const linkArgs = (cfg: string, port: string) => [
  "--config",
  cfg,
  "link",
  "--node",
  "bob",
  "--port",
  port,
  "--modem",
  "cable",
  "--baud",
  "115200",
  "--stay",
];

Deno.test("ferry status shows queues per neighbour, the link and its budget, sync folders, the last toss and the job queue", async () => {
  await withTempDir(async (root) => {
    const pty = await startSocatPtyPair();
    const processes: FerryProcess[] = [];
    try {
      const jobs = `${root}/jobs`;
      const sync = `${root}/sync`;
      const nodes = await setupNodes(root, ["alice", "bob", "carol"], (name, cfg) => {
        if (name !== "bob") return;
        cfg.ferry = {
          name: "bob",
          toss: { "cycle-sec": 1 },
          links: [{
            node: "alice",
            port: pty.paths[1],
            modem: "cable",
            baud: 115200,
            lora: { sf: 7, "bw-khz": 125 },
            "duty-cycle": 50,
          }],
          "sync-folders": [{ path: sync, nodes: ["alice"], "interval-sec": 1 }],
          queues: [{ dir: jobs, command: ["/bin/true"] }],
        };
      });
      const alice = nodes.alice!, bob = nodes.bob!, carol = nodes.carol!;
      // bob has a file waiting for carol; carol sent bob a command he does not allow.
      await Deno.writeTextFile(`${root}/for-carol.txt`, "hello carol\n");
      await ok(["--config", bob.cfg, "file", `${root}/for-carol.txt`, "carol:"]);
      await ok(
        ["--config", carol.cfg, "exec", "bob", "no-such-handle"],
        new TextEncoder().encode("x"),
      );
      const [carolPkt] = (await walkFiles(`${carol.spool}/${IDS.bob}/tx`)).filter((f) =>
        !f.includes("/")
      );
      await Deno.mkdir(`${bob.spool}/${IDS.carol}/rx`, { recursive: true });
      await Deno.rename(
        `${carol.spool}/${IDS.bob}/tx/${carolPkt}`,
        `${bob.spool}/${IDS.carol}/rx/${carolPkt}`,
      );
      // Job 2 is queued; job 1 never came.
      await ok(["queue", "init", "-q", jobs]);
      await ok(["queue", "prepare-set-next", "-s", `${root}/seq`, "2"]);
      const job = (await ferry(["queue", "prepare", "-s", `${root}/seq`])).stdoutBytes;
      const written = await ferry(["queue", "write", "-q", jobs], { stdin: job });
      assertEquals(written.code, 0, written.stderr);
      // alice sends bob a file over the link.
      await Deno.writeTextFile(`${root}/by-radio.txt`, "over the air\n");
      await ok(["--config", alice.cfg, "file", `${root}/by-radio.txt`, "bob:"]);

      processes.push(
        FerryProcess.start(linkArgs(alice.cfg, pty.paths[0]), `${root}/alice.log`),
      );
      const agent = FerryProcess.start(["--config", bob.cfg, "agent"], `${root}/bob.log`);
      processes.push(agent);
      const report = async () => JSON.parse(await ok(["--config", bob.cfg, "status", "--json"]));
      await waitFor("the radio file, a failed toss, a sync scan and the queue at bob", async () => {
        const r = await report();
        return (await walkFiles(bob.incoming)).includes("by-radio.txt") &&
          r.toss?.failed >= 1 && r.toss?.tossed >= 1 && r.media?.syncFolders[0]?.lastScan &&
          r.queues[0]?.lastRun !== undefined && typeof r.links[0]?.budgetLeftSec === "number";
      });
      const r = await report();
      assertEquals([r.node, r.id, r.agent.running, r.agent.state], [
        "bob",
        IDS.bob,
        true,
        "running",
      ]);
      const byName = Object.fromEntries(r.neighbours.map((n: { node: string }) => [n.node, n]));
      assertEquals(Object.keys(byName), ["alice", "carol"]);
      assertEquals(byName.carol.toSend.packets, 1);
      assert(byName.carol.toSend.bytes > 12, "the packet's size");
      assert(Date.now() - Date.parse(byName.carol.toSend.oldest) < 120_000, "oldest is recent");
      assertEquals(byName.carol.received.packets, 1, "carol's refused command waits in rx");
      assertEquals(byName.alice.toSend.packets, 0);
      const link = r.links[0];
      assertEquals([link.node, link.state], ["alice", "connected"]);
      assert(
        link.budgetLeftSec > 1700 && link.budgetLeftSec <= 1800,
        `budget ${link.budgetLeftSec}`,
      );
      assertEquals(r.media.present, []);
      assertEquals(r.media.syncFolders[0].path, sync);
      assert(r.toss.lastFailedAt, "the failed toss has a time");
      assertEquals(
        [r.queues[0].dir, r.queues[0].nextSeq, r.queues[0].waitingFor, r.queues[0].ran],
        [jobs, "1", "1", 0],
      );

      const text = await ok(["--config", bob.cfg, "status"]);
      assert(
        text.startsWith(`ferry node bob (${IDS.bob})\nagent: running (pid ${agent.pid}`),
        text,
      );
      assert(/\ncarol +1 pkt \d+ B, oldest \d+s ago +1 pkt \d+ B\n/.test(text), text);
      assert(/\n {2}alice +connected \d+s ago, budget left 1[78]\d\ds/.test(text), text);
      assert(text.includes(`  sync ${sync}: scanned `), text);
      assert(text.includes(`  ${jobs}: 0 job(s) done, next 1, waiting for job 1, last run`), text);
      assert(
        /\ntoss: last run \d+s ago; \d+ tossed, [1-9]\d* failed, 0 duplicates/.test(text),
        text,
      );

      agent.signal("SIGTERM");
      assertEquals((await agent.finished()).code, 0);
      const after = await ok(["--config", bob.cfg, "status"]);
      assert(after.includes(`agent: stopped (pid ${agent.pid}`), after);
      assert(/\n {2}alice +stopped /.test(after), after);
    } finally {
      for (const p of processes) p.signal("SIGTERM");
      await Promise.allSettled(processes.map((p) => p.finished()));
      await pty.stop();
    }
  });
});

Deno.test("ferry status says NOT running for an agent that was killed", async () => {
  await withTempDir(async (root) => {
    const { bob } = await setupNodes(root, ["bob"], (_, cfg) => {
      cfg.ferry = { name: "bob" };
    });
    const agent = FerryProcess.start(["--config", bob!.cfg, "agent"], `${root}/bob.log`);
    await waitFor(
      "the agent",
      async () => (await readOr(`${root}/bob.log`)).includes("agent-ready"),
    );
    await agent.kill();
    const r = JSON.parse(await ok(["--config", bob!.cfg, "status", "--json"]));
    assertEquals([r.agent.running, r.agent.state, r.agent.pid], [false, "not running", agent.pid]);
    const text = await ok(["--config", bob!.cfg, "status"]);
    assert(text.includes(`agent: NOT running (it did not stop cleanly) (pid ${agent.pid}`), text);
  });
});

/** `HH:MM` of local time `ms`. */
function hhmm(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

Deno.test("a link outside its radio window stays closed: nothing moves, and the status says when it opens", async () => {
  await withTempDir(async (root) => {
    const pty = await startSocatPtyPair();
    const processes: FerryProcess[] = [];
    try {
      const opens = Date.now() + 2 * 3_600_000;
      const window = `${hhmm(opens)}-${hhmm(opens + 3_600_000)}`;
      const nodes = await setupNodes(root, ["alice", "bob"], (name, cfg) => {
        if (name !== "bob") return;
        cfg.ferry = {
          name: "bob",
          links: [{
            node: "alice",
            port: pty.paths[1],
            modem: "cable",
            baud: 115200,
            schedule: [window],
          }],
        };
      });
      const alice = nodes.alice!, bob = nodes.bob!;
      await Deno.writeTextFile(`${root}/waits.txt`, "for the window\n");
      await ok(["--config", alice.cfg, "file", `${root}/waits.txt`, "bob:"]);
      processes.push(FerryProcess.start(linkArgs(alice.cfg, pty.paths[0]), `${root}/alice.log`));
      const agent = FerryProcess.start(["--config", bob.cfg, "agent"], `${root}/bob.log`);
      processes.push(agent);
      await waitFor(
        "the agent",
        async () => (await readOr(`${root}/bob.log`)).includes("agent-ready"),
      );
      await delay(4_000); // alice keeps offering all this while
      const log = await readOr(`${root}/bob.log`);
      assert(!log.includes("serial-open") && !log.includes("link-open"), log);
      const closed = /link-window-closed node=alice opensAt=(\S+)/.exec(log);
      assert(closed, log);
      const opensAt = new Date(closed[1]!);
      assertEquals(hhmm(opensAt.getTime()), window.slice(0, 5));
      assert(opensAt.getTime() > Date.now() + 3_600_000, `opens ${opensAt.toISOString()}`);
      const queued = (await walkFiles(`${alice.spool}/${IDS.bob}/tx`)).filter((f) =>
        !f.includes("/")
      );
      assertEquals(queued.length, 1, "the file is still at alice");
      assertEquals(await walkFiles(bob.incoming), []);
      const r = JSON.parse(await ok(["--config", bob.cfg, "status", "--json"]));
      assertEquals(r.links[0].state, "waiting-window");
      const text = await ok(["--config", bob.cfg, "status"]);
      assert(text.includes(`  alice          waiting-window (opens ${window.slice(0, 5)}) `), text);
      agent.signal("SIGTERM");
      assertEquals((await agent.finished()).code, 0);
    } finally {
      for (const p of processes) p.signal("SIGTERM");
      await Promise.allSettled(processes.map((p) => p.finished()));
      await pty.stop();
    }
  });
});
