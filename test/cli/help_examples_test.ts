/**
 * The `--help` examples of init, pubkey, neigh and systemd-dropin, run as
 * written in a shell. What is substituted, and only that: system paths
 * (`/etc/ferry`, `/etc/nncp.hjson`, `/srv/ferry`, `/etc/systemd/system`)
 * live under a temporary root, `--owner ferry` names the user running the
 * test, `ssh house` is the house's configuration on this machine, and
 * `systemctl daemon-reload` is left out (no systemd here). Each example
 * starts from the same files, so one example's result never feeds another.
 */

import { assert, assertEquals } from "../assert.ts";
import { REPO_ROOT, run, withTempDir } from "../helpers.ts";
import { allHelpTexts } from "../docs/_help_texts.ts";
import { userName } from "../../src/fsutil/owner.ts";

const COMMANDS = [
  "ferry init",
  "ferry pubkey",
  "ferry neigh",
  "ferry neigh add",
  "ferry systemd-dropin",
];

function examplesOf(text: string): string[] {
  const after = text.split(/\nExamples?:\n/)[1] ?? "";
  return after.split("\n").map((l) => l.trim()).filter((l) =>
    l.startsWith("ferry ") || l.includes("| ferry ")
  )
    .map((l) => l.replace(/\s+#.*$/, ""));
}

Deno.test("the --help examples of init, pubkey, neigh and systemd-dropin run as written", async () => {
  const helps = (await allHelpTexts()).filter((h) => COMMANDS.includes(h.command));
  assertEquals(helps.length, COMMANDS.length);
  const examples = helps.flatMap((h) => examplesOf(h.text).map((e) => ({ command: h.command, e })));
  assert(examples.length >= 8, `found ${examples.length} examples`);
  await withTempDir(async (root) => {
    const bin = `${root}/bin`;
    await Deno.mkdir(bin);
    await Deno.writeTextFile(
      `${bin}/ferry`,
      `#!/bin/sh\nexec '${Deno.execPath()}' run -A --quiet '${REPO_ROOT}/main.ts' "$@"\n`,
      { mode: 0o755 },
    );
    const env = {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: root,
      FERRY_CONFIG: `${root}/etc/ferry/ferry.hjson`,
    };
    const sh = (line: string, cwd: string) => run("sh", ["-ec", line], { cwd, env });
    const me = userName(Deno.uid());
    const swap = (line: string) =>
      line.replaceAll("/etc/ferry/", `${root}/etc/ferry/`)
        .replaceAll("/etc/nncp.hjson", `${root}/etc/nncp.hjson`)
        .replaceAll("/srv/ferry", `${root}/srv/ferry`)
        .replaceAll("/etc/systemd/system", `${root}/etc/systemd/system`)
        .replaceAll("--owner ferry", `--owner ${me}`)
        .replaceAll("ssh house ferry pubkey", "ferry --config house.hjson pubkey")
        .replace(/ && systemctl daemon-reload$/, "");
    for (const { command, e } of examples) {
      // the same starting point for every example
      const work = `${root}/work`;
      await Deno.remove(work, { recursive: true }).catch(() => {});
      await Deno.remove(`${root}/etc`, { recursive: true }).catch(() => {});
      await Deno.mkdir(work, { recursive: true });
      await Deno.mkdir(`${root}/etc/ferry`, { recursive: true });
      await Deno.mkdir(`${root}/srv/ferry/in`, { recursive: true });
      if (command !== "ferry init") {
        for (
          const line of [
            `ferry init --name shed --spool ${root}/spool -o ${root}/etc/ferry/ferry.hjson`,
            `ferry init --name house --spool ${root}/house -o house.hjson`,
            "ferry --config house.hjson pubkey > house.pub",
          ]
        ) {
          const r = await sh(line, work);
          assertEquals(r.code, 0, `${line}: ${r.stderr}`);
        }
        const made = await run("nncp-cfgnew", []);
        await Deno.writeTextFile(
          `${root}/etc/nncp.hjson`,
          made.stdout.replaceAll("/var/spool/nncp", `${root}/nncp`),
          { mode: 0o600 },
        );
      }
      const line = swap(e);
      const r = await sh(line, work);
      assertEquals(r.code, 0, `${command} example: ${e}\nran: ${line}\n${r.stderr}`);
    }
  });
});
