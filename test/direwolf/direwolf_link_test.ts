import { assert, assertEquals } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { type LinkFile, runDirewolfLink } from "./_direwolf_link.ts";

// Two real Dire Wolf 1.6 soft modems (AFSK 1200) joined by an audio relay running at the
// real sample rate; ferry talks to each through its KISS port with AX.25 UI frames. At
// 1200 bit/s a 16 KiB file takes over two minutes each way, so the test moves 4 KiB
// (clean) and 2 KiB (noisy: up to 9 minutes on a busy machine) plus urgent messages; `deno task
// bench direwolf` moves 16 KiB.

function random(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  return bytes;
}

const enc = new TextEncoder();

function checkRun(r: Awaited<ReturnType<typeof runDirewolfLink>>, label: string) {
  const why = () =>
    `${label}\n--- alice\n${r.stderr.alice.slice(-3000)}\n--- bob\n${r.stderr.bob.slice(-3000)}`;
  assertEquals(r.problems, [], why());
  assertEquals(r.codes, { alice: 0, bob: 0 }, why());
  for (const side of ["alice", "bob"] as const) {
    assert(/^(idle|peer-bye)$/.test(r.done[side]?.reason ?? ""), why());
  }
  // Every frame ferry handed over was AX.25 that Dire Wolf accepted.
  for (const log of [r.direwolfLogs.a, r.direwolfLogs.b]) {
    assert(!log.includes("Invalid KISS data frame"), log.slice(-2000));
  }
}

Deno.test({
  name:
    "ferry link over two real Dire Wolf modems: a file and urgent messages both ways, each once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withTempDir(async (root) => {
      const files: LinkFile[] = [
        { from: "alice", name: "report.bin", bytes: random(4096) },
        { from: "alice", name: "urgent-a.txt", bytes: enc.encode("pump 2 is down\n"), nice: "F" },
        { from: "bob", name: "urgent-b.txt", bytes: enc.encode("on my way\n"), nice: "F" },
      ];
      const r = await runDirewolfLink(root, files, { maxSec: 600 });
      checkRun(r, "clean channel");
      assertEquals(r.done.alice?.sent, "2");
      assertEquals(r.done.bob?.sent, "1");
      assertEquals(r.done.alice?.retransmitted, "0", "a clean channel needs no retransmission");
      assertEquals(r.done.bob?.retransmitted, "0");
      assert(Number(r.done.alice?.replySrttMs) > 300, `measured ${r.done.alice?.replySrttMs} ms`);
    });
  },
});

Deno.test({
  name: "ferry link over two real Dire Wolf modems with noise that makes Dire Wolf lose frames",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withTempDir(async (root) => {
      const files: LinkFile[] = [
        { from: "alice", name: "report.bin", bytes: random(2048) },
        { from: "alice", name: "urgent-a.txt", bytes: enc.encode("pump 2 is down\n"), nice: "F" },
        { from: "bob", name: "urgent-b.txt", bytes: enc.encode("on my way\n"), nice: "F" },
      ];
      const r = await runDirewolfLink(root, files, { noiseSigma: 20_000, seed: 5, maxSec: 900 });
      checkRun(r, "noisy channel");
      const repeated = Number(r.done.alice?.retransmitted) + Number(r.done.bob?.retransmitted) +
        Number(r.done.alice?.replyTimeouts) + Number(r.done.bob?.replyTimeouts);
      assert(repeated > 0, "the noise must have cost frames (retransmissions or repeated turns)");
    });
  },
});
