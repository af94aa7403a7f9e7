import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ferry, fspl, withTempDir } from "./_tools.ts";
import { newQueue, putJob } from "./_queue_fixture.ts";

/** Runs `fn` and fails the test if it has not finished within `ms` (it would hang forever). */
async function within<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([fn(), late]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("a FIFO named like a job is skipped with a warning by queue ls and queue process, which go on", async () => {
  await withTempDir(async (dir) => {
    const q = newQueue(dir);
    await putJob(q, { seq: 1n }, "one");
    const fifo = `${q}/jobs/fspl-fifo.fspl`;
    assert((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
    await Deno.mkdir(`${q}/jobs/fspl-folder.fspl`);
    const ls = await within(60_000, "queue ls", () => ferry(["queue", "ls", "-q", q]));
    assertEquals(ls.code, 0, ls.stderr);
    assertStringIncludes(ls.out, "1 ");
    assertStringIncludes(ls.stderr, "fspl-fifo.fspl");
    assertStringIncludes(ls.stderr, "a FIFO, not a regular file");
    assertStringIncludes(ls.stderr, "fspl-folder.fspl");
    const proc = await within(
      60_000,
      "queue process",
      () => ferry(["queue", "process", "-q", q, "--", "sh", "-c", `cat >> ${dir}/ran`]),
    );
    assertEquals(proc.code, 0, proc.stderr);
    assertStringIncludes(proc.stderr, "a FIFO, not a regular file");
    assertEquals(await Deno.readTextFile(`${dir}/ran`), "one");
    assertEquals((await Deno.stat(fifo)).isFifo, true, "the FIFO is left where it was");
  });
});

Deno.test("a queue without nextseq starts at job 1, as fspl does", async () => {
  await withTempDir(async (dir) => {
    for (const tool of ["ferry", "fspl"] as const) {
      const q = newQueue(dir, `q-${tool}`);
      await putJob(q, { seq: 1n }, "a");
      await putJob(q, { seq: 2n }, "b");
      await Deno.remove(`${q}/nextseq`);
      const rec = `${dir}/${tool}.sh`;
      await Deno.writeTextFile(rec, `#!/bin/sh\ncat >> ${dir}/${tool}.out\n`, { mode: 0o755 });
      const out = tool === "fspl"
        ? await fspl(["queue-process", "-q", q, rec])
        : await ferry(["queue", "process", "-q", q, rec]);
      assertEquals(out.code, 0, `${tool}: ${out.stderr}`);
      assertEquals(await Deno.readTextFile(`${dir}/${tool}.out`), "ab", tool);
      assertEquals((await Deno.readTextFile(`${q}/nextseq`)).trim(), "3", tool);
    }
    const q = newQueue(dir, "q-get");
    await Deno.remove(`${q}/nextseq`);
    const next = await ferry(["queue", "get-next", "-q", q]);
    assertEquals(next.code, 0, next.stderr);
    assertEquals(next.out, "1\n");
  });
});
