import { assert, assertEquals, assertRejects } from "../assert.ts";
import { enqueueJob, jobStream } from "../../src/queue/mod.ts";
import {
  baseEnv,
  ferry,
  ferryCommand,
  fspl,
  names,
  recorded,
  sha256,
  withTempDir,
  writeRecorder,
} from "./_tools.ts";
import { newQueue, nextseq, process, putJob } from "./_queue_fixture.ts";

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gzipJob(seq: bigint, payload: Uint8Array): Promise<Uint8Array> {
  const job = await bytesOf(jobStream({ seq }, payload));
  const stream = new Blob([job as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return await bytesOf(stream);
}

const payload = new Uint8Array(100000).map((_, i) => (i * 31) % 256);

Deno.test("a failing decoder fails the job instead of running it truncated (fspl runs it), and the queue resumes", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const gz = await gzipJob(1n, payload);
    await Deno.writeFile(`${q}/jobs/fspl-1.fspl`, gz.subarray(0, Math.floor(gz.length * 0.6)));
    await Deno.writeFile(`${q}/jobs/fspl-2.fspl`, await gzipJob(2n, payload));
    await Deno.mkdir(`${dir}/theirs`);
    const rec = await writeRecorder(dir);
    // fspl, by contrast: the truncated job runs with part of its payload and is deleted as a success.
    await fspl(["queue-init", "-q", `${dir}/theirs/q`]);
    await Deno.copyFile(`${q}/jobs/fspl-1.fspl`, `${dir}/theirs/q/jobs/fspl-1.fspl`);
    await fspl(["queue-process", "-q", `${dir}/theirs/q`, "-d", "zcat", rec]);
    const fsplSaw = await recorded(dir);
    assertEquals(fsplSaw.length, 1);
    assert(!fsplSaw[0]!.includes(await sha256(payload)), "fspl ran the truncated payload");
    await Deno.remove(`${dir}/rec.txt`);

    const retry = await ferry(["queue", "process", "-q", q, "-d", "zcat", rec]);
    assertEquals(retry.code, 1);
    assert(
      retry.stderr.includes('decoder "zcat" exited with status 1') &&
        retry.stderr.includes("set-next"),
      retry.stderr,
    );
    assertEquals([await recorded(dir), await nextseq(q), names(`${q}/jobs`)], [[], "1", [
      "fspl-1.fspl",
      "fspl-2.fspl",
    ]]);
    const skip = await ferry([
      "queue",
      "process",
      "-q",
      q,
      "-d",
      "zcat",
      "--on-error",
      "Delete",
      rec,
    ]);
    assertEquals(skip.code, 0, skip.stderr);
    assertEquals(await recorded(dir), [`seq=2 stdin=regular_file sha=${await sha256(payload)}`]);
    assertEquals(
      [await nextseq(q), names(`${q}/jobs`), names(q).filter((n) => n.startsWith("."))],
      ["3", [], []],
    );
  });
});

Deno.test("a decoded job over --decoded-max-bytes stops the run without consuming the job", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    await Deno.writeFile(`${q}/jobs/fspl-1.fspl`, await gzipJob(1n, payload));
    const ran = await ferry([
      "queue",
      "process",
      "-q",
      q,
      "-d",
      "zcat",
      "--on-error",
      "Delete",
      "--decoded-max-bytes",
      "50000",
      "true",
    ]);
    assertEquals(ran.code, 1);
    assert(
      ran.stderr.includes("more than 50000 bytes") && ran.stderr.includes("--decoded-max-bytes"),
      ran.stderr,
    );
    assertEquals([await nextseq(q), names(`${q}/jobs`)], ["1", ["fspl-1.fspl"]]);
  });
});

async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await Deno.stat(path).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${path} never appeared`);
}

Deno.test("SIGKILL during a job: the next run reruns that job (at least once), nothing else twice, nothing lost", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    for (const seq of [1n, 2n, 3n]) await putJob(q, { seq }, `job ${seq}\n`);
    const script = `${dir}/job.sh`;
    await Deno.writeTextFile(
      script,
      `#!/bin/sh\necho "start $FSPL_SEQ $$" >> '${dir}/log'\n` +
        `if [ "$FSPL_SEQ" = 2 ] && [ ! -f '${dir}/release' ]; then\n  touch '${dir}/started'\n  i=0\n` +
        `  while [ ! -f '${dir}/release' ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done\nfi\n` +
        `cat > /dev/null\necho "done $FSPL_SEQ" >> '${dir}/log'\n`,
    );
    await Deno.chmod(script, 0o755);
    const [deno, args] = ferryCommand(["queue", "process", "-q", q, "-d", "cat", script]);
    const victim = new Deno.Command(deno, {
      args,
      clearEnv: true,
      env: baseEnv(),
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitFor(`${dir}/started`);
    victim.kill("SIGKILL");
    assertEquals((await victim.status).signal, "SIGKILL");
    const orphan = Number(/start 2 (\d+)/.exec(await Deno.readTextFile(`${dir}/log`))?.[1]);
    Deno.kill(orphan, "SIGKILL"); // the interrupted command outlived ferry; stop it as a power cut would
    assertEquals([await nextseq(q), names(`${q}/jobs`).length], ["2", 2]);
    assertEquals(names(q).filter((n) => !["jobs", "nextseq", "nextseq.lock"].includes(n)), []);
    await Deno.writeTextFile(`${dir}/release`, "");
    const again = await ferry(["queue", "process", "-q", q, "-d", "cat", script]);
    assertEquals(again.code, 0, again.stderr);
    const log = (await Deno.readTextFile(`${dir}/log`)).trim().split("\n").map((l) =>
      l.replace(/^(start \d+) \d+$/, "$1")
    );
    assertEquals(log, ["start 1", "done 1", "start 2", "start 2", "done 2", "start 3", "done 3"]);
    assertEquals([await nextseq(q), names(`${q}/jobs`)], ["4", []]);
  });
});

const isRoot = Deno.uid() === 0;

async function withTmpfs(
  dir: string,
  size: string,
  fn: (mnt: string) => Promise<void>,
): Promise<void> {
  const mnt = `${dir}/mnt`;
  await Deno.mkdir(mnt);
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${size}`, "none", mnt],
  }).output();
  assertEquals(mount.code, 0, new TextDecoder().decode(mount.stderr));
  try {
    await fn(mnt);
  } finally {
    await new Deno.Command("umount", { args: [mnt] }).output();
  }
}

async function fill(path: string): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true });
  const block = new Uint8Array(4096);
  try {
    for (let i = 0; i < 1 << 20; i++) await file.write(block);
  } catch (err) {
    if (!String(err).includes("No space left")) throw err;
  } finally {
    file.close();
  }
}

Deno.test({
  name: "a full disk refuses new jobs cleanly and leaves the queue consistent and resumable",
  ignore: !isRoot,
  fn: () =>
    withTempDir((dir) =>
      withTmpfs(dir, "512k", async (mnt) => {
        const q = newQueue(mnt);
        await enqueueJob(q, jobStream({ seq: 1n }, new TextEncoder().encode("small")));
        const big = jobStream({ seq: 2n }, new Uint8Array(1024 * 1024));
        const err = await assertRejects(() => enqueueJob(q, big));
        assert(
          err.message.includes("not queued") && err.message.includes("No space left"),
          err.message,
        );
        assertEquals(names(`${q}/jobs`).length, 1);
        // A decoded job that does not fit: the run stops, the job stays, nothing is consumed.
        await Deno.writeFile(
          `${q}/jobs/fspl-2.fspl`,
          await gzipJob(2n, new Uint8Array(300 * 1024)),
        );
        await Deno.writeFile(`${mnt}/filler`, new Uint8Array(300 * 1024));
        const rec = await writeRecorder(dir);
        const spoolErr = await assertRejects(() =>
          process(q, rec, { decoder: "zcat -f", maxJobs: 2, onError: "Delete" })
        );
        assert(spoolErr.message.includes("No space left"), spoolErr.message);
        assertEquals([await nextseq(q), names(q).filter((n) => n.startsWith("."))], ["2", []]);
        await Deno.remove(`${mnt}/filler`);
        assertEquals((await process(q, rec, { decoder: "zcat -f" })).nextSeq, 3n);
        // nextseq itself cannot be written: the job ran, and says it will run again; state stays valid.
        await putJob(q, { seq: 3n }, "three");
        await fill(`${mnt}/filler`);
        const commitErr = await assertRejects(() => process(q, rec));
        assert(commitErr.message.includes("it will run again"), commitErr.message);
        assertEquals([
          await nextseq(q),
          names(q).includes("nextseq.temp"),
          names(`${q}/jobs`).length,
        ], ["3", false, 1]);
        await Deno.remove(`${mnt}/filler`);
        assertEquals((await process(q, rec)).nextSeq, 4n);
        assertEquals((await recorded(dir)).map((l) => l.split(" ")[0]), [
          "seq=1",
          "seq=2",
          "seq=3",
          "seq=3",
        ]);
      })
    ),
});
