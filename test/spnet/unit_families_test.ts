/**
 * The systemd unit's `RestrictAddressFamilies` against what the agent really
 * opens: the agent runs its daemon, LAN announcements both ways and a call
 * under strace, in a network namespace pair, and every socket family it
 * asks for must be allowed by the unit, while every family the unit allows
 * beyond AF_UNIX (systemd's own notify socket) must be used.
 */
import { assert, assertEquals } from "../assert.ts";
import { REPO_ROOT, run, withTempDir } from "../helpers.ts";
import { filesIn, IDS, setupNodes } from "../nodes.ts";
import { canNetns, NsProcess, waitFor, withVethPair } from "./_netns.ts";

const hasStrace = (() => {
  try {
    return new Deno.Command("strace", { args: ["-V"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

type Cfg = Record<string, unknown> & { neigh: Record<string, Record<string, unknown>> };

Deno.test({
  name: "systemd unit: the agent's online work needs exactly the address families the unit allows",
  ignore: !canNetns || !hasStrace,
  sanitizeResources: false,
  fn: () =>
    withVethPair((a, b) =>
      withTempDir(async (root) => {
        const unit = await Deno.readTextFile(`${REPO_ROOT}/systemd/ferry-agent.service`);
        const allowed = new Set(
          /^RestrictAddressFamilies=(.*)$/m.exec(unit)![1]!.trim().split(/\s+/),
        );
        const nodes = await setupNodes(root, ["alice", "bob"], (name, raw) => {
          const cfg = raw as Cfg;
          if (name === "alice") {
            delete cfg.neigh.bob!.addrs;
            cfg["mcd-listen"] = [`^${a.iface}$`];
            cfg["mcd-send"] = { [`^${a.iface}$`]: 1 };
            cfg.ferry = {
              toss: { "cycle-sec": 1 },
              daemon: { bind: ["[::]:5400", "127.0.0.1:5401"] },
            };
          } else cfg["mcd-send"] = { [`^${b.iface}$`]: 1 };
        });
        const alice = nodes.alice!, bob = nodes.bob!;
        const r = await run("nncp-exec", ["-cfg", alice.cfg, "bob", "appender", "x"], {
          stdin: "over the LAN\n",
        });
        assertEquals(r.code, 0, r.stderr);
        const daemon = NsProcess.start(
          b.ns,
          "nncp-daemon",
          ["-cfg", bob.cfg, "-bind", "[::]:5400", "-autotoss"],
          `${root}/daemon.log`,
        );
        const trace = `${root}/strace.out`;
        const agent = NsProcess.start(a.ns, "strace", [
          "-f",
          "-qq",
          "-e",
          "trace=socket",
          "-o",
          trace,
          Deno.execPath(),
          "run",
          "-A",
          "--quiet",
          `${REPO_ROOT}/main.ts`,
          "-c",
          alice.cfg,
          "agent",
        ], `${root}/agent.log`);
        try {
          await waitFor(
            async () =>
              (await filesIn(`${alice.spool}/${IDS.bob}/tx`)).length === 0 &&
              (await Deno.readTextFile(`${root}/nodes/bob/exec.out`).catch(() => "")) !== "",
            120_000,
            async () => `agent:\n${await agent.log()}\ndaemon:\n${await daemon.log()}`,
          );
        } finally {
          // Stop the traced agent itself (strace would detach on SIGTERM and leave it running).
          const kids = await Deno.readTextFile(
            `/proc/${agent.child.pid}/task/${agent.child.pid}/children`,
          )
            .catch(() => "");
          for (const pid of kids.trim().split(/\s+/).filter((p) => p !== "")) {
            try {
              Deno.kill(Number(pid), "SIGTERM");
            } catch { /* gone */ }
          }
          await agent.stop();
          await daemon.stop();
        }
        const used = new Set(
          [...(await Deno.readTextFile(trace)).matchAll(/socket\((AF_[A-Z0-9]+)/g)].map((m) =>
            m[1]!
          ),
        );
        for (const f of used) {
          assert(allowed.has(f), `the agent opened ${f}, which the unit forbids`);
        }
        for (const f of allowed) {
          if (f !== "AF_UNIX") {
            assert(used.has(f), `the unit allows ${f}, which the agent never used`);
          }
        }
      }, "ferry-spnet-")
    ),
});
