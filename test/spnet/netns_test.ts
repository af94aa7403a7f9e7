/**
 * LAN discovery against the real NNCP programs: two network namespaces joined
 * by a veth pair, IPv6 link-local addresses only, no address written in any
 * configuration — the nodes find each other by their announcements alone.
 * Needs root (the tests are ignored, not passed, without it).
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { REPO_ROOT, run, withTempDir } from "../helpers.ts";
import { filesIn, setupNodes, type TestNode } from "../nodes.ts";
import { canNetns, NsProcess, waitFor, withVethPair } from "./_netns.ts";
import { IDS } from "../nodes.ts";

/** Longest wait for discovery plus one session, ms. */
const sessionWaitMs = 90_000;

type Cfg = Record<string, unknown> & { neigh: Record<string, Record<string, unknown>> };

function ferryIn(ns: string, node: TestNode, args: string[], log: string): NsProcess {
  return NsProcess.start(
    ns,
    Deno.execPath(),
    ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, "-c", node.cfg, ...args],
    log,
  );
}

async function nncpOk(prog: string, node: TestNode, args: string[], stdin?: string): Promise<void> {
  const r = await run(`nncp-${prog}`, ["-cfg", node.cfg, ...args], stdin ? { stdin } : {});
  if (r.code !== 0) throw new Error(`nncp-${prog} ${args.join(" ")}: ${r.stderr}`);
}

async function packets(node: TestNode, peer: keyof typeof IDS, xx: "rx" | "tx"): Promise<string[]> {
  return (await filesIn(`${node.spool}/${IDS[peer]}/${xx}`)).filter((n) =>
    /^[A-Z2-7]{52}$/.test(n)
  );
}

Deno.test({
  name: "mcd: a ferry agent discovers an announcing nncp-daemon and delivers what waits for it",
  ignore: !canNetns,
  sanitizeResources: false,
  fn: () =>
    withVethPair((a, b) =>
      withTempDir(async (root) => {
        const nodes = await setupNodes(root, ["alice", "bob"], (name, raw) => {
          const cfg = raw as Cfg;
          if (name === "alice") {
            // No address for bob anywhere: only his announcements can lead to him.
            delete cfg.neigh.bob!.addrs;
            cfg["mcd-listen"] = [`^${a.iface}$`];
            cfg.ferry = { "log-level": "debug", toss: { "cycle-sec": 1 } };
          } else {
            cfg["mcd-send"] = { [`^${b.iface}$`]: 1 };
          }
        });
        const alice = nodes.alice!, bob = nodes.bob!;
        await Deno.writeTextFile(`${root}/letter.txt`, "for bob, over the LAN\n");
        await nncpOk("file", alice, [`${root}/letter.txt`, "bob:letter.txt"]);
        await nncpOk("exec", alice, ["bob", "appender", "one"], "exec body\n");
        const waiting = await packets(alice, "bob", "tx");
        assertEquals(waiting.length, 2);

        const agent = ferryIn(a.ns, alice, ["agent"], `${root}/agent.log`);
        let daemon: NsProcess | undefined;
        try {
          // Hostile neighbours first: garbage and a stranger's announcement on the link.
          await waitFor(
            async () => (await agent.log()).includes(`mcd-listen iface=${a.iface}`),
            sessionWaitMs,
            () => agent.log(),
          );
          const noise = await run("ip", [
            "netns",
            "exec",
            b.ns,
            Deno.execPath(),
            "eval",
            `import dgram from "node:dgram";
             const s = dgram.createSocket({ type: "udp6" });
             const to = "ff02::4e4e:4350%${b.iface}";
             const stranger = new Uint8Array(40).fill(0x11);
             stranger.set([0x4e, 0x4e, 0x43, 0x50, 0x44, 0, 0, 1]);
             for (const d of [new TextEncoder().encode("hello"), new Uint8Array(40), stranger, new Uint8Array(9000)]) {
               await new Promise((r) => s.send(d, 5400, to, r));
             }
             s.close();`,
          ]);
          assertEquals(noise.code, 0, noise.stderr);
          await waitFor(
            async () => (await agent.log()).includes("mcd-unknown-node"),
            sessionWaitMs,
            () => agent.log(),
          );
          daemon = NsProcess.start(
            b.ns,
            "nncp-daemon",
            ["-cfg", bob.cfg, "-bind", "[::]:5400", "-autotoss", "-debug"],
            `${root}/daemon.log`,
          );
          await waitFor(
            async () =>
              (await packets(alice, "bob", "tx")).length === 0 &&
              (await Deno.readTextFile(`${bob.incoming}/letter.txt`).catch(() => "")) !== "",
            sessionWaitMs,
            async () => `agent:\n${await agent.log()}\ndaemon:\n${await daemon?.log()}`,
          );
        } finally {
          await agent.stop();
          await daemon?.stop();
        }
        const log = await agent.log();
        // The garbage was dropped quietly (debug), the stranger never became an address.
        assert(/debug mcd-malformed .*40 bytes|debug mcd-malformed .*magic/.test(log), log);
        assert(/debug mcd-malformed .*5 bytes, expected 40/.test(log), log);
        assert(!/mcd-add node=(?!bob)/.test(log), log);
        // Found by the announcement, on the veth link, and called because packets waited.
        assert(
          new RegExp(`mcd-add node=bob addr=\\S*fe80::[0-9a-f:]+%${a.iface}\\]:5400`).test(log),
          log,
        );
        assertStringIncludes(log, `why="announced on ${a.iface}"`);
        assertEquals(
          await Deno.readTextFile(`${bob.incoming}/letter.txt`),
          "for bob, over the LAN\n",
        );
        assertEquals(await Deno.readTextFile(`${root}/nodes/bob/exec.out`), "exec body\n");
      }, "ferry-spnet-")
    ),
});

Deno.test({
  name:
    "mcd: nncp-caller discovers the ferry agent's announcements and completes its scheduled call",
  ignore: !canNetns,
  sanitizeResources: false,
  fn: () =>
    withVethPair((a, b) =>
      withTempDir(async (root) => {
        const nodes = await setupNodes(root, ["alice", "bob"], (name, raw) => {
          const cfg = raw as Cfg;
          if (name === "alice") {
            cfg["mcd-send"] = { [`^${a.iface}$`]: 1 };
            cfg.ferry = {
              "log-level": "debug",
              toss: { "cycle-sec": 1 },
              daemon: { bind: ["[::]:5400"] },
            };
          } else {
            delete cfg.neigh.alice!.addrs;
            cfg["mcd-listen"] = [`^${b.iface}$`];
            cfg.neigh.alice!.calls = [{ cron: "*/2 * * * * * *", onlinedeadline: 2 }];
          }
        });
        const alice = nodes.alice!, bob = nodes.bob!;
        await Deno.writeTextFile(`${root}/reply.txt`, "for alice, from bob's caller\n");
        await nncpOk("file", bob, [`${root}/reply.txt`, "alice:reply.txt"]);
        assertEquals((await packets(bob, "alice", "tx")).length, 1);

        const agent = ferryIn(a.ns, alice, ["agent"], `${root}/agent.log`);
        const caller = NsProcess.start(
          b.ns,
          "nncp-caller",
          ["-cfg", bob.cfg, "-debug"],
          `${root}/caller.log`,
        );
        try {
          await waitFor(
            async () =>
              (await packets(bob, "alice", "tx")).length === 0 &&
              (await Deno.readTextFile(`${alice.incoming}/reply.txt`).catch(() => "")) !== "",
            sessionWaitMs,
            async () => `agent:\n${await agent.log()}\ncaller:\n${await caller.log()}`,
          );
        } finally {
          await caller.stop();
          await agent.stop();
        }
        const callerLog = await caller.log();
        // NNCP learnt the address from ferry's announcement (fe80::…%iface, the daemon's port).
        assert(
          /MCD discovered alice's address: \[fe80::[0-9a-f:]+%\S+\]:5400/.test(callerLog),
          callerLog,
        );
        assertEquals(
          await Deno.readTextFile(`${alice.incoming}/reply.txt`),
          "for alice, from bob's caller\n",
        );
      }, "ferry-spnet-")
    ),
});

Deno.test({
  name:
    "mcd: nncp-caller discovers `ferry daemon`'s announcements (mcd-send) and completes its call",
  ignore: !canNetns,
  sanitizeResources: false,
  fn: () =>
    withVethPair((a, b) =>
      withTempDir(async (root) => {
        const nodes = await setupNodes(root, ["alice", "bob"], (name, raw) => {
          const cfg = raw as Cfg;
          if (name === "alice") {
            cfg["mcd-send"] = { [`^${a.iface}$`]: 1 };
            cfg.ferry = { "log-level": "debug" };
          } else {
            delete cfg.neigh.alice!.addrs;
            cfg["mcd-listen"] = [`^${b.iface}$`];
            cfg.neigh.alice!.calls = [{ cron: "*/2 * * * * * *", onlinedeadline: 2 }];
          }
        });
        const alice = nodes.alice!, bob = nodes.bob!;
        await Deno.writeTextFile(`${root}/reply.txt`, "for alice, from bob's caller\n");
        await nncpOk("file", bob, [`${root}/reply.txt`, "alice:reply.txt"]);
        assertEquals((await packets(bob, "alice", "tx")).length, 1);

        const agent = ferryIn(
          a.ns,
          alice,
          ["daemon", "--bind", "[::]:5400", "--autotoss"],
          `${root}/agent.log`,
        );
        const caller = NsProcess.start(
          b.ns,
          "nncp-caller",
          ["-cfg", bob.cfg, "-debug"],
          `${root}/caller.log`,
        );
        try {
          await waitFor(
            async () =>
              (await packets(bob, "alice", "tx")).length === 0 &&
              (await Deno.readTextFile(`${alice.incoming}/reply.txt`).catch(() => "")) !== "",
            sessionWaitMs,
            async () => `agent:\n${await agent.log()}\ncaller:\n${await caller.log()}`,
          );
        } finally {
          await caller.stop();
          await agent.stop();
        }
        const callerLog = await caller.log();
        // NNCP learnt the address from ferry's announcement (fe80::…%iface, the daemon's port).
        assert(
          /MCD discovered alice's address: \[fe80::[0-9a-f:]+%\S+\]:5400/.test(callerLog),
          callerLog,
        );
        assertEquals(
          await Deno.readTextFile(`${alice.incoming}/reply.txt`),
          "for alice, from bob's caller\n",
        );
      }, "ferry-spnet-")
    ),
});
