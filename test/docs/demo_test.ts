/**
 * The demo prints the commands it runs (so a person can repeat them), keeps
 * its working folder with `--keep`, and states the time it took. The kept
 * folder is used to repeat one printed command, then removed.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { REPO_ROOT, run } from "../helpers.ts";

const demo = (args: string[]) =>
  run(Deno.execPath(), ["run", "-A", `${REPO_ROOT}/scripts/demo.ts`, ...args], {
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", NO_COLOR: "1" },
  });

Deno.test("the demo refuses an unknown argument with exit 2 and its usage", async () => {
  const out = await demo(["--bogus"]);
  assertEquals(out.code, 2);
  assertStringIncludes(out.stderr, "usage: bash scripts/demo.sh [--keep]");
});

Deno.test("demo --keep: every step's command is printed, the folder is kept, a printed command repeats", async () => {
  const out = await demo(["--keep"]);
  assertEquals(out.code, 0, out.stdout + out.stderr);
  const kept = /^kept (\S+): /m.exec(out.stdout)?.[1];
  assert(kept, out.stdout);
  try {
    for (const name of ["house.hjson", "shed.hjson", "phone.hjson"]) {
      assert((await Deno.stat(`${kept}/${name}`)).isFile, name);
    }
    const commands = [...out.stdout.matchAll(/^ +\$ (.*)$/gm)].map((m) => m[1]!);
    for (
      const expected of ["ferry init ", "nncp-cfgnew", " agent &", "nncp-xfer ", "ferry --config"]
    ) {
      assert(commands.some((c) => c.includes(expected)), `a printed ${expected}`);
    }
    assertMatch(out.stdout, /All deliveries verified in \d+\.\d s \(the demo itself/);
    // repeat the printed status command on the kept folder
    const status = commands.find((c) => c.endsWith("shed.hjson status"))!;
    const args = status.split(" ").slice(1);
    const again = await run(Deno.execPath(), [
      "run",
      "-A",
      "--quiet",
      `${REPO_ROOT}/main.ts`,
      ...args,
    ]);
    assertEquals(again.code, 0, again.stderr);
    assertStringIncludes(again.stdout, "ferry node shed");
    assertStringIncludes(again.stdout, "3 job(s) done");
  } finally {
    await Deno.remove(kept, { recursive: true });
  }
});
