import { assert, assertEquals, assertRejects } from "../assert.ts";
import {
  DuplicateSeqError,
  encodeJobHeader,
  QueueBusyError,
  QueueLayoutError,
} from "../../src/queue/mod.ts";
import { SpawnError } from "../../src/queue/spawn.ts";
import { names, recorded, recordedSeqs, sha256, withTempDir, writeRecorder } from "./_tools.ts";
import { newQueue, nextseq, process, putJob, testLog } from "./_queue_fixture.ts";

Deno.test("jobs delivered scrambled, with a gap, run exactly once each in sequence order as the gap fills", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const rec = await writeRecorder(dir);
    // Arrival order 6, 2, 8, 1, 3, 5 (names sort in yet another order); 4 and 7 come later.
    const arrive = async (seq: number) =>
      await putJob(q, { seq: BigInt(seq), params: [`p${seq}`] }, `job ${seq}\n`);
    for (const seq of [6, 2, 8, 1, 3, 5]) await arrive(seq);
    const first = await process(q, rec);
    assertEquals([first.attempted, first.stop, first.nextSeq], [3, "waiting", 4n]);
    assertEquals(await recordedSeqs(dir), [1, 2, 3]);
    assertEquals(names(`${q}/jobs`).length, 3);
    const idle = await process(q, rec);
    assertEquals([idle.attempted, idle.stop], [0, "waiting"]);
    await arrive(4);
    const second = await process(q, rec);
    assertEquals([second.attempted, second.nextSeq], [3, 7n]);
    await arrive(7);
    const third = await process(q, rec);
    assertEquals([third.attempted, third.stop, third.nextSeq], [2, "all-done", 9n]);
    assertEquals(await recordedSeqs(dir), [1, 2, 3, 4, 5, 6, 7, 8]);
    assertEquals(names(`${q}/jobs`), []);
    assertEquals(await nextseq(q), "9");
  });
});

Deno.test("the command gets argv, FSPL_SET_* raw bytes and the payload as a regular file", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const rec = await writeRecorder(dir);
    const raw = new Uint8Array([0xfe, 0x41]);
    await putJob(q, {
      seq: 1n,
      params: ["two words", "café"],
      env: [["RAW", raw], ["MODE", "a=b c"]],
    }, "payload\n");
    await process(q, rec, { args: ["--first"] });
    assertEquals(await recorded(dir), [
      `seq=1 stdin=regular_file sha=${await sha256(new TextEncoder().encode("payload\n"))}` +
      " arg=2d2d6669727374 arg=74776f20776f726473 arg=636166c3a9 FSPL_SET_MODE=613d622063 FSPL_SET_RAW=fe41",
    ]);
  });
});

Deno.test("without --allow-job-params the params stay out of argv and a warning says so", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const rec = await writeRecorder(dir);
    await putJob(q, { seq: 1n, params: ["secret"] });
    const { log, lines } = testLog();
    await process(q, rec, { allowJobParams: false }, log);
    assert(!(await recorded(dir))[0]!.includes("arg="));
    assert(lines.some((l) => l.startsWith("warn queue-job-params-ignored")), lines.join("\n"));
  });
});

Deno.test("--on-error Retry stops at a failed job, keeps it and nextseq, and runs it again next time", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const rec = await writeRecorder(dir);
    for (const seq of [1n, 2n, 3n]) await putJob(q, { seq });
    await Deno.writeTextFile(`${dir}/exit-2`, "3");
    const first = await process(q, rec);
    assertEquals([first.stop, first.failure?.seq, first.failure?.reason], [
      "failed",
      2n,
      "the command exited with status 3",
    ]);
    assertEquals([await nextseq(q), names(`${q}/jobs`).length], ["2", 2]);
    const second = await process(q, rec);
    assertEquals([second.stop, second.nextSeq], ["all-done", 4n]);
    assertEquals(await recordedSeqs(dir), [1, 2, 2, 3]);
  });
});

Deno.test("--on-error Delete and Leave move past failures; Leave keeps the file, which never runs again", async () => {
  for (const onError of ["Delete", "Leave"] as const) {
    await withTempDir(async (dir) => {
      const q = newQueue(dir);
      const rec = await writeRecorder(dir);
      const exitName = await putJob(q, { seq: 1n });
      const failName = await putJob(q, { seq: 2n, kind: "Fail" });
      await putJob(q, { seq: 3n });
      await Deno.writeTextFile(`${dir}/exit-1`, "1"); // job 1 exits 1, job 2 is a Fail job
      const s = await process(q, rec, { onError });
      assertEquals([s.attempted, s.succeeded, s.failed, s.nextSeq], [3, 1, 2, 4n], onError);
      assertEquals(names(`${q}/jobs`), onError === "Leave" ? [exitName, failName].sort() : []);
      const again = await process(q, rec, { onError });
      assertEquals(again.attempted, 0);
      assertEquals(await recordedSeqs(dir), [1, 3]);
    });
  }
});

Deno.test("--maxjobs counts NOP and Fail jobs, and 0 runs nothing", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const rec = await writeRecorder(dir);
    await putJob(q, { seq: 1n, kind: "NOP" });
    await putJob(q, { seq: 2n });
    await putJob(q, { seq: 3n });
    assertEquals((await process(q, rec, { maxJobs: 0 })).attempted, 0);
    const s = await process(q, rec, { maxJobs: 2 });
    assertEquals([s.attempted, s.stop, s.nextSeq], [2, "max-jobs", 3n]);
    assertEquals(await recordedSeqs(dir), [2]);
  });
});

Deno.test("--order-by Timestamp runs by creation time and leaves nextseq alone", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const rec = await writeRecorder(dir);
    const at = (secs: number) => ({ secs: BigInt(secs), nanos: 0 });
    await putJob(q, { seq: 1n, ctime: at(300) });
    await putJob(q, { seq: 9n, ctime: at(100) });
    await putJob(q, { seq: 9n, ctime: at(200) }); // duplicates are fine in this order
    const s = await process(q, rec, { orderBy: "Timestamp" });
    assertEquals([s.attempted, s.nextSeq], [3, null]);
    assertEquals(await recordedSeqs(dir), [9, 9, 1]);
    assertEquals([await nextseq(q), names(`${q}/jobs`)], ["1", []]);
  });
});

Deno.test("--never-delete keeps files, SaveBoth writes jobs/<file>.out, --timeout kills and fails", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const name = await putJob(q, { seq: 1n }, "to stdout\n");
    await process(q, "cat", { neverDelete: true, outputTo: "SaveBoth" });
    assertEquals(await Deno.readTextFile(`${q}/jobs/${name}.out`), "to stdout\n");
    assertEquals([await nextseq(q), names(`${q}/jobs`)], ["2", [name, `${name}.out`].sort()]);
    await putJob(q, { seq: 2n });
    const slow = await process(q, "sleep", { args: ["5"], timeoutSecs: 1 });
    assertEquals([slow.stop, slow.failure?.reason], [
      "failed",
      "the command was killed after the 1 s timeout",
    ]);
  });
});

Deno.test("a duplicate seq stops the run before anything runs and names both files", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const rec = await writeRecorder(dir);
    await putJob(q, { seq: 1n });
    await putJob(q, { seq: 7n }, "", "fspl-first.fspl");
    await putJob(q, { seq: 7n }, "", "fspl-second.fspl");
    const err = await assertRejects(() => process(q, rec), DuplicateSeqError);
    assert(
      err.message.includes("fspl-first.fspl") && err.message.includes("fspl-second.fspl"),
      err.message,
    );
    assert(
      err.message.includes("Nothing was run") && err.message.includes("move the one"),
      err.message,
    );
    assertEquals([await recorded(dir), await nextseq(q)], [[], "1"]);
  });
});

Deno.test("an unreadable job file is named in a warning and does not block the queue", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const rec = await writeRecorder(dir);
    await putJob(q, { seq: 1n });
    await Deno.writeTextFile(
      `${q}/jobs/fspl-garbage.fspl`,
      "this is not a job file at all, only some text",
    );
    await Deno.writeTextFile(`${q}/jobs/notes.txt`, "ignored: not a job name");
    await putJob(q, { seq: 2n });
    const { log, lines } = testLog();
    const s = await process(q, rec, {}, log);
    assertEquals([s.attempted, s.invalid.map((i) => i.fileName)], [2, ["fspl-garbage.fspl"]]);
    const warning = lines.find((l) => l.startsWith("warn queue-job-invalid"));
    assert(
      warning?.includes("fspl-garbage.fspl") &&
        warning.includes("doesn't appear to be a filespooler file"),
      warning,
    );
  });
});

Deno.test("a job with a NUL byte in a param fails with a message saying which param", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const rec = await writeRecorder(dir);
    const meta = {
      seq: 1n,
      ctimeSecs: 1n,
      ctimeNanos: 0,
      kind: "Command" as const,
      params: [new Uint8Array([0x61, 0, 0x62])],
      env: [],
    };
    await Deno.writeFile(`${q}/jobs/fspl-nul.fspl`, encodeJobHeader(meta));
    const s = await process(q, rec);
    assertEquals(
      s.failure?.reason,
      "its param 1 contains a NUL byte, which no command can receive",
    );
    assertEquals(await recorded(dir), []);
  });
});

Deno.test("a command that cannot start aborts the run whatever --on-error says, consuming nothing", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    await putJob(q, { seq: 1n });
    const err = await assertRejects(
      () => process(q, `${dir}/no-such-program`, { onError: "Delete" }),
      SpawnError,
    );
    assert(err.message.includes("No such file or directory"), err.message);
    assertEquals([await nextseq(q), names(`${q}/jobs`).length], ["1", 1]);
  });
});

Deno.test("an append-only queue can be written and listed but not processed", async () => {
  await withTempDir(async (dir) => {
    const { initQueue, scanJobs } = await import("../../src/queue/mod.ts");
    initQueue(`${dir}/out`, { appendOnly: true });
    assertEquals(names(`${dir}/out`), ["jobs"]);
    await putJob(`${dir}/out`, { seq: 1n });
    assertEquals((await scanJobs(`${dir}/out`)).jobs.length, 1);
    const err = await assertRejects(() => process(`${dir}/out`, "true"), QueueLayoutError);
    assert(err.message.includes("append-only"), err.message);
  });
});

Deno.test("a second processor on the same queue fails at once with busy", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    await putJob(q, { seq: 1n });
    const running = process(q, "sleep", { args: ["1"] });
    const err = await assertRejects(() => process(q, "true"), QueueBusyError);
    assert(err.message.includes("busy"), err.message);
    assertEquals((await running).succeeded, 1);
  });
});

Deno.test("--ignore-payload lets the command inherit ferry's stdin instead of the payload", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const rec = await writeRecorder(dir);
    await putJob(q, { seq: 1n }, "payload");
    await process(q, rec, { ignorePayload: true });
    const line = (await recorded(dir))[0]!;
    assert(line.startsWith("seq=1 "), line);
    assert(!line.includes(await sha256(new TextEncoder().encode("payload"))), line);
  });
});
