import { assertEquals } from "../assert.ts";
import { ferry, REPO_ROOT, run, runOk, withTempDir } from "../helpers.ts";
import { setupNodes } from "../nodes.ts";

/** The command that makes ferry an exec handler queueing job bodies into `queue`. */
function queueHandler(queue: string): string[] {
  return [
    Deno.execPath(),
    "run",
    "-A",
    "--quiet",
    `${REPO_ROOT}/main.ts`,
    "queue",
    "write",
    "--content-name",
    "-q",
    queue,
  ];
}

Deno.test("exec packets carrying jobs run in strict order at the receiver, whatever order the media bring them in", async () => {
  await withTempDir(async (root) => {
    const queue = `${root}/jobs`;
    const nodes = await setupNodes(root, ["alice", "bob"], (name, cfg) => {
      if (name === "bob") {
        // deno-lint-ignore no-explicit-any
        (cfg as any).neigh.alice.exec.jobs = queueHandler(queue);
      }
    });
    const alice = nodes.alice!, bob = nodes.bob!;
    assertEquals((await ferry(["queue", "init", "-q", queue])).code, 0);
    // Five jobs; jobs 2 and 4 are sent by real nncp-exec, the others by ferry exec.
    const ids: string[] = [];
    const bodies: Uint8Array[] = [];
    for (let seq = 1; seq <= 5; seq++) {
      const job = await ferry([
        "queue",
        "prepare",
        "-s",
        `${root}/jobs.seq`,
        "-i",
        "-",
        "--",
        `job${seq}`,
      ], { stdin: `payload ${seq}\n` });
      assertEquals(job.code, 0, job.stderr);
      const body = job.stdoutBytes;
      bodies.push(body);
      if (seq % 2 === 0) {
        await runOk("nncp-exec", ["-cfg", alice.cfg, "-quiet", "bob", "jobs"], { stdin: body });
      } else {
        const sent = await ferry(["--config", alice.cfg, "exec", "bob", "jobs"], { stdin: body });
        assertEquals(sent.code, 0, sent.stderr);
        ids.push(sent.stdout.trim());
      }
    }
    // Two media: the first carries only the packets of jobs 3 and 5 (made by ferry).
    const tx = `${alice.spool}/${"JIHU3APBZHWUGIJIOZQ5Z6C4LOKLEYTVGOFNGKU7U2TCMZZWQT3Q"}/tx`;
    const hold = `${root}/held`;
    await Deno.mkdir(hold);
    const first = ids[0]!.split("/")[1]!; // job 1 waits for the second medium
    await Deno.rename(`${tx}/${first}`, `${hold}/${first}`);
    for (const m of ["m1", "m2"]) await Deno.mkdir(`${root}/${m}`);
    assertEquals(
      (await ferry(["--config", alice.cfg, "xfer", "--tx", "--mkdir", `${root}/m1`])).code,
      0,
    );
    assertEquals((await ferry(["--config", bob.cfg, "xfer", "--rx", `${root}/m1`])).code, 0);
    assertEquals((await ferry(["--config", bob.cfg, "toss"])).code, 0);
    const record = `${root}/ran.txt`;
    const script = `${root}/record.sh`;
    await Deno.writeTextFile(
      script,
      `#!/bin/sh\nprintf '%s %s\\n' "$FSPL_SEQ" "$(cat)" >> ${record}\n`,
      { mode: 0o755 },
    );
    const processQueue = () => ferry(["queue", "process", "-q", queue, "--", script]);
    assertEquals((await processQueue()).code, 0);
    assertEquals(
      await Deno.readTextFile(record).catch(() => ""),
      "",
      "nothing runs while job 1 is missing",
    );
    // Job 1 comes on the second medium (and job 3 again, by a second route: it must not run twice).
    await Deno.rename(`${hold}/${first}`, `${tx}/${first}`);
    const again = await ferry(["--config", alice.cfg, "exec", "bob", "jobs"], {
      stdin: bodies[2]!,
    });
    assertEquals(again.code, 0, again.stderr);
    assertEquals(
      (await ferry(["--config", alice.cfg, "xfer", "--tx", "--mkdir", `${root}/m2`])).code,
      0,
    );
    assertEquals((await ferry(["--config", bob.cfg, "xfer", "--rx", `${root}/m2`])).code, 0);
    assertEquals((await ferry(["--config", bob.cfg, "toss"])).code, 0);
    assertEquals((await processQueue()).code, 0);
    assertEquals(
      await Deno.readTextFile(record),
      [1, 2, 3, 4, 5].map((n) => `${n} payload ${n}`).join("\n") + "\n",
    );
    const next = await run(Deno.execPath(), [
      "run",
      "-A",
      "--quiet",
      `${REPO_ROOT}/main.ts`,
      "queue",
      "get-next",
      "-q",
      queue,
    ]);
    assertEquals(next.stdout.trim(), "6");
  });
});

Deno.test("the queue handler refuses an exec body that is not a job, and the packet stays in rx", async () => {
  await withTempDir(async (root) => {
    const queue = `${root}/jobs`;
    const nodes = await setupNodes(root, ["alice", "bob"], (name, cfg) => {
      // deno-lint-ignore no-explicit-any
      if (name === "bob") (cfg as any).neigh.alice.exec.jobs = queueHandler(queue);
    });
    assertEquals((await ferry(["queue", "init", "-q", queue])).code, 0);
    const sent = await ferry(["--config", nodes.alice!.cfg, "exec", "bob", "jobs"], {
      stdin: "not a job file\n",
    });
    assertEquals(sent.code, 0, sent.stderr);
    await Deno.mkdir(`${root}/m`);
    await ferry(["--config", nodes.alice!.cfg, "xfer", "--tx", "--mkdir", `${root}/m`]);
    await ferry(["--config", nodes.bob!.cfg, "xfer", "--rx", `${root}/m`]);
    const tossed = await ferry(["--config", nodes.bob!.cfg, "toss"]);
    assertEquals(tossed.code, 1);
    assertEquals(tossed.stderr.includes("rx-handle"), true, tossed.stderr);
    const jobs = [...Deno.readDirSync(`${queue}/jobs`)].map((e) => e.name);
    assertEquals(jobs, []);
    const stat = await ferry(["--config", nodes.bob!.cfg, "stat", "--json"]);
    const alice = JSON.parse(stat.stdout).find((n: { node: string }) => n.node === "alice");
    assertEquals(alice.rx.packets, 1);
  });
});
