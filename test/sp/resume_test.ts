/**
 * Resumption across killed sessions: one big packet from alice to bob, the
 * session SIGKILLed at rising points (either side: caller or daemon; ferry
 * or NNCP at each end, so a `.part` left by one is continued by the other),
 * then completed. The packet arrives intact and exactly once, and after
 * every cut the next session asks only for what was missing (within one
 * SP chunk), which the receiver's own log records show.
 *
 * `FERRY_SP_RESUME_MIB` sets the packet size (default 256).
 */

import { assert, assertEquals } from "../assert.ts";
import { parseRecords } from "../../src/log/nncp_log.ts";
import { spFileChunkBytes } from "../../src/sp/mod.ts";
import {
  ferryOk,
  namesIn,
  nncp,
  packetsIn,
  queueDir,
  withWorld,
  type World,
} from "../node/_world.ts";
import {
  type Background,
  background,
  ferryArgv,
  ferryDaemon,
  freePort,
  nncpDaemon,
} from "./_net.ts";

const sizeMiB = Number(Deno.env.get("FERRY_SP_RESUME_MIB") ?? "256");
const cuts = 22;
/** SP payloads per second each way (NNCP's rxrate/txrate), so cuts land mid-file. */
const ratePerSec = 400;
/** How long one session may take to reach its cut point. */
const cutWaitMs = 120_000;
const pollMs = 5;

type Impl = "ferry" | "nncp";
interface Variant {
  sender: Impl;
  receiver: Impl;
  victim: "caller" | "daemon";
}

const VARIANTS: Variant[] = [];
for (const victim of ["caller", "daemon"] as const) {
  for (const sender of ["ferry", "nncp"] as const) {
    for (const receiver of ["ferry", "nncp"] as const) VARIANTS.push({ sender, receiver, victim });
  }
}

function rated(_name: string, cfg: Record<string, unknown>): void {
  const neigh = cfg.neigh as Record<string, Record<string, unknown>>;
  for (const [name, n] of Object.entries(neigh)) {
    if (name === "self") continue;
    n.rxrate = ratePerSec;
    n.txrate = ratePerSec;
  }
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return null;
  }
}

async function startDaemon(w: World, impl: Impl, port: number): Promise<Background> {
  return impl === "ferry" ? await ferryDaemon(w.bob, port) : await nncpDaemon(w.bob, port);
}

function startCaller(w: World, impl: Impl, port: number): Background {
  const addr = `127.0.0.1:${port}`;
  if (impl === "ferry") {
    return background(
      Deno.execPath(),
      ferryArgv(w.alice, ["call", "bob", addr, "--onlinedeadline", "2"]),
    );
  }
  return background("nncp-call", ["-cfg", w.alice.cfg, "-onlinedeadline", "2", "bob", addr]);
}

async function bobRecords(w: World): Promise<Map<string, string>[]> {
  try {
    return parseRecords(await Deno.readTextFile(w.bob.log));
  } catch {
    return [];
  }
}

/** Waits until `path` has not changed size for a while. */
async function settled(path: string): Promise<void> {
  let last = -2;
  let stableSince = Date.now();
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const now = (await sizeOf(path)) ?? -1;
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > 400) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test(`a ${sizeMiB} MiB packet survives ${cuts} SIGKILLs of either side, ferry and NNCP, and arrives once`, async () => {
  await withWorld(async (w) => {
    const src = `${w.root}/big.bin`;
    const file = await Deno.open(src, { write: true, create: true });
    const block = new Uint8Array(1 << 20);
    for (let i = 0; i < sizeMiB; i++) {
      crypto.getRandomValues(block.subarray(0, 65536));
      for (let j = 65536; j < block.length; j += 65536) block.copyWithin(j, 0, 65536);
      block[0] = i & 0xff;
      block[1] = i >> 8;
      await file.write(block);
    }
    file.close();
    const want = new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(src)));
    await nncp("file", w.alice, [src, "bob:big.bin"]);
    const [id] = await packetsIn(queueDir(w.alice, "bob", "tx"));
    const size = (await Deno.stat(`${queueDir(w.alice, "bob", "tx")}/${id}`)).size;
    const rx = queueDir(w.bob, "alice", "rx");
    const part = `${rx}/${id}.part`;

    const cutAt: number[] = [];
    const offsets: (number | null)[] = [];
    let recordsSeen = 0;
    const newInfoOffset = async (): Promise<number | null> => {
      const recs = await bobRecords(w);
      const fresh = recs.slice(recordsSeen);
      recordsSeen = recs.length;
      const info = fresh.find((r) => r.get("Who") === "sp-info" && r.get("Pkt") === id);
      return info ? Number(info.get("Offset")) : null;
    };

    for (let k = 0; k < cuts; k++) {
      const v = VARIANTS[k % VARIANTS.length]!;
      // Rising cut points; each session must move some bytes before its cut.
      const step = Math.floor(size / (cuts + 2));
      const target = Math.max(step * (k + 1), (cutAt.at(-1) ?? 0) + Math.floor(step / 2));
      const port = freePort();
      const daemon = await startDaemon(w, v.receiver, port);
      const caller = startCaller(w, v.sender, port);
      const until = Date.now() + cutWaitMs;
      while (Date.now() < until && ((await sizeOf(part)) ?? 0) < target) {
        if (await sizeOf(`${rx}/${id}`) !== null) break;
        await new Promise((r) => setTimeout(r, pollMs));
      }
      const victim = v.victim === "caller" ? caller : daemon;
      const other = v.victim === "caller" ? daemon : caller;
      await victim.stop("SIGKILL");
      if (v.victim === "caller") {
        await settled(part);
        await other.stop();
      } else {
        await other.status;
      }
      const have = (await sizeOf(part)) ?? 0;
      assert(await sizeOf(`${rx}/${id}`) === null, `cut ${k} came too late: the packet completed`);
      assert(have >= target, `cut ${k} (${JSON.stringify(v)}): only ${have} of ${target} bytes`);
      offsets.push(await newInfoOffset());
      cutAt.push(have);
    }

    // The completing session: no kill. It may end before the receiver's DONE
    // (NNCP checks a resumed packet after the session); one more picks that up.
    let lastRx = 0;
    for (let round = 0; round < 3; round++) {
      const v = VARIANTS[round]!;
      const port = freePort();
      const daemon = await startDaemon(w, v.receiver, port);
      const caller = startCaller(w, v.sender, port);
      await caller.status;
      await new Promise((r) => setTimeout(r, 500));
      await daemon.stop();
      const recs = await bobRecords(w);
      offsets.push(await newInfoOffset());
      if (round === 0) {
        const fin = recs.filter((r) => r.get("Who") === "call-finished").at(-1);
        lastRx = Number(fin?.get("RxBytes") ?? "NaN");
      }
      if ((await packetsIn(queueDir(w.alice, "bob", "tx"))).length === 0) break;
    }

    // After every cut the next session asked for no less than what was there (one chunk slack).
    for (let k = 0; k < cuts; k++) {
      const asked = offsets[k + 1];
      assert(
        asked !== null && asked !== undefined,
        `no FREQ offset logged after cut ${k}: ${JSON.stringify({ offsets, cutAt })}`,
      );
      assert(
        asked >= cutAt[k]! - spFileChunkBytes,
        `after cut ${k} bob asked from ${asked}, but ${cutAt[k]} bytes were there`,
      );
      assert(asked <= cutAt[k]!, `after cut ${k} bob asked from ${asked} > ${cutAt[k]}`);
    }
    // The completing session moved no more than the missing bytes plus one chunk
    // (and the per-message framing: handshakes, envelopes, tags, FILE heads).
    const missing = size - cutAt[cuts - 1]!;
    const framing = 2 * 65536 + Math.ceil(missing / spFileChunkBytes + 1) * (12 + 16 + 4 + 44 + 4);
    assert(
      lastRx <= missing + spFileChunkBytes + framing,
      `final session received ${lastRx} bytes for ${missing} missing`,
    );

    assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), []);
    assertEquals(await packetsIn(rx), [id!]);
    assertEquals((await namesIn(rx)).filter((n) => n.includes(".")), []);
    await ferryOk(w.bob, ["toss"]);
    assertEquals(await namesIn(w.bob.incoming), ["big.bin"]);
    const got = new Uint8Array(
      await crypto.subtle.digest("SHA-256", await Deno.readFile(`${w.bob.incoming}/big.bin`)),
    );
    assertEquals(got, want);
    // Calling again delivers nothing twice.
    const port = freePort();
    const daemon = await startDaemon(w, "ferry", port);
    await startCaller(w, "nncp", port).status;
    await daemon.stop();
    assertEquals(await packetsIn(rx), []);
    assertEquals(await namesIn(w.bob.incoming), ["big.bin"]);
    console.log(
      `resume: ${size} B packet, ${cuts} cuts at ${cutAt.join(",")}; ` +
        `final session received ${lastRx} B for ${missing} B missing`,
    );
  }, rated);
});
