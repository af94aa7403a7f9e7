/**
 * Hostile bytes at `ferry daemon`: garbage, an oversized envelope, bytes
 * dripping too slowly, a replayed handshake, a peer that stops mid-file.
 * Each ends its session within a deadline with a clear log line, writes
 * nothing outside `.part`, and the daemon keeps serving.
 */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { NNCP_VECTORS } from "../helpers.ts";
import {
  ferryOk,
  namesIn,
  nncp,
  packetsIn,
  queueDir,
  withWorld,
  type World,
} from "../node/_world.ts";
import { type Background, background, ferryArgv, ferryDaemon, freePort } from "./_net.ts";
import { spHandshakeTimeoutMs } from "../../src/sp/mod.ts";

/** bob gives alice a 2 s online deadline and a rate limit, so stalls show quickly. */
function shortDeadline(name: string, cfg: Record<string, unknown>): void {
  const neigh = cfg.neigh as Record<string, Record<string, unknown>>;
  if (name === "bob") neigh.alice!.onlinedeadline = 2;
  for (const [n, v] of Object.entries(neigh)) {
    if (n !== "self") v.txrate = v.rxrate = 200;
  }
}

/** Sends `bytes` (optionally one at a time every `dripMs`) and returns ms until the daemon closed. */
async function poke(port: number, bytes: Uint8Array, dripMs?: number): Promise<number> {
  const started = Date.now();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const reading = (async () => {
    const buf = new Uint8Array(65536);
    try {
      while ((await conn.read(buf)) !== null) { /* the daemon should not answer */ }
    } catch { /* reset */ }
    return Date.now() - started;
  })();
  try {
    if (dripMs === undefined) await conn.write(bytes);
    else {
      for (const b of bytes) {
        await conn.write(Uint8Array.of(b));
        await new Promise((r) => setTimeout(r, dripMs));
        if (Date.now() - started > 3 * spHandshakeTimeoutMs) break;
      }
    }
  } catch { /* closed under us: expected */ }
  const ms = await reading;
  try {
    conn.close();
  } catch { /* closed */ }
  return ms;
}

async function spoolFiles(w: World): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (!e.name.endsWith(".lock")) out.push(p.slice(w.bob.spool.length));
    }
  };
  await walk(w.bob.spool);
  return out.sort();
}

async function withBobDaemon(w: World, fn: (port: number, d: Background) => Promise<void>) {
  const port = freePort();
  const d = await ferryDaemon(w.bob, port);
  try {
    await fn(port, d);
  } finally {
    await d.stop();
  }
}

const magic = [0x4e, 0x4e, 0x43, 0x50, 0x53, 0, 0, 1];

Deno.test("garbage, an oversized envelope and slow bytes each end their session in time; the daemon serves on", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.root}/a.txt`, "after the noise\n");
    await ferryOk(w.alice, ["file", `${w.root}/a.txt`, "bob:a.txt"]);
    await withBobDaemon(w, async (port, d) => {
      const before = await spoolFiles(w);
      const garbage = await poke(port, new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
      assert(garbage < 5_000, `garbage kept the session ${garbage} ms`);
      const huge = new Uint8Array([...magic, 0xff, 0xff, 0xff, 0xf0]);
      const oversized = await poke(port, huge);
      assert(oversized < 5_000, `an oversized envelope kept the session ${oversized} ms`);
      const slowHead = new Uint8Array([...magic, 0, 0, 0x80, 0, 1, 2, 3, 4]);
      const slow = await poke(port, slowHead, 1_500);
      assert(
        slow >= spHandshakeTimeoutMs - 1_000 && slow < spHandshakeTimeoutMs + 5_000,
        `slow bytes kept the session ${slow} ms`,
      );
      assertEquals(await spoolFiles(w), before);
      // Still serving: a real call goes through.
      await ferryOk(w.alice, ["call", "bob", `127.0.0.1:${port}`, "--onlinedeadline", "2"]);
      assertEquals((await packetsIn(queueDir(w.bob, "alice", "rx"))).length, 1);
      const out = d.output();
      assertStringIncludes(out, "is not NNCPS v1");
      assertStringIncludes(out, "over the limit");
      assertStringIncludes(out, "nothing for 10 s");
    });
  }, shortDeadline);
});

Deno.test("a replayed handshake gets nowhere: the session ends at the deadline and nothing is stored", async () => {
  await withWorld(async (w) => {
    const capture = await Deno.readFile(`${NNCP_VECTORS}/sp/session1-alice-to-bob.bin`);
    const msg1 = capture.subarray(0, 12 + 33072);
    await withBobDaemon(w, async (port, d) => {
      const before = await spoolFiles(w);
      const ms = await poke(port, msg1);
      assert(ms < 15_000, `the replay kept the session ${ms} ms`);
      assertEquals(await spoolFiles(w), before);
      const until = Date.now() + 10_000;
      while (!d.output().includes("sp-session-end") && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assertStringIncludes(d.output(), "reason=online-deadline");
      assertStringIncludes(d.output(), "rxPackets=0");
    });
  }, shortDeadline);
});

Deno.test("a caller that stops mid-file is dropped at the online deadline; its .part waits for the next call", async () => {
  await withWorld(async (w) => {
    const src = `${w.root}/big.bin`;
    const block = new Uint8Array(1 << 20);
    crypto.getRandomValues(block.subarray(0, 65536));
    const f = await Deno.open(src, { write: true, create: true });
    for (let i = 0; i < 16; i++) await f.write(block);
    f.close();
    await nncp("file", w.alice, [src, "bob:big.bin"]);
    const [id] = await packetsIn(queueDir(w.alice, "bob", "tx"));
    const rx = queueDir(w.bob, "alice", "rx");
    await withBobDaemon(w, async (port, d) => {
      const caller = background(
        Deno.execPath(),
        ferryArgv(w.alice, ["call", "bob", `127.0.0.1:${port}`, "--onlinedeadline", "30"]),
      );
      try {
        const until = Date.now() + 60_000;
        while (Date.now() < until) {
          const size = await Deno.stat(`${rx}/${id}.part`).then((s) => s.size, () => 0);
          if (size > 1 << 20) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        Deno.kill(caller.pid, "SIGSTOP");
        const stopped = Date.now();
        while (!d.output().includes("sp-session-end") && Date.now() - stopped < 20_000) {
          await new Promise((r) => setTimeout(r, 100));
        }
        const took = Date.now() - stopped;
        assert(took < 10_000, `the stalled session lasted ${took} ms after the caller stopped`);
        assertStringIncludes(d.output(), "reason=online-deadline");
      } finally {
        Deno.kill(caller.pid, "SIGKILL");
        await caller.status;
      }
      const names = await namesIn(rx);
      assertEquals(names.filter((n) => !n.endsWith(".part") && n !== "hdr"), []);
      assert(names.includes(`${id}.part`), "the partial is kept for the next session");
    });
  }, shortDeadline);
});
