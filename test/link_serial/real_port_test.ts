import { assert, assertEquals } from "../assert.ts";
import { ferry, REPO_ROOT, withTempDir } from "../helpers.ts";
import { IDS, setupNodes } from "../nodes.ts";
import { startSocatPtyPair } from "../../hw/mock/mod.ts";

const enc = new TextEncoder();

function spawnFerry(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function finish(child: Deno.ChildProcess): Promise<{ code: number; err: string }> {
  const out = await child.output();
  return { code: out.code, err: new TextDecoder().decode(out.stderr) };
}

Deno.test("two ferry link processes over socat ptys at 9600 baud, through a relay that drops and corrupts frames, move 1 MiB of packets intact", async () => {
  await withTempDir(async (root) => {
    const nodes = await setupNodes(root, ["alice", "bob"]);
    const alice = nodes.alice!, bob = nodes.bob!;
    // 1 MiB for bob in four files, and one small file the other way.
    const sent: Record<string, Uint8Array> = {};
    for (let i = 0; i < 4; i++) {
      const bytes = new Uint8Array(256 * 1024);
      for (let off = 0; off < bytes.length; off += 65536) {
        crypto.getRandomValues(bytes.subarray(off, off + 65536));
      }
      sent[`part${i}.bin`] = bytes;
      await Deno.writeFile(`${root}/part${i}.bin`, bytes);
      const r = await ferry(["--config", alice.cfg, "file", `${root}/part${i}.bin`, "bob:"]);
      assertEquals(r.code, 0, r.stderr);
    }
    await Deno.writeFile(`${root}/reply.txt`, enc.encode("got it\n"));
    assertEquals(
      (await ferry(["--config", bob.cfg, "file", `${root}/reply.txt`, "alice:"])).code,
      0,
    );

    const left = await startSocatPtyPair();
    const right = await startSocatPtyPair();
    const relay = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        `${REPO_ROOT}/scripts/lossy_relay.ts`,
        left.paths[1],
        right.paths[0],
        "0.05",
        "0.03",
        "7",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      const reader = relay.stdout.getReader();
      const first = await reader.read();
      assert(new TextDecoder().decode(first.value).includes("relay-ready"), "the relay started");
      reader.releaseLock();
      const common = [
        "link",
        "--modem",
        "cable",
        "--baud",
        "9600",
        "--max-sec",
        "240",
        "--status-sec",
        "5",
      ];
      const a = spawnFerry([
        "--config",
        alice.cfg,
        ...common,
        "--node",
        "bob",
        "--port",
        left.paths[0],
      ]);
      const b = spawnFerry([
        "--config",
        bob.cfg,
        ...common,
        "--node",
        "alice",
        "--port",
        right.paths[1],
      ]);
      const [ra, rb] = await Promise.all([finish(a), finish(b)]);
      assertEquals(ra.code, 0, ra.err);
      assertEquals(rb.code, 0, rb.err);
      assert(/link-done .*reason=(idle|peer-bye)/.test(ra.err), ra.err.slice(-2000));
    } finally {
      try {
        relay.kill("SIGTERM");
      } catch { /* gone */ }
      const counts = new TextDecoder().decode((await relay.output()).stdout);
      console.log(`relay: ${counts.trim()}`);
      await left.stop();
      await right.stop();
    }
    // Every packet left alice's tx and bob tosses them intact.
    const aliceTx = [...Deno.readDirSync(`${alice.spool}/${IDS.bob}/tx`)].filter((e) => e.isFile);
    assertEquals(aliceTx.map((e) => e.name), []);
    const tossed = await ferry(["--config", bob.cfg, "toss"]);
    assertEquals(tossed.code, 0, tossed.stderr);
    for (const [name, bytes] of Object.entries(sent)) {
      assertEquals(await Deno.readFile(`${bob.incoming}/${name}`), bytes, name);
    }
    assertEquals((await ferry(["--config", alice.cfg, "toss"])).code, 0);
    assertEquals(await Deno.readTextFile(`${alice.incoming}/reply.txt`), "got it\n");
  });
});
