import { assert, assertEquals } from "../assert.ts";
import { ferry, run, withTempDir } from "../helpers.ts";
import { IDS, setupNodes, type TestNode } from "../nodes.ts";
import { FerryProcess, readOr, waitFor, walkFiles } from "./_fixture.ts";

const enc = new TextEncoder();

/** A receiver for systemd notify datagrams (socat on a unix datagram socket). */
async function startNotifyReceiver(path: string) {
  const child = new Deno.Command("socat", {
    args: ["-u", `UNIX-RECV:${path}`, "-"],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let text = "";
  const reading = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  await waitFor("the notify socket", () => Deno.stat(path).then(() => true, () => false), 5_000);
  return {
    text: () => text,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await reading;
    },
  };
}

function count(text: string, what: string): number {
  return text.split(what).length - 1;
}

async function agentStatus(node: TestNode) {
  return JSON.parse(await readOr(`${node.spool}/.ferry/agent-status.json`) || "null");
}

Deno.test("under systemd the agent says READY=1, pings WATCHDOG=1 at half of WATCHDOG_USEC, and says STOPPING=1 on SIGTERM", async () => {
  await withTempDir(async (root) => {
    const { bob } = await setupNodes(root, ["bob"], (_, cfg) => {
      cfg.ferry = { name: "bob", toss: { "cycle-sec": 1 } };
    });
    const socket = `${root}/notify.sock`;
    const notify = await startNotifyReceiver(socket);
    try {
      const agent = FerryProcess.start(["--config", bob!.cfg, "agent"], `${root}/agent.log`, {
        NOTIFY_SOCKET: socket,
        WATCHDOG_USEC: "600000",
      });
      await waitFor("READY=1", () => notify.text().includes("READY=1"), 20_000);
      const readyAt = Date.now();
      assertEquals(count(notify.text(), "WATCHDOG=1"), 0, "no ping before the first interval");
      await waitFor("three watchdog pings", () => count(notify.text(), "WATCHDOG=1") >= 3, 5_000);
      // Pings every 300 ms: three of them well within 1.8 s.
      assert(Date.now() - readyAt < 1_800, `pings came slowly: ${Date.now() - readyAt} ms`);
      assert(!notify.text().includes("STOPPING=1"), "no STOPPING=1 while running");
      agent.signal("SIGTERM");
      const status = await agent.finished();
      assertEquals(status.code, 0, await readOr(`${root}/agent.log`));
      await waitFor("STOPPING=1", () => notify.text().includes("STOPPING=1"), 2_000);
      assert(notify.text().indexOf("READY=1") < notify.text().indexOf("STOPPING=1"));
      assert(notify.text().includes("STATUS=serving 0 link(s)"), notify.text());
    } finally {
      await notify.stop();
    }
  });
});

Deno.test("without WATCHDOG_USEC the agent sends READY=1 and no watchdog pings", async () => {
  await withTempDir(async (root) => {
    const { bob } = await setupNodes(root, ["bob"], (_, cfg) => {
      cfg.ferry = { name: "bob" };
    });
    const socket = `${root}/notify.sock`;
    const notify = await startNotifyReceiver(socket);
    try {
      const agent = FerryProcess.start(["--config", bob!.cfg, "agent"], `${root}/agent.log`, {
        NOTIFY_SOCKET: socket,
      });
      await waitFor("READY=1", () => notify.text().includes("READY=1"), 20_000);
      await new Promise((r) => setTimeout(r, 1_000));
      agent.signal("SIGTERM");
      assertEquals((await agent.finished()).code, 0);
      await waitFor("STOPPING=1", () => notify.text().includes("STOPPING=1"), 2_000);
      assertEquals(count(notify.text(), "WATCHDOG=1"), 0);
    } finally {
      await notify.stop();
    }
  });
});

/** alice's packet of `bytes` random bytes for bob, as a file in alice's spool. */
async function packetForBob(alice: TestNode, root: string, name: string, size: number) {
  const bytes = new Uint8Array(size);
  for (let off = 0; off < size; off += 65536) {
    crypto.getRandomValues(bytes.subarray(off, Math.min(size, off + 65536)));
  }
  await Deno.writeFile(`${root}/${name}`, bytes);
  const r = await ferry(["--config", alice.cfg, "file", `${root}/${name}`, `bob:${name}`]);
  assertEquals(r.code, 0, r.stderr);
  const [id] = await walkFiles(`${alice.spool}/${IDS.bob}/tx`);
  assert(id !== undefined && !id.includes("/"), "one packet queued");
  const path = `${alice.spool}/${IDS.bob}/tx/${id}`;
  return { id, path, bytes };
}

/** Spool files other than seen markers, locks and the status: packets, partials, temp files. */
async function spoolLeftovers(node: TestNode): Promise<string[]> {
  return (await walkFiles(node.spool)).filter((p) =>
    !/\/rx\/seen\/[A-Z2-7]{52}$/.test(p) && !p.endsWith(".lock") &&
    p !== ".ferry/agent-status.json"
  );
}

Deno.test("SIGTERM while a big packet is being tossed: exit 0, the file whole in incoming, no temp file, status stopped", async () => {
  await withTempDir(async (root) => {
    const { alice, bob } = await setupNodes(root, ["alice", "bob"], (name, cfg) => {
      if (name === "bob") cfg.ferry = { name: "bob", toss: { "cycle-sec": 60 } };
    });
    const sent = await packetForBob(alice!, root, "big.bin", 96 << 20);
    await Deno.mkdir(`${bob!.spool}/${IDS.alice}/rx`, { recursive: true });
    await Deno.rename(sent.path, `${bob!.spool}/${IDS.alice}/rx/${sent.id}`);
    const agent = FerryProcess.start(["--config", bob!.cfg, "agent"], `${root}/agent.log`);
    const tmp = `${bob!.incoming}/.ferry-${sent.id}.tmp`;
    await waitFor("the toss to start writing", () => Deno.stat(tmp).then(() => true, () => false));
    agent.signal("SIGTERM");
    const status = await agent.finished();
    const log = await readOr(`${root}/agent.log`);
    assertEquals(status.code, 0, log);
    assert(log.includes("agent-stopping signal=SIGTERM"), log);
    // The packet being tossed is finished (a toss step is not cut), nothing else is left.
    assertEquals(await walkFiles(bob!.incoming), ["big.bin"]);
    assertEquals(await Deno.readFile(`${bob!.incoming}/big.bin`), sent.bytes);
    assertEquals(await spoolLeftovers(bob!), []);
    const st = await agentStatus(bob!);
    assertEquals([st.state, st.pid, st.toss.tossed], ["stopped", agent.pid, 1]);
  });
});

Deno.test("SIGTERM while a sync folder is imported: exit 0, the copy dropped, the packet left in the folder", async () => {
  await withTempDir(async (root) => {
    const sync = `${root}/sync`;
    const { alice, bob } = await setupNodes(root, ["alice", "bob"], (name, cfg) => {
      if (name !== "bob") return;
      cfg.ferry = {
        name: "bob",
        toss: { "cycle-sec": 60 },
        "sync-folders": [{ path: sync, "interval-sec": 1, "settle-sec": 0 }],
      };
    });
    const sent = await packetForBob(alice!, root, "big.bin", 128 << 20);
    const inFolder = `${sync}/${IDS.bob}/${IDS.alice}/${sent.id}`;
    await Deno.mkdir(`${sync}/${IDS.bob}/${IDS.alice}`, { recursive: true });
    await Deno.rename(sent.path, inFolder);
    const agent = FerryProcess.start(["--config", bob!.cfg, "agent"], `${root}/agent.log`);
    const copying = async () =>
      (await walkFiles(`${bob!.spool}/tmp`)).some((n) => n.startsWith(".xfer."));
    await waitFor("the import to start copying", copying);
    agent.signal("SIGTERM");
    const status = await agent.finished();
    const log = await readOr(`${root}/agent.log`);
    assertEquals(status.code, 0, log);
    assertEquals(await spoolLeftovers(bob!), [], "no half copy in the spool");
    assert((await Deno.stat(inFolder)).size > 0, "the packet stays in the sync folder");
    assertEquals(await walkFiles(bob!.incoming), []);
    assertEquals((await agentStatus(bob!)).state, "stopped");
  });
});

Deno.test("the agent removes temporary files a killed ferry left in the spool, and keeps those of live processes", async () => {
  await withTempDir(async (root) => {
    const { bob } = await setupNodes(root, ["bob"], (_, cfg) => {
      cfg.ferry = { name: "bob", toss: { "cycle-sec": 60 } };
    });
    // A process id that is surely gone: a child that has exited.
    const gone = new Deno.Command("true").spawn();
    await gone.status;
    const dead = gone.pid;
    const live = Deno.pid;
    const rxHdr = `${bob!.spool}/${IDS.alice}/rx/hdr`;
    await Deno.mkdir(`${bob!.spool}/tmp`, { recursive: true });
    await Deno.mkdir(rxHdr, { recursive: true });
    const stale = [
      `tmp/.xfer.${dead}.3.k2j4`,
      `tmp/.exec-${IDS.alice}.${dead}.1.zz9`,
      `${IDS.alice}/rx/hdr/.${IDS.carol}.${dead}.2.a1`,
    ];
    const kept = [`tmp/.xfer.${live}.1.abc`, "tmp/nncp-own-temp", `tmp/.notes.txt`];
    for (const f of [...stale, ...kept]) {
      await Deno.writeFile(`${bob!.spool}/${f}`, enc.encode("x"));
    }
    const agent = FerryProcess.start(["--config", bob!.cfg, "agent"], `${root}/agent.log`);
    await waitFor(
      "the agent to be ready",
      async () => (await agentStatus(bob!))?.pid === agent.pid,
    );
    agent.signal("SIGTERM");
    assertEquals((await agent.finished()).code, 0);
    assertEquals(
      (await walkFiles(bob!.spool)).filter((f) => f.startsWith("tmp/") || f.includes("/hdr/")),
      kept.sort(),
    );
    const log = await readOr(`${root}/agent.log`);
    assertEquals(count(log, "temp-removed"), stale.length, log);
  });
});

const hasAnalyze = (await run("sh", ["-c", "command -v systemd-analyze"])).code === 0;

Deno.test({
  name: "systemd-analyze verify accepts ferry-agent.service (ExecStart pointed at a real file)",
  ignore: !hasAnalyze,
  fn: async () => {
    await withTempDir(async (dir) => {
      const unit = await Deno.readTextFile(
        new URL("../../systemd/ferry-agent.service", import.meta.url),
      );
      assert(unit.includes("ExecStart=/usr/local/bin/ferry "), "the unit runs the installed ferry");
      // Verify checks that ExecStart exists; this machine need not have ferry installed.
      await Deno.writeTextFile(`${dir}/ferry`, "#!/bin/sh\n", { mode: 0o755 });
      const copy = `${dir}/ferry-agent.service`;
      await Deno.writeTextFile(copy, unit.replace("/usr/local/bin/ferry", `${dir}/ferry`));
      const r = await run("systemd-analyze", ["verify", copy]);
      assertEquals([r.code, r.stderr.trim()], [0, ""]);
    });
  },
});
