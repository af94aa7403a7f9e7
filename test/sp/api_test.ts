/**
 * The session API in-process: `serveDaemon` and `callNode` between two
 * vector nodes, niceness filtering both ways, `pkts`, `rxOnly`, the
 * connection limit, status reports, and a daemon that stops on abort.
 */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import {
  ferryOk,
  IDS,
  nodeContext,
  packetsIn,
  queueDir,
  withWorld,
  type World,
} from "../node/_world.ts";
import { callNode, serveDaemon, type SessionStatus } from "../../src/sp/mod.ts";
import { ferryArgv } from "./_net.ts";
import type { NodeContext } from "../../src/node/context.ts";

async function withDaemon(
  ctx: NodeContext,
  opts: { maxConn?: number; nice?: number },
  fn: (addr: string) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  let listening!: (a: string) => void;
  const ready = new Promise<string>((r) => (listening = r));
  const done = serveDaemon(ctx, {
    bind: ["127.0.0.1:0"],
    maxConn: opts.maxConn ?? 8,
    nice: opts.nice ?? 255,
    signal: stop.signal,
    onListen: (addrs) => listening(`127.0.0.1:${addrs[0]!.port}`),
  });
  const addr = await ready;
  try {
    await fn(addr);
  } finally {
    stop.abort();
    await done;
  }
}

async function queue(w: World, from: "alice" | "bob", to: string, name: string, nice: string) {
  await Deno.writeTextFile(`${w.root}/${name}`, `${name}\n`);
  await ferryOk(w[from], ["file", "--nice", nice, `${w.root}/${name}`, `${to}:${name}`]);
}

Deno.test("callNode and serveDaemon: only packets as urgent as the caller's nice cross, both ways", async () => {
  await withWorld(async (w) => {
    await queue(w, "alice", "bob", "a-flash.txt", "F");
    await queue(w, "alice", "bob", "a-bulk.txt", "B");
    await queue(w, "bob", "alice", "b-flash.txt", "F");
    await queue(w, "bob", "alice", "b-bulk.txt", "B");
    const alice = await nodeContext(w.alice);
    const bob = await nodeContext(w.bob);
    const statuses: SessionStatus[] = [];
    await withDaemon(bob.ctx, {}, async (addr) => {
      const r = await callNode(alice.ctx, {
        node: IDS.bob,
        addr,
        nice: 100,
        onlineDeadlineSec: 1,
        onStatus: (s) => statuses.push(s),
      });
      assertEquals(r.ok, true, r.error);
      assertEquals([r.rxPackets, r.txPackets], [1, 1]);
      assert(r.rxBytes > 0 && r.txBytes > 0);
    });
    assertEquals((await packetsIn(queueDir(w.alice, "bob", "tx"))).length, 1);
    assertEquals((await packetsIn(queueDir(w.bob, "alice", "tx"))).length, 1);
    await ferryOk(w.alice, ["toss"]);
    await ferryOk(w.bob, ["toss"]);
    assertEquals(await Deno.readTextFile(`${w.alice.incoming}/b-flash.txt`), "b-flash.txt\n");
    assertEquals(await Deno.readTextFile(`${w.bob.incoming}/a-flash.txt`), "a-flash.txt\n");
    assert(statuses.length > 0, "onStatus was called");
    assertEquals(statuses.at(-1)!.direction, "call");
    assertEquals(statuses.at(-1)!.peer, IDS.bob);
    assertEquals(statuses.at(-1)!.state, "finished");
    assertStringIncludes(bob.lines.join("\n"), "sp-daemon-stopped");
  });
});

Deno.test("callNode with pkts asks only for those; rxOnly sends nothing", async () => {
  await withWorld(async (w) => {
    await queue(w, "bob", "alice", "one.txt", "N");
    await queue(w, "bob", "alice", "two.txt", "N");
    await queue(w, "alice", "bob", "stay.txt", "N");
    const [wanted] = await packetsIn(queueDir(w.bob, "alice", "tx"));
    const alice = await nodeContext(w.alice);
    const bob = await nodeContext(w.bob);
    await withDaemon(bob.ctx, {}, async (addr) => {
      const r = await callNode(alice.ctx, {
        node: IDS.bob,
        addr,
        nice: 255,
        rxOnly: true,
        pkts: [wanted!],
        onlineDeadlineSec: 1,
      });
      assertEquals([r.rxPackets, r.txPackets], [1, 0]);
    });
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "rx")), [wanted!]);
    assertEquals((await packetsIn(queueDir(w.alice, "bob", "tx"))).length, 1);
    assertEquals((await packetsIn(queueDir(w.bob, "alice", "tx"))).length, 1);
  });
});

Deno.test("serveDaemon closes connections beyond maxConn at once and logs it", async () => {
  await withWorld(async (w) => {
    const bob = await nodeContext(w.bob);
    await withDaemon(bob.ctx, { maxConn: 1 }, async (addr) => {
      const port = Number(addr.split(":")[1]);
      const first = await Deno.connect({ hostname: "127.0.0.1", port });
      await new Promise((r) => setTimeout(r, 200));
      const second = await Deno.connect({ hostname: "127.0.0.1", port });
      const started = Date.now();
      const got = await second.read(new Uint8Array(16)).catch(() => null);
      assertEquals(got, null);
      assert(Date.now() - started < 3_000, "the extra connection was closed at once");
      second.close();
      first.close();
    });
    assertStringIncludes(bob.lines.join("\n"), "sp-daemon-busy");
  });
});

Deno.test("callNode reports an unreachable address without throwing", async () => {
  await withWorld(async (w) => {
    const alice = await nodeContext(w.alice);
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    const r = await callNode(alice.ctx, { node: IDS.bob, addr: `127.0.0.1:${port}`, nice: 255 });
    assertEquals(r.ok, false);
    assertStringIncludes(r.error ?? "", "cannot reach bob");
    const unknown = await callNode(alice.ctx, { node: "X".repeat(52), addr: "x:1", nice: 255 });
    assertStringIncludes(unknown.error ?? "", "is not a neighbour");
  });
});

Deno.test("ferry call draws its status line on a terminal and not in a pipe", async () => {
  await withWorld(async (w) => {
    await queue(w, "alice", "bob", "tty.txt", "N");
    const bob = await nodeContext(w.bob);
    await withDaemon(bob.ctx, {}, async (addr) => {
      const argv = ferryArgv(w.alice, ["call", "bob", addr, "--onlinedeadline", "2"]);
      const line = [Deno.execPath(), ...argv].map((a) => `'${a}'`).join(" ");
      // util-linux script(1) gives the command a pseudo-terminal.
      const tty = await new Deno.Command("script", {
        args: ["-qec", line, "/dev/null"],
        env: { NO_PROGRESS: "" },
      }).output();
      const text = new TextDecoder().decode(tty.stdout);
      assertEquals(tty.code, 0, text);
      assertStringIncludes(text, "call bob online: rx ");
      assertStringIncludes(text, "\x1b[K");
      const piped = await ferryOk(w.alice, ["call", "bob", addr, "--onlinedeadline", "1"]);
      assertEquals(piped.stderr.includes("\x1b[K"), false);
    });
  });
});

Deno.test("maxOnlineTimeSec ends a busy session on time; txOnly sends without receiving", async () => {
  await withWorld(async (w) => {
    const big = new Uint8Array(8 << 20);
    crypto.getRandomValues(big.subarray(0, 65536));
    await Deno.writeFile(`${w.root}/big.bin`, big);
    await ferryOk(w.alice, ["file", `${w.root}/big.bin`, "bob:big.bin"]);
    await queue(w, "bob", "alice", "kept.txt", "N");
    const alice = await nodeContext(w.alice);
    const bob = await nodeContext(w.bob);
    await withDaemon(bob.ctx, {}, async (addr) => {
      const started = Date.now();
      const r = await callNode(alice.ctx, {
        node: IDS.bob,
        addr,
        nice: 255,
        txOnly: true,
        maxOnlineTimeSec: 2,
        onlineDeadlineSec: 30,
      });
      const took = Date.now() - started;
      assert(took >= 1_500 && took < 10_000, `the session lasted ${took} ms`);
      assertEquals(r.ok, false);
      assertEquals(r.rxPackets, 0);
      assertStringIncludes(alice.lines.join("\n"), "reason=max-online-time");
    });
    // Nothing was taken from bob; alice's packet is still hers (no DONE came).
    assertEquals((await packetsIn(queueDir(w.bob, "alice", "tx"))).length, 1);
    assertEquals((await packetsIn(queueDir(w.alice, "bob", "tx"))).length, 1);
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "rx")), []);
  }, (_name, cfg) => {
    // Slow enough that 8 MiB take longer than the session may.
    for (const [n, v] of Object.entries(cfg.neigh as Record<string, Record<string, unknown>>)) {
      if (n !== "self") v.txrate = v.rxrate = 20;
    }
  });
});

Deno.test("callNode with autotoss delivers what arrived once the session ends", async () => {
  await withWorld(async (w) => {
    await queue(w, "bob", "alice", "tossed.txt", "N");
    const alice = await nodeContext(w.alice);
    const bob = await nodeContext(w.bob);
    await withDaemon(bob.ctx, {}, async (addr) => {
      const r = await callNode(alice.ctx, {
        node: IDS.bob,
        addr,
        nice: 255,
        autotoss: true,
        onlineDeadlineSec: 1,
      });
      assertEquals(r.rxPackets, 1);
    });
    assertEquals(await Deno.readTextFile(`${w.alice.incoming}/tossed.txt`), "tossed.txt\n");
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "rx")), []);
    assertStringIncludes(alice.lines.join("\n"), "sp-autotoss");
  });
});

Deno.test("callNode with autotoss-nofile leaves file packets for a later toss", async () => {
  await withWorld(async (w) => {
    await queue(w, "bob", "alice", "kept.txt", "N");
    const alice = await nodeContext(w.alice);
    const bob = await nodeContext(w.bob);
    await withDaemon(bob.ctx, {}, async (addr) => {
      const r = await callNode(alice.ctx, {
        node: IDS.bob,
        addr,
        nice: 255,
        autotoss: true,
        autotossFlags: { noFile: true },
        onlineDeadlineSec: 1,
      });
      assertEquals(r.rxPackets, 1);
    });
    // The toss ran and left the file packet where it was: nothing delivered, nothing lost.
    assertStringIncludes(alice.lines.join("\n"), "sp-autotoss");
    assertEquals((await packetsIn(queueDir(w.alice, "bob", "rx"))).length, 1);
    const delivered = await Deno.stat(`${w.alice.incoming}/kept.txt`).then(() => true, () => false);
    assertEquals(delivered, false);
  });
});

Deno.test("callNode's txRate overrides the neighbour's: SP payloads are paced", async () => {
  await withWorld(async (w) => {
    // 640 KiB: at least ten FILE payloads of about 64 KiB each.
    const bytes = new Uint8Array(640 * 1024).map((_, i) => i % 251);
    await Deno.writeFile(`${w.root}/paced.bin`, bytes);
    await ferryOk(w.alice, ["file", `${w.root}/paced.bin`, "bob:paced.bin"]);
    const alice = await nodeContext(w.alice);
    const bob = await nodeContext(w.bob);
    await withDaemon(bob.ctx, {}, async (addr) => {
      const started = Date.now();
      const r = await callNode(alice.ctx, {
        node: IDS.bob,
        addr,
        nice: 255,
        txOnly: true,
        txRate: 3,
        onlineDeadlineSec: 1,
      });
      const took = Date.now() - started;
      assertEquals(r.txPackets, 1);
      // Ten payloads at three a second cannot leave in less than 3 s.
      assert(took >= 3_000, `the paced session took only ${took} ms`);
      assertStringIncludes(alice.lines.join("\n"), "sp-");
    });
    assertEquals((await packetsIn(queueDir(w.bob, "alice", "rx"))).length, 1);
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), []);
  });
});

Deno.test("a packet queued during a session is announced and sent in that session", async () => {
  await withWorld(async (w) => {
    const alice = await nodeContext(w.alice);
    const bob = await nodeContext(w.bob);
    await withDaemon(bob.ctx, {}, async (addr) => {
      const call = callNode(alice.ctx, { node: IDS.bob, addr, nice: 255, onlineDeadlineSec: 6 });
      await new Promise((r) => setTimeout(r, 500));
      await queue(w, "alice", "bob", "late.txt", "N");
      const r = await call;
      assertEquals(r.txPackets, 1);
    });
    assertEquals((await packetsIn(queueDir(w.bob, "alice", "rx"))).length, 1);
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), []);
  });
});
