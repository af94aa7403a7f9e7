/**
 * The agent's online scheduling with a recording engine in place of the SP
 * engine (the engine itself is tested against NNCP in its own tests, and the
 * two together in netns_test.ts).
 */
import { assert, assertEquals } from "../assert.ts";
import { IDS, nncp, nodeContext, withWorld } from "../node/_world.ts";
import {
  announceCheckMsMin,
  announcePort,
  OnlineAgent,
  type OnlineEngine,
} from "../../src/agent/online.ts";
import type { NodeContext } from "../../src/node/context.ts";
import type { CallOptions, SessionResult } from "../../src/sp/mod.ts";

/** Records calls; each takes `holdMs`; refuses a node id that is not a neighbour, as the engine does. */
class RecordingEngine implements OnlineEngine {
  calls: (CallOptions & { at: number })[] = [];
  active = 0;
  maxActive = 0;
  constructor(readonly holdMs = 0, readonly ok = true) {}
  async callNode(ctx: NodeContext, opts: CallOptions): Promise<SessionResult> {
    if (!ctx.config.neighById.has(opts.node)) throw new Error(`unknown node ${opts.node}`);
    this.calls.push({ ...opts, at: Date.now() });
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    opts.onStatus?.({
      peer: opts.node,
      direction: "call",
      rxBytes: 10,
      txBytes: 20,
      rxRate: 1,
      txRate: 2,
      etaSec: 3,
      state: "exchanging",
    });
    await new Promise((r) => setTimeout(r, this.holdMs));
    this.active--;
    return { peer: opts.node, ok: this.ok, rxPackets: 0, txPackets: 1, rxBytes: 10, txBytes: 20 };
  }
  serveDaemon(): Promise<void> {
    return Promise.resolve();
  }
}

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Cfg = Record<string, unknown> & { neigh: Record<string, Record<string, unknown>> };

Deno.test("online: a call fires on its cron with its settings, announced addresses first", async () => {
  await withWorld(async (w) => {
    const { ctx } = await nodeContext(w.alice);
    const engine = new RecordingEngine();
    const stop = new AbortController();
    const agent = new OnlineAgent(ctx, engine, stop.signal);
    agent.book.heard(IDS.bob, "[fe80::1%eth0]:5400", Date.now());
    const loops = agent.loops();
    try {
      await until(() => engine.calls.length >= 2);
    } finally {
      stop.abort();
      await Promise.all(loops);
    }
    const c = engine.calls[0]!;
    assertEquals(c.node, IDS.bob);
    assertEquals(c.addr, "[fe80::1%eth0]:5400");
    assertEquals([c.nice, c.rxOnly, c.txOnly, c.onlineDeadlineSec, c.autotoss], [
      96,
      true,
      undefined,
      7,
      true,
    ]);
    assertEquals(agent.state.calls[0]!.last?.ok, true);
    assertEquals(agent.state.sessions[0]!.peer, "bob");
    assertEquals(agent.state.sessions[0]!.etaSec, 3);
  }, (name, cfg) => {
    if (name !== "alice") return;
    const c = cfg as Cfg;
    c.neigh.bob!.addrs = { lan: "127.0.0.1:1" };
    c.neigh.bob!.calls = [{
      cron: "* * * * * * *",
      nice: "PRIORITY",
      xx: "rx",
      onlinedeadline: 7,
      autotoss: true,
    }];
  });
});

Deno.test("online: when-tx-exists calls only with packets at most the call's niceness", async () => {
  await withWorld(async (w) => {
    const { ctx } = await nodeContext(w.alice);
    const engine = new RecordingEngine();
    const stop = new AbortController();
    const agent = new OnlineAgent(ctx, engine, stop.signal);
    const loops = agent.loops();
    try {
      // Three seconds of a per-second cron with nothing urgent waiting: no call.
      await nncp("exec", w.alice, ["-nice", "200", "bob", "echo"], "bulk");
      await new Promise((r) => setTimeout(r, 3000));
      assertEquals(engine.calls.length, 0);
      await nncp("exec", w.alice, ["-nice", "64", "bob", "echo"], "urgent");
      await until(() => engine.calls.length >= 1);
      assertEquals(engine.calls[0]!.addr, "127.0.0.1:5402");
    } finally {
      stop.abort();
      await Promise.all(loops);
    }
  }, (name, cfg) => {
    if (name !== "alice") return;
    const c = cfg as Cfg;
    c.neigh.bob!.addrs = { lan: "127.0.0.1:5402" };
    c.neigh.bob!.calls = [{ cron: "* * * * * * *", nice: "PRIORITY", "when-tx-exists": true }];
  });
});

Deno.test("online: one call per neighbour at a time; the other call waits its next turn", async () => {
  await withWorld(async (w) => {
    const { ctx } = await nodeContext(w.alice);
    const engine = new RecordingEngine(2500);
    const stop = new AbortController();
    const agent = new OnlineAgent(ctx, engine, stop.signal);
    const loops = agent.loops();
    try {
      await until(() => engine.calls.length >= 2, 20_000);
    } finally {
      stop.abort();
      await Promise.all(loops);
    }
    assertEquals(engine.maxActive, 1);
    assert(engine.calls[1]!.at - engine.calls[0]!.at >= 2000, "the second call overlapped");
  }, (name, cfg) => {
    if (name !== "alice") return;
    const c = cfg as Cfg;
    c.neigh.bob!.addrs = { lan: "127.0.0.1:5402" };
    c.neigh.bob!.calls = [{ cron: "* * * * * * *" }, { cron: "* * * * * * *" }];
  });
});

Deno.test("online: an announced neighbour with waiting packets is called at once, rate-limited", async () => {
  await withWorld(async (w) => {
    const { ctx, lines } = await nodeContext(w.alice);
    const engine = new RecordingEngine();
    const stop = new AbortController();
    const agent = new OnlineAgent(ctx, engine, stop.signal);
    const bobAnn = (addr: string) => ({
      nodeId: IDS.bob,
      name: "bob",
      addr,
      iface: "eth0",
      isNew: agent.book.heard(IDS.bob, addr, Date.now()),
    });
    // Nothing waits for bob: no call.
    await agent.onAnnounce(bobAnn("[fe80::1%eth0]:5400"));
    assertEquals(engine.calls.length, 0);
    await nncp("exec", w.alice, ["-nice", "250", "bob", "echo"], "hi");
    // Within a second of the last look at bob's queue: not looked at again yet.
    await agent.onAnnounce(bobAnn("[fe80::1%eth0]:5400"));
    assertEquals(engine.calls.length, 0);
    await new Promise((r) => setTimeout(r, announceCheckMsMin + 100));
    await agent.onAnnounce(bobAnn("[fe80::1%eth0]:5400"));
    assertEquals(engine.calls.map((c) => [c.addr, c.nice]), [["[fe80::1%eth0]:5400", 255]]);
    // Heard again within min-gap-sec: not called again.
    await agent.onAnnounce(bobAnn("[fe80::2%eth0]:5400"));
    assertEquals(engine.calls.length, 1);
    assertEquals(agent.state.discovered.bob, ["[fe80::2%eth0]:5400", "[fe80::1%eth0]:5400"]);
    // carol is in `except`: never called on announcement.
    await nncp("exec", w.alice, ["carol", "echo"], "hi");
    agent.book.heard(IDS.carol, "[fe80::3%eth0]:5400", Date.now());
    await agent.onAnnounce({
      nodeId: IDS.carol,
      name: "carol",
      addr: "[fe80::3%eth0]:5400",
      iface: "eth0",
      isNew: true,
    });
    assertEquals(engine.calls.length, 1);
    assert(lines.some((l) => l.includes("call-start") && l.includes("announced on eth0")));
    stop.abort();
  }, (name, cfg) => {
    if (name !== "alice") return;
    (cfg as Cfg).ferry = { "call-on-announce": { except: ["carol"], "min-gap-sec": 3600 } };
  });
});

Deno.test("online: a failed address is followed by the next; mcd-ignore keeps announced ones out", async () => {
  await withWorld(async (w) => {
    const { ctx } = await nodeContext(w.alice);
    const engine = new RecordingEngine(0, false);
    const stop = new AbortController();
    const agent = new OnlineAgent(ctx, engine, stop.signal);
    const bob = ctx.config.neigh.get("bob")!;
    agent.book.heard(IDS.bob, "[fe80::1%eth0]:5400", Date.now());
    assertEquals(agent.addrsFor(bob), ["[fe80::1%eth0]:5400", "127.0.0.1:5402", "[::1]:5402"]);
    assertEquals(agent.addrsFor(bob, { ...bob.calls[0]!, mcdIgnore: true }), ["[::1]:5402"]);
    const r = await agent.place(bob, agent.addrsFor(bob), { nice: 255 }, "test");
    assertEquals(r?.ok, false);
    assertEquals(engine.calls.map((c) => c.addr), agent.addrsFor(bob));
    stop.abort();
  }, (name, cfg) => {
    if (name !== "alice") return;
    const c = cfg as Cfg;
    c.neigh.bob!.addrs = { lan: "127.0.0.1:5402", lo6: "[::1]:5402" };
    c.neigh.bob!.calls = [{ cron: "@yearly", addr: "lo6" }];
  });
});

Deno.test("online: the announced port is that of a wildcard or link-local bind", () => {
  assertEquals(announcePort(["[::]:5400"]), 5400);
  assertEquals(announcePort(["127.0.0.1:5401", ":5402"]), 5402);
  assertEquals(announcePort(["[fe80::1%eth0]:5403"]), 5403);
  assertEquals(announcePort(["127.0.0.1:5401", "[::1]:5400"]), undefined);
});

Deno.test("online: daemon sessions are tracked per peer from handshake to finish", async () => {
  await withWorld(async (w) => {
    const { ctx } = await nodeContext(w.alice);
    const stop = new AbortController();
    const seen: string[][] = [];
    const held: { agent?: OnlineAgent } = {};
    const snapshot = () =>
      seen.push(held.agent!.state.sessions.map((s) => `${s.peer}/${s.direction}/${s.state}`));
    const engine: OnlineEngine = {
      callNode: () => Promise.reject(new Error("no calls here")),
      serveDaemon: (_ctx, opts) => {
        const st = (peer: string, state: string, rx = 0) =>
          opts.onStatus!({
            peer,
            direction: "answer",
            rxBytes: rx,
            txBytes: 0,
            rxRate: 0,
            txRate: 0,
            state,
          });
        st("unknown", "handshake");
        snapshot();
        st(IDS.bob, "online", 100);
        snapshot();
        st(IDS.bob, "finished", 200);
        snapshot();
        st(IDS.bob, "handshake");
        snapshot();
        return new Promise((r) => opts.signal.addEventListener("abort", () => r()));
      },
    };
    const agent = held.agent = new OnlineAgent(ctx, engine, stop.signal);
    const loops = agent.loops();
    stop.abort();
    await Promise.all(loops);
    assertEquals(seen, [
      ["unknown/answer/handshake"],
      ["bob/answer/online"],
      ["bob/answer/finished"],
      ["bob/answer/finished", "bob/answer/handshake"],
    ]);
    assertEquals(agent.state.sessions[0]!.rxBytes, 200);
  }, (name, cfg) => {
    if (name === "alice") (cfg as Cfg).ferry = { daemon: { bind: ["127.0.0.1:1"] } };
  });
});
