/**
 * The power-cut simulator (test/crash/_powercut.ts) on ferry's write paths:
 * each command runs under `strace -f`, and every system call boundary is a
 * crash point checked against every state POSIX allows a power cut to leave
 * (unsynced data lost or torn, unsynced folder changes undone). Zero
 * violations on toss, xfer --rx, xfer --tx, a media session, a receive through
 * the packet store (the path of the link, SP and MQTT), a real `ferry link`
 * receive over a pty pair, and queue processing.
 *
 * To show the simulator can fail, the same traces with one kind of fsync
 * removed must be caught; and `hdr/` and `seen/` files, which are renamed
 * into place without an fsync of their content, are shown harmless when a
 * power cut leaves them empty or torn.
 */

import { assert, assertEquals } from "../assert.ts";
import { REPO_ROOT } from "../helpers.ts";
import { linkAll, makeTemplate, type Template, type TrialNode, trialNode } from "../node/_crash.ts";
import { IDS, namesIn, packetsIn, withWorld, type World } from "../node/_world.ts";
import { newQueue, putJob } from "../queue/_queue_fixture.ts";
import { type FsOp, simulate, traceCommand } from "./_powercut.ts";
import { startSocatPtyPair } from "../../hw/mock/mod.ts";

async function ferryTraced(
  node: TrialNode,
  args: string[],
  stdin?: Uint8Array,
): Promise<FsOp[]> {
  const t = await traceCommand(
    Deno.execPath(),
    ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, "-c", node.cfg, ...args],
    { cwd: node.dir, under: [node.dir], ...(stdin ? { stdin } : {}) },
  );
  assertEquals(t.code, 0, `ferry ${args.join(" ")} under strace: ${t.stderr}`);
  return t.ops;
}

/** Asserts a trace is clean and explored enough; returns its crash point count. */
function assertNoViolation(ops: FsOp[], root: string, what: string, minOps: number): number {
  const report = simulate(ops, root);
  const shown = report.violations.slice(0, 5).map((v) =>
    `${v.rule} at op ${v.at}: ${v.path.replace(root, "")}: ${v.detail.replaceAll(root, "")}`
  );
  assertEquals(shown, [], `${what}: ${report.violations.length} violations`);
  assert(report.ops >= minOps, `${what}: only ${report.ops} operations were traced`);
  console.log(
    `${what}: ${report.crashPoints} crash points, up to ${report.maxPendingChanges} pending ` +
      `folder changes each, 0 violations`,
  );
  return report.crashPoints;
}

async function tossSetup(w: World, t: Template, name: string): Promise<TrialNode> {
  const node = await trialNode(w.bob, `${w.root}/${name}`);
  await linkAll(t.dir, `${node.spool}/${IDS.alice}/rx`);
  return node;
}

/** Runs `fn` with strace installed, or fails saying how to install it. */
async function needStrace(): Promise<void> {
  const ok = await new Deno.Command("strace", { args: ["-V"], stdout: "null", stderr: "null" })
    .output().then((o) => o.success, () => false);
  assert(ok, "strace is needed: apt-get install strace (scripts/bootstrap.sh does)");
}

Deno.test("power cuts at every system call of ferry toss, xfer --rx and xfer --tx break nothing", async () => {
  await needStrace();
  await withWorld(async (w) => {
    const t = await makeTemplate(w);
    const bob = await tossSetup(w, t, "toss");
    assertNoViolation(await ferryTraced(bob, ["toss"]), bob.dir, "toss", 100);
    assertEquals(await packetsIn(`${bob.spool}/${IDS.alice}/rx`), []);

    const alice = await trialNode(w.alice, `${w.root}/alice`);
    await linkAll(t.dir, `${alice.spool}/${IDS.bob}/tx`);
    const medium = `${alice.dir}/medium`;
    await Deno.mkdir(medium);
    const tx = await ferryTraced(alice, ["xfer", "--tx", "--mkdir", medium]);
    assertNoViolation(tx, alice.dir, "xfer --tx", 30);
    assertEquals(await packetsIn(`${alice.spool}/${IDS.bob}/tx`), []);

    const bob2 = await trialNode(w.bob, `${w.root}/bob-rx`);
    const stick = `${bob2.dir}/medium`;
    await linkAll(`${medium}/${IDS.bob}/${IDS.alice}`, `${stick}/${IDS.bob}/${IDS.alice}`);
    const rx = await ferryTraced(bob2, ["xfer", "--rx", stick]);
    assertNoViolation(rx, bob2.dir, "xfer --rx", 30);
    assertEquals((await packetsIn(`${bob2.spool}/${IDS.alice}/rx`)).sort(), [...t.ids].sort());
  });
});

Deno.test("power cuts at every system call of a media session, a store receive and queue processing break nothing", async () => {
  await needStrace();
  await withWorld(async (w) => {
    const t = await makeTemplate(w);
    // Media: bob imports alice's packets from a stick and exports his own.
    const alice = await trialNode(w.alice, `${w.root}/alice`);
    await linkAll(t.dir, `${alice.spool}/${IDS.bob}/tx`);
    const bob = await trialNode(w.bob, `${w.root}/bob`);
    const stick = `${bob.dir}/stick`;
    await Deno.mkdir(stick);
    await mountTmpfs(stick);
    try {
      await mediaSession(alice, bob, stick, t);
    } finally {
      await new Deno.Command("umount", { args: [stick] }).output();
    }

    // A receive through the shared packet store, as the link, SP and MQTT do.
    const carol = await trialNode(w.bob, `${w.root}/store`);
    const id = [...t.sizes.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const store = await traceCommand(Deno.execPath(), [
      "run",
      "-A",
      "--quiet",
      `${REPO_ROOT}/test/crash/_store_child.ts`,
      carol.cfg,
      IDS.alice,
      `${t.dir}/${id}`,
      id,
    ], { cwd: carol.dir, under: [carol.dir] });
    assertEquals(store.code, 0, store.stderr);
    assertNoViolation(store.ops, carol.dir, "store receive", 5);
    assertEquals(await packetsIn(`${carol.spool}/${IDS.alice}/rx`), [id]);

    // Queue processing: nextseq moves on only durably, job files go after it.
    const qnode = await trialNode(w.bob, `${w.root}/queue`);
    const q = newQueue(qnode.dir);
    for (let seq = 1; seq <= 5; seq++) {
      await putJob(q, { seq: BigInt(seq), params: [] }, `${seq}\n`);
    }
    const out = `${w.root}/ran.txt`;
    const queue = await ferryTraced(qnode, [
      "queue",
      "process",
      "-q",
      q,
      "sh",
      "--",
      "-c",
      'cat >> "$0"',
      out,
    ]);
    assertNoViolation(queue, qnode.dir, "queue process", 10);
    assertEquals(await namesIn(`${q}/jobs`), []);
  });
});

Deno.test("the power-cut simulator catches a removed fsync", async () => {
  await needStrace();
  await withWorld(async (w) => {
    const t = await makeTemplate(w);
    const bob = await tossSetup(w, t, "toss");
    const ops = await ferryTraced(bob, ["toss"]);
    // Without the fsync of a delivered file's data: torn under its final name.
    const noDataSync = ops.filter((o) => !(o.kind === "fsync" && o.path.includes("/.ferry-")));
    const a = simulate(noDataSync, bob.dir).violations;
    assert(a.some((v) => v.rule === "partial-under-final-name" && v.path.includes("/incoming/")));
    // Without the fsync of the incoming folder: the packet goes while its file may vanish.
    const noDirSync = ops.filter((o) => !(o.kind === "fsync" && o.path.endsWith("/incoming")));
    const b = simulate(noDirSync, bob.dir).violations;
    assert(b.some((v) => v.rule === "input-deleted-before-output-durable"));
    // The real trace has neither.
    assertEquals(simulate(ops, bob.dir).violations, []);
  });
});

Deno.test("hdr/ and seen/ files left empty or torn by a power cut are harmless", async () => {
  await withWorld(async (w) => {
    const t = await makeTemplate(w);
    // hdr/: alice's export and bob's toss read every packet right with hdr files emptied or cut.
    const alice = await trialNode(w.alice, `${w.root}/alice`);
    const tx = `${alice.spool}/${IDS.bob}/tx`;
    await linkAll(t.dir, tx);
    await Deno.mkdir(`${tx}/hdr`, { recursive: true });
    // Empty, cut short, and full length but zeroed (a torn write of a new file).
    t.ids.forEach((id, i) => {
      const size = [0, 7, 172][i % 3]!;
      Deno.writeFileSync(`${tx}/hdr/${id}`, new Uint8Array(size).fill(i % 3 === 1 ? 0x4e : 0));
    });
    const medium = `${alice.dir}/medium`;
    await Deno.mkdir(medium);
    const xfer = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        `${REPO_ROOT}/main.ts`,
        "-c",
        alice.cfg,
        "xfer",
        "--tx",
        "--mkdir",
        medium,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assertEquals(xfer.code, 0, new TextDecoder().decode(xfer.stderr));
    assertEquals((await packetsIn(`${medium}/${IDS.bob}/${IDS.alice}`)).sort(), [...t.ids].sort());

    // seen/: an empty marker still means "tossed": the copy is dropped, nothing delivered again.
    const bob = await tossSetup(w, t, "bob");
    const rx = `${bob.spool}/${IDS.alice}/rx`;
    await Deno.mkdir(`${rx}/seen`, { recursive: true });
    const [first, ...rest] = t.ids;
    await Deno.writeFile(`${rx}/seen/${first}`, new Uint8Array());
    await Deno.mkdir(`${rx}/hdr`, { recursive: true });
    for (const [i, id] of rest.entries()) {
      await Deno.writeFile(`${rx}/hdr/${id}`, new Uint8Array(i % 2 === 0 ? 3 : 172));
    }
    await tossCli(bob);
    assertEquals(await packetsIn(rx), [], "every packet left rx");
    // What the marked packet alone would deliver, from a control node.
    const control = await trialNode(w.bob, `${w.root}/control`);
    await linkAll(t.dir, `${control.spool}/${IDS.alice}/rx`);
    for (const id of rest) await Deno.remove(`${control.spool}/${IDS.alice}/rx/${id}`);
    await tossCli(control);
    const byFirst = new Set(await namesIn(control.incoming));
    const all = new Set(
      t.files.map((f, i, list) =>
        list.findIndex((g) => g.name === f.name) === i ? f.name : `${f.name}.0`
      ),
    );
    const delivered = await namesIn(bob.incoming);
    // same.txt may take either name: compare counts where the marked packet is one of them.
    assertEquals(delivered.length, all.size - byFirst.size, `delivered ${delivered}`);
    for (const name of delivered) assert(all.has(name), `unexpected ${name}`);
  });
});

async function tossCli(node: TrialNode): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO_ROOT}/main.ts`, "-c", node.cfg, "toss"],
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
}

async function mountTmpfs(dir: string): Promise<void> {
  const out = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=128m", "ferry-crash-stick", dir],
    stderr: "piped",
  }).output();
  assert(out.success, `mount a tmpfs stick (needs root): ${new TextDecoder().decode(out.stderr)}`);
}

/** bob serves a stick alice wrote her packets on. */
async function mediaSession(alice: TrialNode, bob: TrialNode, stick: string, t: Template) {
  const made = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      `${REPO_ROOT}/main.ts`,
      "-c",
      alice.cfg,
      "xfer",
      "--tx",
      "--mkdir",
      stick,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(made.code, 0, new TextDecoder().decode(made.stderr));
  const media = await ferryTraced(bob, ["media", stick]);
  assertNoViolation(media, bob.dir, "media session", 30);
  assertEquals((await packetsIn(`${bob.spool}/${IDS.alice}/rx`)).sort(), [...t.ids].sort());
}

Deno.test("power cuts at every system call of a ferry link receive break nothing", async () => {
  await needStrace();
  await withWorld(async (w) => {
    // Small packets: a serial cable at 115200 baud.
    const alice = await trialNode(w.alice, `${w.root}/alice-link`);
    const bob = await trialNode(w.bob, `${w.root}/bob-link`);
    for (const [i, size] of [40_000, 3_000, 10].entries()) {
      await Deno.writeFile(`${w.root}/radio-${i}`, new Uint8Array(size).fill(i + 1));
      const r = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--quiet",
          `${REPO_ROOT}/main.ts`,
          "-c",
          alice.cfg,
          "file",
          `${w.root}/radio-${i}`,
          `bob:radio-${i}`,
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
      assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    }
    const queued = await packetsIn(`${alice.spool}/${IDS.bob}/tx`);
    assertEquals(queued.length, 3);
    const pty = await startSocatPtyPair();
    try {
      const link = (node: TrialNode, peer: string, port: string) => [
        "run",
        "-A",
        "--quiet",
        `${REPO_ROOT}/main.ts`,
        "-c",
        node.cfg,
        "link",
        "--node",
        peer,
        "--port",
        port,
        "--modem",
        "cable",
        "--baud",
        "115200",
        "--max-sec",
        "120",
      ];
      const sender = new Deno.Command(Deno.execPath(), {
        args: link(alice, "bob", pty.paths[0]),
        stdout: "null",
        stderr: "piped",
      }).output();
      const traced = await traceCommand(Deno.execPath(), link(bob, "alice", pty.paths[1]), {
        cwd: bob.dir,
        under: [bob.dir],
      });
      const sent = await sender;
      assertEquals(sent.code, 0, new TextDecoder().decode(sent.stderr) + traced.stderr);
      assertEquals(traced.code, 0, traced.stderr);
      assertNoViolation(traced.ops, bob.dir, "link receive", 10);
    } finally {
      await pty.stop();
    }
    const rx = `${bob.spool}/${IDS.alice}/rx`;
    assertEquals((await packetsIn(rx)).sort(), [...queued].sort(), "every packet arrived");
  });
});

Deno.test("the power-cut simulator ties a delivered file to its own packet, and to no other", () => {
  const a = "A".repeat(52), b = "B".repeat(52);
  const root = "/w";
  const deliver = (id: string, name: string): FsOp[] => [
    { kind: "create", path: `/w/in/.ferry-${id}.tmp` },
    { kind: "write", path: `/w/in/.ferry-${id}.tmp` },
    { kind: "fsync", path: `/w/in/.ferry-${id}.tmp` },
    { kind: "link", from: `/w/in/.ferry-${id}.tmp`, to: `/w/in/${name}` },
  ];
  // Two lanes: B's file is linked, not yet in a fsynced folder, when A's packet goes.
  const lanes: FsOp[] = [
    ...deliver(a, "same.txt"),
    { kind: "fsync", path: "/w/in" },
    ...deliver(b, "same.txt.0"),
    { kind: "unlink", path: `/w/spool/rx/${a}` },
    { kind: "fsync", path: "/w/in" },
    { kind: "unlink", path: `/w/spool/rx/${b}` },
  ];
  assertEquals(simulate(lanes, root).violations, []);
  // B's own packet going before its file is durable is still caught.
  const early: FsOp[] = [
    ...deliver(b, "same.txt.0"),
    { kind: "unlink", path: `/w/spool/rx/${b}` },
    { kind: "fsync", path: "/w/in" },
  ];
  const caught = simulate(early, root).violations;
  assertEquals(caught.map((v) => [v.rule, v.path]), [
    ["input-deleted-before-output-durable", "/w/in/same.txt.0"],
  ]);
  // An output that names no packet stays everyone's concern.
  const unnamed: FsOp[] = [
    { kind: "create", path: "/w/out/job.tmp" },
    { kind: "write", path: "/w/out/job.tmp" },
    { kind: "fsync", path: "/w/out/job.tmp" },
    { kind: "rename", from: "/w/out/job.tmp", to: "/w/out/job" },
    { kind: "unlink", path: `/w/spool/rx/${a}` },
  ];
  assertEquals(simulate(unnamed, root).violations.map((v) => v.path), ["/w/out/job"]);
});
