/**
 * Every example in `ferry daemon --help` and `ferry call --help` runs as
 * printed (with the port 5400 replaced by a free one), against each other.
 */

import { assertEquals, assertStringIncludes } from "../assert.ts";
import { REPO_ROOT } from "../helpers.ts";
import { ferryOk, ferryRun, packetsIn, queueDir, withWorld, type World } from "../node/_world.ts";
import { type Background, background, freePort, waitPort } from "./_net.ts";

async function examples(command: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, command, "--help"],
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  return (text.split("Examples:\n")[1] ?? "").split("\n").map((l) => l.trim()).filter((l) =>
    l.startsWith("ferry ") || l.startsWith("socat ")
  );
}

/** A `ferry` on PATH that runs this checkout. */
async function ferryBin(w: World): Promise<string> {
  const bin = `${w.root}/bin`;
  await Deno.mkdir(bin);
  await Deno.writeTextFile(
    `${bin}/ferry`,
    `#!/bin/sh\nexec "${Deno.execPath()}" run -A --quiet "${REPO_ROOT}/main.ts" "$@"\n`,
    { mode: 0o755 },
  );
  return bin;
}

function env(bin: string, cfg: string): Record<string, string> {
  return { PATH: `${bin}:${Deno.env.get("PATH")}`, FERRY_CONFIG: cfg };
}

async function sh(line: string, e: Record<string, string>): Promise<void> {
  const out = await new Deno.Command("/bin/sh", { args: ["-c", line], env: e }).output();
  if (out.code !== 0) {
    throw new Error(`${line} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

Deno.test("the examples of ferry daemon --help and ferry call --help run as printed", async () => {
  const port = freePort();
  await withWorld(async (w) => {
    const bin = await ferryBin(w);
    const daemonEx = (await examples("daemon")).map((l) => l.replaceAll("5400", String(port)));
    const callEx = (await examples("call")).map((l) => l.replaceAll("5400", String(port)));
    assertEquals(daemonEx.length, 2);
    assertEquals(callEx.length, 4);
    await Deno.writeTextFile(`${w.root}/a.txt`, "example\n");

    // Example 1 of daemon: TCP with --autotoss; every call example reaches it.
    let daemon: Background = background(
      "/bin/sh",
      ["-c", `exec ${daemonEx[0]}`],
      env(bin, w.bob.cfg),
    );
    try {
      await waitPort(port, 20_000, daemon);
      for (const [i, line] of callEx.entries()) {
        await ferryOk(w.alice, ["file", `${w.root}/a.txt`, `bob:call${i}.txt`]);
        const rxOnly = line.includes("--rx");
        await sh(line, env(bin, w.alice.cfg));
        if (!rxOnly) {
          // Tossed by the daemon's --autotoss once the session ended.
          const until = Date.now() + 20_000;
          while (Date.now() < until) {
            if (await Deno.stat(`${w.bob.incoming}/call${i}.txt`).then(() => true, () => false)) {
              break;
            }
            await new Promise((r) => setTimeout(r, 100));
          }
          assertEquals(await Deno.readTextFile(`${w.bob.incoming}/call${i}.txt`), "example\n");
        } else {
          assertEquals((await packetsIn(queueDir(w.alice, "bob", "tx"))).length, 1);
        }
      }
    } finally {
      await daemon.stop();
    }

    // Example 2 of daemon: --inetd under socat.
    daemon = background("/bin/sh", ["-c", `exec ${daemonEx[1]}`], env(bin, w.bob.cfg));
    try {
      await waitPort(port, 20_000, daemon);
      await sh(callEx[0]!, env(bin, w.alice.cfg));
    } finally {
      await daemon.stop();
    }
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), []);
  }, (name, cfg) => {
    if (name !== "alice") return;
    const bob = (cfg.neigh as Record<string, Record<string, unknown>>).bob!;
    bob.addrs = { lan: `127.0.0.1:${port}` };
    bob.onlinedeadline = 1;
  });
});

Deno.test("the README's online-session examples are the --help examples run above", async () => {
  const readme = await Deno.readTextFile(`${REPO_ROOT}/README.md`);
  const section = readme.split("## Online sessions (NNCP's sync protocol)")[1]!.split("\n## ")[0]!;
  const block = section.split("```sh\n")[1]!.split("```")[0]!;
  const lines = block.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) => l);
  const help = [...await examples("daemon"), ...await examples("call")];
  assertEquals(lines, help);
});

Deno.test("ferry call and ferry daemon refuse wrong usage with exit 2 and say why", async () => {
  await withWorld(async (w) => {
    const cases: [string[], string][] = [
      [["call", "bob:nope"], "has no address named nope"],
      [["call", "bob", "--rx", "--tx"], "exclude each other"],
      [["call", "bob", "127.0.0.1:1", "--pkts", "x"], "is not a packet id"],
      [["call", "bob", "127.0.0.1:1", "--onlinedeadline", "-1"], "whole number of seconds"],
      [["call", "bob", "127.0.0.1:1", "--txrate", "fast"], "packets per second"],
      [["call", "bob", "127.0.0.1:1", "--rxrate", ""], "packets per second"],
      [["call", "nobody"], "nobody"],
      [["daemon", "--maxconn", "0"], "--maxconn"],
      [["daemon", "--inetd", "--bind", "127.0.0.1:1"], "exclude each other"],
      [["daemon", "--nice", "300"], "--nice"],
    ];
    for (const [args, says] of cases) {
      const r = await ferryRun(w.alice, args);
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assertStringIncludes(r.stderr, says);
    }
    // An address nothing listens on: exit 1 and a message that names it.
    const dead = `127.0.0.1:${freePort()}`;
    const none = await ferryRun(w.alice, ["call", "bob", dead]);
    assertEquals(none.code, 1);
    assertStringIncludes(none.stderr, `cannot reach bob at ${dead}`);
  });
});
