import { assert, assertEquals } from "../assert.ts";
import {
  baseEnv,
  ferry,
  ferryCommand,
  fspl,
  hex,
  names,
  recorded,
  run,
  sha256,
  vector,
  withTempDir,
  writeRecorder,
} from "./_tools.ts";

/** One job for the interop runs: params, FSPL_SET_ variables (raw bytes) and a payload. */
interface Job {
  params: string[];
  env: [string, Uint8Array][];
  payload: Uint8Array | null;
}

const enc = new TextEncoder();
const JOBS: Job[] = [
  {
    params: ["first", "two words", "café", "--destination=remote-host-01"],
    env: [["DEST", enc.encode("/srv/backup")], ["MODE", enc.encode("a=b c")], [
      "RAW",
      new Uint8Array([0xfe]),
    ]],
    payload: enc.encode("hello from filespooler\n"),
  },
  {
    params: ["big"],
    env: [["SIZE", enc.encode("100000")]],
    payload: new Uint8Array(100000).map((_, i) => (i * 7) % 256),
  },
  { params: [], env: [], payload: new Uint8Array(0) },
  { params: ["no", "payload"], env: [["ONLY", enc.encode("x")]], payload: null },
];

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const octal = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => `\\${b.toString(8).padStart(3, "0")}`).join("");

/** A shell line that makes `job` with `prepare` (fspl's or ferry's) and passes it to `write`. */
function prepareLine(
  prepare: string,
  seqfile: string,
  job: Job,
  payloadFile: string,
  write: string,
): string {
  const env = job.env.map(([k, v]) => `FSPL_SET_${k}="$(printf '${octal(v)}')"`).join(" ");
  const input = job.payload === null ? "" : `-i - < ${quote(payloadFile)}`;
  const params = job.params.length === 0 ? "" : `-- ${job.params.map(quote).join(" ")}`;
  return `env ${env} ${prepare} -s ${quote(seqfile)} ${input} ${params} | ${write}`;
}

async function expectedLine(seq: number, job: Job): Promise<string> {
  const args = job.params.map((p) => ` arg=${hex(enc.encode(p))}`).join("");
  const vars = [...job.env].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) =>
    ` FSPL_SET_${k}=${hex(v)}`
  ).join("");
  return `seq=${seq} stdin=regular_file sha=${await sha256(
    job.payload ?? new Uint8Array(0),
  )}${args}${vars}`;
}

/** Makes the JOBS with a NOP as seq 2, via `prepare`/`write` shell commands. */
async function makeJobs(
  dir: string,
  prepare: string,
  nop: string,
  write: (i: number) => string,
): Promise<void> {
  const lines: string[] = [];
  for (const [i, job] of JOBS.entries()) {
    if (job.payload !== null) await Deno.writeFile(`${dir}/payload-${i}`, job.payload);
    lines.push(prepareLine(prepare, `${dir}/sender.seq`, job, `${dir}/payload-${i}`, write(i)));
    if (i === 0) lines.push(`${nop} -s ${quote(`${dir}/sender.seq`)} | ${write(99)}`);
  }
  const made = await run("sh", ["-ec", lines.join("\n")]);
  assertEquals(made.code, 0, made.stderr);
}

const expectedSeqs = [1, 3, 4, 5]; // seq 2 is the NOP

Deno.test("jobs made by fspl prepare run under ferry queue process, in order, with params, variables and payloads", async () => {
  await withTempDir(async (dir) => {
    assertEquals((await fspl(["queue-init", "-q", `${dir}/q`])).code, 0);
    await makeJobs(
      dir,
      "fspl prepare",
      "fspl prepare-nop",
      () => `fspl queue-write -q ${quote(`${dir}/q`)}`,
    );
    assertEquals(names(`${dir}/q/jobs`).length, 5);
    const rec = await writeRecorder(dir);
    const ran = await ferry(["queue", "process", "-q", `${dir}/q`, "--allow-job-params", rec]);
    assertEquals(ran.code, 0, ran.stderr);
    const want = await Promise.all(JOBS.map((job, i) => expectedLine(expectedSeqs[i]!, job)));
    assertEquals(await recorded(dir), want);
    assertEquals([await Deno.readTextFile(`${dir}/q/nextseq`), names(`${dir}/q/jobs`)], [
      "6\n",
      [],
    ]);
  });
});

Deno.test("jobs made by ferry queue prepare run under fspl queue-process, in order, delivered in reverse", async () => {
  await withTempDir(async (dir) => {
    assertEquals((await ferry(["queue", "init", "-q", `${dir}/q`])).code, 0);
    const [deno, args] = ferryCommand(["queue"]);
    const ferryQueue = [deno, ...args].map(quote).join(" ");
    await makeJobs(
      dir,
      `${ferryQueue} prepare`,
      `${ferryQueue} prepare-nop`,
      (i) => `cat > ${quote(`${dir}/job-${i}`)}`,
    );
    for (const i of [99, 3, 2, 1, 0]) {
      const wrote = await ferry(["queue", "write", "-q", `${dir}/q`], {
        stdin: await Deno.readFile(`${dir}/job-${i}`),
      });
      assertEquals(wrote.code, 0, wrote.stderr);
    }
    const rec = await writeRecorder(dir);
    const ran = await fspl(["queue-process", "-q", `${dir}/q`, "--allow-job-params", rec]);
    assertEquals(ran.code, 0, ran.stderr);
    const want = await Promise.all(JOBS.map((job, i) => expectedLine(expectedSeqs[i]!, job)));
    assertEquals(await recorded(dir), want);
    assertEquals([await Deno.readTextFile(`${dir}/q/nextseq`), names(`${dir}/q/jobs`)], [
      "6\n",
      [],
    ]);
  });
});

Deno.test("ferry reproduces fspl's queue-gap run exactly (expected/queue-gap.process.txt)", async () => {
  await withTempDir(async (dir) => {
    await ferry(["queue", "init", "-q", "qgap"], { cwd: dir });
    for (const f of names(vector("queue-gap"))) {
      await Deno.copyFile(vector(`queue-gap/${f}`), `${dir}/qgap/jobs/${f}`);
    }
    await Deno.writeTextFile(
      `${dir}/recq.sh`,
      `#!/bin/sh\nprintf 'FSPL_SEQ=%s argv=[%s] FSPL_PARAM_1=%s stdin=%s\\n' "$FSPL_SEQ" "$*" "$FSPL_PARAM_1" ` +
        `"$(od -An -c | tr -s ' ' | sed 's/^ //')"\n`,
    );
    await Deno.chmod(`${dir}/recq.sh`, 0o755);
    const ran = await ferry(["queue", "process", "-q", "qgap", "--allow-job-params", "./recq.sh"], {
      cwd: dir,
    });
    const nextseq = (await Deno.readTextFile(`${dir}/qgap/nextseq`)).trim();
    const got = `${ran.out}exit=${ran.code}\nnextseq=${nextseq}\nremaining:\n${
      names(`${dir}/qgap/jobs`).join("\n")
    }\n`;
    assertEquals(got, await Deno.readTextFile(vector("expected/queue-gap.process.txt")));
  });
});

Deno.test("ferry and fspl read and write each other's sequence files", async () => {
  await withTempDir(async (dir) => {
    const seq = `${dir}/sender.seq`;
    assertEquals((await ferry(["queue", "prepare-set-next", "-s", seq, "42"])).code, 0);
    assertEquals((await fspl(["prepare-get-next", "-s", seq])).out, "42\n");
    assertEquals((await fspl(["prepare-nop", "-s", seq])).code, 0);
    assertEquals((await ferry(["queue", "prepare-get-next", "-s", seq])).out, "43\n");
    await fspl(["queue-init", "-q", `${dir}/q`]);
    assertEquals((await ferry(["queue", "set-next", "-q", `${dir}/q`, "7"])).code, 0);
    assertEquals((await fspl(["queue-get-next", "-q", `${dir}/q`])).out, "7\n");
  });
});

/** A command that says it started, then holds until `release` appears (at most 20 s). */
async function writeHolder(dir: string): Promise<string> {
  const path = `${dir}/hold.sh`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\ntouch '${dir}/started'\ni=0\nwhile [ ! -f '${dir}/release' ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done\n`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`${path} never appeared`);
}

async function holding(
  dir: string,
  cmd: string,
  args: string[],
  check: () => Promise<void>,
): Promise<void> {
  await Deno.remove(`${dir}/started`).catch(() => {});
  await Deno.remove(`${dir}/release`).catch(() => {});
  const holder = new Deno.Command(cmd, {
    args,
    clearEnv: true,
    env: baseEnv(),
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    await waitFor(`${dir}/started`);
    await check();
  } finally {
    await Deno.writeTextFile(`${dir}/release`, "");
    const out = await holder.output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  }
}

Deno.test("ferry, fspl and flock(1) exclude each other on the queue lock: the other side fails with busy", async () => {
  await withTempDir(async (dir) => {
    const q = `${dir}/q`;
    await fspl(["queue-init", "-q", q]);
    const hold = await writeHolder(dir);
    const job = async () => (await fspl(["prepare", "-s", `${dir}/s`])).stdout;
    await ferry(["queue", "write", "-q", q], { stdin: await job() });
    const [deno, args] = ferryCommand(["queue", "process", "-q", q, hold]);
    await holding(dir, deno, args, async () => {
      const other = await fspl(["queue-process", "-q", q, "true"]);
      assertEquals(other.code, 1);
      assert(other.stderr.includes("Resource temporarily unavailable"), other.stderr);
      assertEquals((await fspl(["queue-set-next", "-q", q, "9"])).code, 1);
    });
    await ferry(["queue", "write", "-q", q], { stdin: await job() });
    await holding(dir, "fspl", ["queue-process", "-q", q, hold], async () => {
      for (
        const args of [["process", "-q", q, "true"], ["set-next", "-q", q, "9"], [
          "get-next",
          "-q",
          q,
        ]]
      ) {
        const mine = await ferry(["queue", ...args]);
        assertEquals(mine.code, 1, args[0]);
        assert(
          mine.stderr.includes(`queue ${q} is busy`) && mine.stderr.includes("nextseq.lock"),
          mine.stderr,
        );
      }
    });
    await holding(dir, "flock", ["-n", `${q}/nextseq.lock`, hold], async () => {
      assert((await ferry(["queue", "process", "-q", q, "true"])).stderr.includes("busy"));
    });
    await holding(dir, "flock", ["-n", `${dir}/s.lock`, hold], async () => {
      const prep = await ferry(["queue", "prepare-nop", "-s", `${dir}/s`]);
      assert(
        prep.code === 1 && prep.stderr.includes(`sequence file ${dir}/s is busy`),
        prep.stderr,
      );
    });
    assertEquals(await Deno.readTextFile(`${q}/nextseq`), "3\n");
  });
});
