import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import {
  decodeJobHeader,
  enqueueJob,
  JobFormatError,
  jobStream,
  makeJobMeta,
  scanJobs,
  takeSenderSeq,
} from "../../src/queue/mod.ts";
import {
  ferry,
  fspl,
  names,
  recorded,
  sha256,
  vector,
  withTempDir,
  writeRecorder,
} from "./_tools.ts";
import { newQueue, process } from "./_queue_fixture.ts";

const enc = new TextEncoder();

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return await bytesOf(stream);
}

Deno.test("enqueueJob verifies a job before it gets a job name; a damaged one is refused and leaves nothing", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const good = await bytesOf(jobStream({ seq: 1n, params: ["a"] }, enc.encode("body")));
    const done = await enqueueJob(q, good);
    assert(/^fspl-[0-9a-f-]{36}\.fspl$/.test(done.fileName), done.fileName);
    assertEquals([done.bytes, done.header?.meta.seq], [good.length, 1n]);
    assertEquals(await Deno.readFile(`${q}/jobs/${done.fileName}`), good);
    const damaged = good.slice();
    damaged[40]! ^= 1;
    const err = await assertRejects(() => enqueueJob(q, damaged), JobFormatError);
    assert(err.message.startsWith(`not queued in ${q}: CRC-32 mismatch on metadata`), err.message);
    assertEquals(names(`${q}/jobs`), [done.fileName]);
  });
});

Deno.test("an exec handler can wrap a raw payload stream as a job and queue it without buffering it", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    const chunk = new Uint8Array(64 * 1024).map((_, i) => i % 251);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ === 160) return c.close(); // 10 MiB in 64 KiB chunks
        c.enqueue(chunk);
      },
    });
    const seq = takeSenderSeq(`${dir}/handler.seq`);
    const done = await enqueueJob(
      q,
      jobStream({ seq, params: ["from-nncp"], env: [["NODE", "shed"]] }, body),
    );
    assertEquals(done.bytes - (done.header?.payloadOffset ?? 0), 160 * chunk.length);
    const rec = await writeRecorder(dir);
    const summary = await process(q, rec);
    assertEquals(summary.succeeded, 1);
    const whole = new Uint8Array(160 * chunk.length);
    for (let i = 0; i < 160; i++) whole.set(chunk, i * chunk.length);
    assertEquals(await recorded(dir), [
      `seq=1 stdin=regular_file sha=${await sha256(
        whole,
      )} arg=66726f6d2d6e6e6370 FSPL_SET_NODE=73686564`,
    ]);
  });
});

Deno.test("queue write with a decoder refuses a job whose decoder fails; --no-verify queues anything, as fspl does", async () => {
  await withTempDir(async (dir) => {
    const q = `${dir}/q`;
    await ferry(["queue", "init", "-q", q]);
    const job = await bytesOf(
      jobStream({ seq: 1n }, new Uint8Array(100000).map((_, i) => (i * 13) % 256)),
    );
    const gz = await gzip(job);
    const cut = await ferry(["queue", "write", "-q", q, "-d", "zcat"], {
      stdin: gz.subarray(0, gz.length - 400),
    });
    assertEquals(cut.code, 1);
    assert(
      cut.stderr.includes("not queued") &&
        cut.stderr.includes('decoder "zcat" exited with status 1'),
      cut.stderr,
    );
    assertEquals(names(`${q}/jobs`), []);
    assertEquals((await ferry(["queue", "write", "-q", q, "-d", "zcat"], { stdin: gz })).code, 0);
    const plain = await ferry(["queue", "write", "-q", q], {
      stdin: "garbage, not a job file, long enough to have a prefix",
    });
    assertEquals(plain.code, 1);
    assert(plain.stderr.includes("doesn't appear to be a filespooler file"), plain.stderr);
    assertEquals(
      (await ferry(["queue", "write", "-q", q, "--no-verify"], { stdin: "garbage" })).code,
      0,
    );
    assertEquals(names(`${q}/jobs`).length, 2);
    const ls = await ferry(["queue", "ls", "-q", q, "-d", "zcat"]);
    assertEquals(ls.out.split("\n").length, 3, "header and the one job");
    assert(ls.stderr.includes("warn queue-job-invalid") && ls.stderr.includes(q), ls.stderr);
  });
});

Deno.test("prepare opens its input first, so a missing input uses no sequence number (fspl's does)", async () => {
  await withTempDir(async (dir) => {
    const mine = await ferry(["queue", "prepare", "-s", `${dir}/mine.seq`, "-i", `${dir}/missing`]);
    assertEquals(mine.code, 1);
    assert(mine.stderr.includes("no sequence number was used"), mine.stderr);
    assertEquals((await ferry(["queue", "prepare-get-next", "-s", `${dir}/mine.seq`])).out, "1\n");
    assertEquals(
      (await fspl(["prepare", "-s", `${dir}/theirs.seq`, "-i", `${dir}/missing`])).code,
      1,
    );
    assertEquals((await fspl(["prepare-get-next", "-s", `${dir}/theirs.seq`])).out, "2\n");
  });
});

Deno.test("prepare refuses a NUL byte in a param or variable, saying which", () => {
  assertThrows(
    () => makeJobMeta({ seq: 1n, params: ["ok", "a\0b"] }),
    TypeError,
    "param 2 contains a NUL byte",
  );
  assertThrows(
    () => makeJobMeta({ seq: 1n, env: [["K", "v\0"]] }),
    TypeError,
    "FSPL_SET_K contains a NUL byte",
  );
  assertThrows(
    () => makeJobMeta({ seq: 1n, env: [["A=B", "v"]] }),
    TypeError,
    'cannot contain "="',
  );
});

Deno.test("sender sequence files start at 1, count up, and '-' always gives 1", async () => {
  await withTempDir(async (dir) => {
    assertEquals([takeSenderSeq(`${dir}/s`), takeSenderSeq(`${dir}/s`), takeSenderSeq("-")], [
      1n,
      2n,
      1n,
    ]);
    assertEquals(await Deno.readTextFile(`${dir}/s`), "3\n");
    const made = await ferry(["queue", "prepare-fail", "-s", "-"]);
    const h = decodeJobHeader(made.stdout);
    assertEquals([h.meta.seq, h.meta.kind], [1n, "Fail"]);
  });
});

Deno.test("prepare stores FSPL_SET_* variables of its environment in environ order", async () => {
  const made = await ferry(["queue", "prepare", "-s", "-", "--", "x"], {
    env: { FSPL_SET_ZED: "1", FSPL_SET_ALPHA: "two words", OTHER: "not stored" },
  });
  const h = decodeJobHeader(made.stdout);
  const env = h.meta.env.map(([k, v]) =>
    `${new TextDecoder().decode(k)}=${new TextDecoder().decode(v)}`
  );
  assertEquals(env.sort(), ["ALPHA=two words", "ZED=1"]);
  const theirs = await fspl(["stdin-info"], { stdin: made.stdout });
  assert(
    theirs.out.includes("FSPL_PARAM_1=x\n") && theirs.out.includes("FSPL_SET_ALPHA=two words\n"),
    theirs.out,
  );
});

Deno.test("scanJobs on the gzip vector needs the decoder, and names the file without it", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    await Deno.copyFile(vector("cmd-gzip.fspl.gz"), `${q}/jobs/fspl-gz.fspl`);
    const plain = await scanJobs(q);
    assertEquals([plain.jobs.length, plain.invalid.map((i) => i.fileName)], [0, ["fspl-gz.fspl"]]);
    const decoded = await scanJobs(q, { decoder: "gzip -dc" });
    assertEquals([decoded.jobs.length, decoded.jobs[0]?.seq], [1, 1n]);
  });
});

Deno.test("a decoder that writes garbage forever is stopped, and the file is reported, not waited on", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    await Deno.writeTextFile(`${q}/jobs/fspl-1.fspl`, "anything");
    const scan = await scanJobs(q, { decoder: "yes" });
    assertEquals(scan.invalid.length, 1);
    assert(
      scan.invalid[0]!.reason.includes("doesn't appear to be a filespooler file"),
      scan.invalid[0]!.reason,
    );
    const cut = await scanJobs(q, { decoder: "printf '*FILESPOOLER'; exit 4" });
    assert(cut.invalid[0]!.reason.includes("exited with status 4"), cut.invalid[0]!.reason);
  });
});
