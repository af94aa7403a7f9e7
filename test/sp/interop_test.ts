/**
 * Online sessions between ferry and the real NNCP 8.8.2 on loopback, both
 * ways, over TCP, over `|command` pipes and under socat (inetd): one
 * session moves a file, an exec, a freq and a transit packet each way,
 * then both sides toss, and a second session carries the freq replies.
 */

import { assertEquals, assertStringIncludes } from "../assert.ts";
import { REPO_ROOT, run } from "../helpers.ts";
import { ferryOk, packetsIn, queueDir, withWorld, type World } from "../node/_world.ts";
import {
  type Background,
  background,
  ferryDaemon,
  freePort,
  type Impl,
  nncpDaemon,
  queueExec,
  queueFile,
  queueFreq,
  tossAll,
  waitPort,
} from "./_net.ts";

/** How alice (the caller) reaches bob (the answering side). */
interface Mode {
  caller: Impl;
  answerer: Impl;
  /** Runs one session from alice to bob. */
  session(w: World): Promise<void>;
}

const deadline = ["--onlinedeadline", "2"];
const ferryCmd = `${Deno.execPath()} run -A --quiet ${REPO_ROOT}/main.ts`;

async function nncpCall(w: World, addr: string): Promise<void> {
  const r = await run("nncp-call", ["-cfg", w.alice.cfg, "-onlinedeadline", "2", "bob", addr]);
  if (r.code !== 0) throw new Error(`nncp-call exited ${r.code}: ${r.stderr}`);
}

async function withServer(start: () => Promise<Background>, fn: () => Promise<void>) {
  const bg = await start();
  try {
    await fn();
  } finally {
    await bg.stop();
  }
}

const MODES: Record<string, Mode> = {
  "ferry call → ferry daemon over TCP": {
    caller: "ferry",
    answerer: "ferry",
    async session(w) {
      const port = freePort();
      await withServer(() => ferryDaemon(w.bob, port), async () => {
        await ferryOk(w.alice, ["call", "bob", `127.0.0.1:${port}`, ...deadline]);
      });
    },
  },
  "ferry call → nncp-daemon over TCP": {
    caller: "ferry",
    answerer: "nncp",
    async session(w) {
      const port = freePort();
      await withServer(() => nncpDaemon(w.bob, port), async () => {
        await ferryOk(w.alice, ["call", "bob", `127.0.0.1:${port}`, ...deadline]);
      });
    },
  },
  "nncp-call → ferry daemon over TCP": {
    caller: "nncp",
    answerer: "ferry",
    async session(w) {
      const port = freePort();
      await withServer(() => ferryDaemon(w.bob, port), async () => {
        await nncpCall(w, `127.0.0.1:${port}`);
      });
    },
  },
  "ferry call → |nncp-daemon -ucspi": {
    caller: "ferry",
    answerer: "nncp",
    async session(w) {
      await ferryOk(w.alice, ["call", "bob", `|nncp-daemon -cfg ${w.bob.cfg} -ucspi`, ...deadline]);
    },
  },
  "nncp-call → |ferry daemon --inetd": {
    caller: "nncp",
    answerer: "ferry",
    async session(w) {
      await nncpCall(w, `|${ferryCmd} -c ${w.bob.cfg} daemon --inetd`);
    },
  },
  "nncp-call → socat → ferry daemon --inetd": {
    caller: "nncp",
    answerer: "ferry",
    async session(w) {
      const port = freePort();
      await withServer(async () => {
        const bg = background("socat", [
          `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`,
          `EXEC:${ferryCmd} -c ${w.bob.cfg} daemon --inetd`,
        ]);
        await waitPort(port);
        return bg;
      }, async () => await nncpCall(w, `127.0.0.1:${port}`));
    },
  },
};

/** Both alice and bob reach carol directly, so each relays a transit packet straight to her. */
function directToCarol(name: string, cfg: Record<string, unknown>): void {
  const neigh = cfg.neigh as Record<string, Record<string, unknown>>;
  if (name === "alice") delete neigh.carol!.via;
}

async function exchange(w: World, mode: Mode): Promise<void> {
  const a = mode.caller, b = mode.answerer;
  await Deno.writeTextFile(`${w.root}/a.txt`, "from alice\n");
  await Deno.writeTextFile(`${w.root}/b.txt`, "from bob\n");
  await Deno.writeTextFile(`${w.alice.pub}/alice-pub.txt`, "alice's public file\n");
  await Deno.writeTextFile(`${w.bob.pub}/bob-pub.txt`, "bob's public file\n");
  // alice → bob: file, exec, freq, and a transit packet for carol via bob.
  await queueFile(a, w.alice, `${w.root}/a.txt`, "bob:a.txt");
  await queueExec(a, w.alice, "bob", "appender", ["a1"], "alice body\n");
  await queueFreq(a, w.alice, "bob:bob-pub.txt", "got-bob.txt");
  await queueFile(a, w.alice, `${w.root}/a.txt`, "carol:a-via-bob.txt", "bob");
  // bob → alice: the same, the transit packet going to carol via alice.
  await queueFile(b, w.bob, `${w.root}/b.txt`, "alice:b.txt");
  await queueExec(b, w.bob, "alice", "appender", ["b1"], "bob body\n");
  await queueFreq(b, w.bob, "alice:alice-pub.txt", "got-alice.txt");
  await queueFile(b, w.bob, `${w.root}/b.txt`, "carol:b-via-alice.txt", "alice");
  assertEquals((await packetsIn(queueDir(w.alice, "bob", "tx"))).length, 4);
  assertEquals((await packetsIn(queueDir(w.bob, "alice", "tx"))).length, 4);

  await mode.session(w);

  // Every packet crossed in one session and left the sender only after the DONE.
  assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), []);
  assertEquals(await packetsIn(queueDir(w.bob, "alice", "tx")), []);
  assertEquals((await packetsIn(queueDir(w.bob, "alice", "rx"))).length, 4);
  assertEquals((await packetsIn(queueDir(w.alice, "bob", "rx"))).length, 4);

  await tossAll(a, w.alice);
  await tossAll(b, w.bob);
  assertEquals(await Deno.readTextFile(`${w.bob.incoming}/a.txt`), "from alice\n");
  assertEquals(await Deno.readTextFile(`${w.alice.incoming}/b.txt`), "from bob\n");
  assertStringIncludes(await Deno.readTextFile(`${w.bob.dir}/exec.out`), "alice body");
  assertStringIncludes(await Deno.readTextFile(`${w.alice.dir}/exec.out`), "bob body");
  // The transit packets were relayed towards carol.
  assertEquals((await packetsIn(queueDir(w.bob, "carol", "tx"))).length, 1);
  assertEquals((await packetsIn(queueDir(w.alice, "carol", "tx"))).length, 1);
  // The freq replies wait for the next session.
  assertEquals((await packetsIn(queueDir(w.bob, "alice", "tx"))).length, 1);
  assertEquals((await packetsIn(queueDir(w.alice, "bob", "tx"))).length, 1);

  await mode.session(w);
  await tossAll(a, w.alice);
  await tossAll(b, w.bob);
  assertEquals(await Deno.readTextFile(`${w.alice.incoming}/got-bob.txt`), "bob's public file\n");
  assertEquals(
    await Deno.readTextFile(`${w.bob.incoming}/got-alice.txt`),
    "alice's public file\n",
  );
  assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), []);
  assertEquals(await packetsIn(queueDir(w.bob, "alice", "tx")), []);
}

for (const [name, mode] of Object.entries(MODES)) {
  Deno.test(`${name}: file, exec, freq and transit both ways, then toss delivers them`, async () => {
    await withWorld(async (w) => {
      await exchange(w, mode);
      // nncp-log reads the session records of whichever side ferry played.
      const ferrySide = mode.caller === "ferry" ? w.alice : w.bob;
      const log = await run("nncp-log", ["-cfg", ferrySide.cfg]);
      assertEquals(log.code, 0, log.stderr);
      const peer = mode.caller === "ferry" ? "bob" : "alice";
      assertStringIncludes(log.stdout, "Got packet");
      assertStringIncludes(log.stdout, "is sent");
      assertStringIncludes(log.stdout, `Finished call with ${peer}`);
    }, directToCarol);
  });
}
