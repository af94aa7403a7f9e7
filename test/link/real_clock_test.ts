import { assertEquals } from "../assert.ts";
import { systemClock } from "../../hw/clock/clock.ts";
import { type FrameLink, LinkClosedError } from "../../hw/link/link.ts";
import { bitrateAirtime } from "../../src/link/airtime.ts";
import { openCheckedLink } from "../../src/link/checked_link.ts";
import { DirStore } from "../../src/link/dir_store.ts";
import { runLinkSession } from "../../src/link/session.ts";
import { Prng } from "../../hw/emulator/prng.ts";
import { blake3Id, verifyBlake3 } from "./_scenario.ts";

/** One end of an in-memory, loss-free, instant frame wire. */
class MemoryEnd implements FrameLink {
  peer: MemoryEnd | null = null;
  #inbox: Uint8Array[] = [];
  #wake: (() => void)[] = [];
  #closed = false;
  constructor(readonly mtu: number) {}

  send(frame: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new LinkClosedError("closed"));
    if (this.peer) this.peer.#deliver(frame.slice());
    return Promise.resolve();
  }

  receive(signal?: AbortSignal): Promise<Uint8Array | null> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const next = this.#inbox.shift();
        if (next) resolve(next);
        else if (this.#closed) resolve(null);
        else if (!signal?.aborted) this.#wake.push(attempt);
      };
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      attempt();
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#wake.splice(0).forEach((w) => w());
    return Promise.resolve();
  }

  #deliver(frame: Uint8Array): void {
    this.#inbox.push(frame);
    this.#wake.splice(0).forEach((w) => w());
  }
}

function memoryPair(mtu: number): [MemoryEnd, MemoryEnd] {
  const a = new MemoryEnd(mtu), b = new MemoryEnd(mtu);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

Deno.test("the same session code runs on the real clock and leaves no timer behind", async () => {
  const roots = [await Deno.makeTempDir(), await Deno.makeTempDir()];
  try {
    const [alice, bob] = memoryPair(255).map((end) => openCheckedLink({ frames: end }));
    const aliceStore = new DirStore({ root: roots[0]!, verifyId: verifyBlake3 });
    const bobStore = new DirStore({ root: roots[1]!, verifyId: verifyBlake3 });
    const bytes = new Prng(5).fill(new Uint8Array(20_000));
    const id = await blake3Id(bytes);
    await aliceStore.putOutgoing("BOB", id, bytes);
    const common = {
      clock: systemClock,
      airtime: bitrateAirtime({ bitsPerSecond: 10_000_000 }),
      limits: { turnaroundMs: 1, processingMs: 200 },
    };
    const [a, b] = await Promise.all([
      runLinkSession({
        ...common,
        link: alice!,
        store: aliceStore,
        localNode: "ALICE",
        peerNode: "BOB",
      }),
      runLinkSession({
        ...common,
        link: bob!,
        store: bobStore,
        localNode: "BOB",
        peerNode: "ALICE",
      }),
    ]);
    assertEquals([a.reason, b.reason], ["idle", "idle"]);
    assertEquals(await Deno.readFile(`${roots[1]}/inbound/ALICE/${id}`), bytes);
  } finally {
    for (const root of roots) await Deno.remove(root, { recursive: true });
  }
});
