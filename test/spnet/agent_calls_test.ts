/**
 * The agent's scheduled calls and daemon with the real SP engine against the
 * real NNCP programs on loopback, and `ferry status` showing sessions.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { REPO_ROOT, run, withTempDir } from "../helpers.ts";
import { filesIn, IDS, setupNodes, type TestNode } from "../nodes.ts";
import { NsProcess, waitFor } from "./_netns.ts";
import { writeAgentStatus } from "../../src/agent/status.ts";

const sessionWaitMs = 90_000;

type Cfg = Record<string, unknown> & { neigh: Record<string, Record<string, unknown>> };

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Runs a process in our own namespace (NsProcess without `ip netns exec`). */
function start(cmd: string, args: string[], log: string): NsProcess {
  return NsProcess.startHere(cmd, args, log);
}

async function nncpOk(prog: string, node: TestNode, args: string[], stdin?: string): Promise<void> {
  const r = await run(`nncp-${prog}`, ["-cfg", node.cfg, ...args], stdin ? { stdin } : {});
  if (r.code !== 0) throw new Error(`nncp-${prog} ${args.join(" ")}: ${r.stderr}`);
}

async function txOf(node: TestNode, peer: keyof typeof IDS): Promise<string[]> {
  return (await filesIn(`${node.spool}/${IDS[peer]}/tx`)).filter((n) => /^[A-Z2-7]{52}$/.test(n));
}

Deno.test({
  name:
    "agent calls: a scheduled call with when-tx-exists reaches nncp-daemon only once packets wait",
  sanitizeResources: false,
  fn: () =>
    withTempDir(async (root) => {
      const port = freePort();
      const nodes = await setupNodes(root, ["alice", "bob"], (name, raw) => {
        const cfg = raw as Cfg;
        if (name === "alice") {
          cfg.neigh.bob!.addrs = { lo: `127.0.0.1:${port}` };
          cfg.neigh.bob!.calls = [{
            cron: "* * * * * * *",
            "when-tx-exists": true,
            nice: "NORMAL",
            onlinedeadline: 1,
          }];
          cfg.ferry = { "log-level": "debug", toss: { "cycle-sec": 1 } };
        }
      });
      const alice = nodes.alice!, bob = nodes.bob!;
      const daemon = start(
        "nncp-daemon",
        ["-cfg", bob.cfg, "-bind", `127.0.0.1:${port}`, "-autotoss"],
        `${root}/daemon.log`,
      );
      const agent = start(
        Deno.execPath(),
        ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, "-c", alice.cfg, "agent"],
        `${root}/agent.log`,
      );
      try {
        // Nothing at most NORMAL waits: a bulk packet does not make the call happen.
        await nncpOk("exec", alice, ["-nice", "BULK", "bob", "appender", "bulk"], "bulk\n");
        await new Promise((r) => setTimeout(r, 4000));
        assertEquals((await txOf(alice, "bob")).length, 1);
        assert(!(await agent.log()).includes("call-start"), await agent.log());
        await nncpOk("exec", alice, ["-nice", "NORMAL", "bob", "appender", "normal"], "normal\n");
        await waitFor(
          async () =>
            (await Deno.readTextFile(`${root}/nodes/bob/exec.out`).catch(() => "")).includes(
              "normal",
            ),
          sessionWaitMs,
          async () => `agent:\n${await agent.log()}\ndaemon:\n${await daemon.log()}`,
        );
      } finally {
        await agent.stop();
        await daemon.stop();
      }
      // The call carried only what its niceness allows: the bulk packet still waits.
      assertEquals((await txOf(alice, "bob")).length, 1);
      assertEquals(await Deno.readTextFile(`${root}/nodes/bob/exec.out`), "normal\n");
      assertStringIncludes(
        await agent.log(),
        `call-start node=bob addr=127.0.0.1:${port} why="call 0"`,
      );
    }, "ferry-spnet-"),
});

Deno.test({
  name: "agent calls: the agent's daemon answers nncp-call, and the agent tosses what came",
  sanitizeResources: false,
  fn: () =>
    withTempDir(async (root) => {
      const port = freePort();
      const nodes = await setupNodes(root, ["alice", "bob"], (name, raw) => {
        const cfg = raw as Cfg;
        if (name === "alice") {
          cfg.ferry = {
            toss: { "cycle-sec": 1 },
            daemon: { bind: [`127.0.0.1:${port}`], maxconn: 2 },
          };
        } else cfg.neigh.alice!.addrs = { lo: `127.0.0.1:${port}` };
      });
      const alice = nodes.alice!, bob = nodes.bob!;
      await Deno.writeTextFile(`${root}/hello.txt`, "hello alice\n");
      await nncpOk("file", bob, [`${root}/hello.txt`, "alice:hello.txt"]);
      const agent = start(
        Deno.execPath(),
        ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, "-c", alice.cfg, "agent"],
        `${root}/agent.log`,
      );
      try {
        await waitFor(
          async () => (await agent.log()).includes("sp-daemon-listening"),
          sessionWaitMs,
          () => agent.log(),
        );
        await nncpOk("call", bob, ["-onlinedeadline", "1", "alice"]);
        await waitFor(
          async () =>
            (await Deno.readTextFile(`${alice.incoming}/hello.txt`).catch(() => "")) !== "",
          sessionWaitMs,
          () => agent.log(),
        );
      } finally {
        await agent.stop();
      }
      assertEquals(await Deno.readTextFile(`${alice.incoming}/hello.txt`), "hello alice\n");
      assertEquals((await txOf(bob, "alice")).length, 0);
    }, "ferry-spnet-"),
});

Deno.test("ferry status shows each online session: peer, direction, bytes, rate, ETA", async () => {
  await withTempDir(async (root) => {
    const nodes = await setupNodes(root, ["alice"]);
    const alice = nodes.alice!;
    const now = new Date().toISOString();
    await writeAgentStatus(alice.spool, {
      pid: Deno.pid,
      state: "running",
      startedAt: now,
      updatedAt: now,
      toss: { tossed: 0, failed: 0, duplicates: 0 },
      links: [],
      media: { present: [], syncFolders: [] },
      queues: [],
      sessions: [
        {
          id: 1,
          peer: "bob",
          direction: "call",
          state: "exchanging",
          since: now,
          rxBytes: 3 * 1024 * 1024,
          txBytes: 2048,
          rxRate: 512 * 1024,
          txRate: 0,
          etaSec: 42,
        },
        {
          id: 2,
          peer: "carol",
          direction: "answer",
          state: "finished",
          since: now,
          rxBytes: 1,
          txBytes: 1,
          rxRate: 0,
          txRate: 0,
        },
      ],
      calls: [{ node: "bob", call: 0, cron: "*/10 * * * *", nextAt: now }],
      discovered: { bob: ["[fe80::1%eth0]:5400"] },
    });
    const r = await run(Deno.execPath(), [
      "run",
      "-A",
      "--quiet",
      `${REPO_ROOT}/main.ts`,
      "-c",
      alice.cfg,
      "status",
    ]);
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stdout, "online sessions");
    assert(
      /bob\s+call\s+exchanging\s+rx 3(\.0)? MiB at 512(\.0)? KiB\/s, tx 2(\.0)? KiB at -, ETA 42s/
        .test(
          r.stdout,
        ),
      r.stdout,
    );
    // Finished sessions are not shown as online.
    assert(!/carol\s+answer/.test(r.stdout), r.stdout);
    assertStringIncludes(r.stdout, 'bob #0 "*/10 * * * *": next');
    assertStringIncludes(r.stdout, "[fe80::1%eth0]:5400");
    const j = await run(Deno.execPath(), [
      "run",
      "-A",
      "--quiet",
      `${REPO_ROOT}/main.ts`,
      "-c",
      alice.cfg,
      "status",
      "--json",
    ]);
    const report = JSON.parse(j.stdout);
    assertEquals(report.sessions.map((s: { peer: string }) => s.peer), ["bob"]);
  }, "ferry-spnet-");
});
