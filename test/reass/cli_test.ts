/**
 * `ferry reass` on the command line: the examples of its `--help` (and of
 * `ferry file` / `ferry exec` for areas) run as written, from a shell, with
 * `ferry` on the PATH; usage errors exit 2.
 */

import { assertEquals, assertStringIncludes } from "../assert.ts";
import { REPO_ROOT, run } from "../helpers.ts";
import {
  ferryOk,
  ferryRun,
  namesIn,
  nncp,
  packetsIn,
  patternBytes,
  queueDir,
  sameBytes,
  withWorld,
  type World,
} from "../node/_world.ts";
import { carry } from "./_carry.ts";
import { makeChunked } from "./_fixture.ts";

/** Runs `script` with sh in alice's folder, `ferry` meaning ferry with alice's config. */
async function sh(w: World, script: string) {
  const bin = `${w.root}/bin`;
  await Deno.mkdir(bin, { recursive: true });
  await Deno.writeTextFile(
    `${bin}/ferry`,
    `#!/bin/sh\nexec "${Deno.execPath()}" run -A --quiet "${REPO_ROOT}/main.ts" -c "${w.alice.cfg}" "$@"\n`,
    { mode: 0o755 },
  );
  const r = await run("/bin/sh", ["-c", script], {
    cwd: w.alice.dir,
    env: { PATH: `${bin}:${Deno.env.get("PATH")}` },
  });
  if (r.code !== 0) throw new Error(`${script} exited ${r.code}: ${r.stderr}`);
  return r;
}

Deno.test("the examples of ferry reass --help run as written", async () => {
  await withWorld(async (w) => {
    const iso = patternBytes(20 * 1024 + 3, 41);
    await Deno.writeFile(`${w.root}/big.iso`, iso);
    await Deno.mkdir(`${w.root}/notes`);
    await Deno.writeTextFile(`${w.root}/notes/todo.txt`, "fix the gate\n");
    await run("tar", ["-cf", `${w.root}/notes.tar`, "-C", w.root, "notes"]);
    await nncp("file", w.bob, ["-chunked", "8", `${w.root}/big.iso`, "alice:big.iso"]);
    await nncp("file", w.bob, ["-chunked", "4", `${w.root}/notes.tar`, "alice:notes.tar"]);
    await carry(w, { node: w.bob, nncp: true }, { node: w.alice, nncp: false });
    await ferryOk(w.alice, ["toss", "--noreass"]);
    const inc = `${w.alice.dir}/incoming/house`;
    const before = await namesIn(inc);

    await sh(w, "ferry reass --dryrun incoming/house/big.iso.nncp.meta");
    assertEquals(await namesIn(inc), before);
    await sh(w, "ferry reass --stdout incoming/house/notes.tar.nncp.meta | tar -x");
    assertEquals(await Deno.readTextFile(`${w.alice.dir}/notes/todo.txt`), "fix the gate\n");
    assertEquals((await namesIn(inc)).filter((n) => n.startsWith("notes.tar")), []);
    await sh(w, "ferry reass --all");
    assertEquals(await namesIn(inc), ["big.iso"]);
    assertEquals(sameBytes(await Deno.readFile(`${inc}/big.iso`), iso), true);
  }, renameForExamples);
});

Deno.test("the area examples of ferry file --help and ferry exec --help run as written", async () => {
  await withWorld(async (w) => {
    await Deno.writeTextFile(`${w.alice.dir}/minutes.txt`, "minutes\n");
    await sh(w, "ferry file minutes.txt area:village:");
    await sh(w, "echo 'meeting at 8' | ferry exec area:village notify");
    assertEquals((await packetsIn(queueDir(w.alice, "alice", "tx"))).length, 2);
    await ferryOk(w.alice, ["toss"]);
    assertEquals((await packetsIn(queueDir(w.alice, "bob", "tx"))).length, 2);
  }, renameForExamples);
});

Deno.test("ferry reass usage errors exit 2 and a failure exits 1 naming the chunk", async () => {
  await withWorld(async (w) => {
    for (
      const args of [
        ["reass"],
        ["reass", "--all", "--node", "bob"],
        ["reass", "--all", "x.nncp.meta"],
        ["reass", "--stdout", "--all"],
      ]
    ) {
      const r = await ferryRun(w.alice, args);
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    }
    const data = patternBytes(3000, 3);
    await Deno.writeFile(`${w.root}/a.bin`, data);
    await nncp("file", w.bob, ["-chunked", "1", `${w.root}/a.bin`, "alice:a.bin"]);
    await carry(w, { node: w.bob, nncp: true }, { node: w.alice, nncp: false });
    await ferryOk(w.alice, ["toss", "--noreass"]);
    await Deno.remove(`${w.alice.incoming}/a.bin.nncp.chunk1`);
    const r = await ferryRun(w.alice, ["reass", `${w.alice.incoming}/a.bin.nncp.meta`]);
    assertEquals(r.code, 1);
    assertStringIncludes(r.stderr, `chunk 1 (${w.alice.incoming}/a.bin.nncp.chunk1) is missing`);
  });
});

/** alice calls bob "house" (incoming/house) and the area "village" (exec handle notify). */
function renameForExamples(name: string, cfg: Record<string, unknown>) {
  if (name !== "alice") return;
  const neigh = cfg.neigh as Record<string, Record<string, unknown>>;
  neigh.house = { ...neigh.bob, incoming: `${neigh.self!.incoming}/house` };
  delete neigh.bob;
  neigh.carol!.via = ["house"];
  const areas = cfg.areas as Record<string, Record<string, unknown>>;
  areas.village = {
    ...areas.testarea,
    subs: ["house"],
    exec: { notify: ["/bin/sh", "-c", "cat >/dev/null"] },
  };
  delete areas.testarea;
}

Deno.test("ferry reass --all also looks in the areas' incoming folders", async () => {
  await withWorld(async (w) => {
    const areain = `${w.alice.dir}/areain`;
    await Deno.mkdir(areain, { recursive: true });
    const c = await makeChunked(areain, "plan.pdf", 5000, 2048, 9);
    const out = await ferryOk(w.alice, ["reass", "--all"]);
    assertEquals(out.stdout, `${areain}/plan.pdf\n`);
    assertEquals(await namesIn(areain), ["plan.pdf"]);
    assertEquals(sameBytes(await Deno.readFile(`${areain}/plan.pdf`), c.data), true);
  });
});

Deno.test("ferry reass --dump prints what nncp-reass -dump prints", async () => {
  await withWorld(async (w) => {
    const c = await makeChunked(w.alice.incoming, "a.bin", 3 * 1024 * 1024 + 5000, 1024 * 1024, 4);
    const theirs = await nncp("reass", w.alice, ["-dump", c.meta]);
    const ours = await ferryOk(w.alice, ["reass", "--dump", c.meta]);
    assertEquals(ours.stdout, theirs.stdout);
    assertStringIncludes(ours.stdout, "Number of chunks: 4");
  });
});
