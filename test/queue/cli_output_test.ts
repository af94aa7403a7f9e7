import { assert, assertEquals } from "../assert.ts";
import { buildProgram } from "../../src/cli/main.ts";
import { loadCommands } from "../../src/cli/commands/index.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { ArgsError } from "../../src/cli/args/mod.ts";
import { encodeJobHeader, type JobMeta } from "../../src/queue/mod.ts";
import { ferry, fspl, hex, readVector, sha256, vector, withTempDir } from "./_tools.ts";

const INFO_VECTORS: [string, string][] = [
  ["cmd-params-env-payload.fspl", "cmd-params-env-payload.info.txt"],
  ["nop.fspl", "nop.info.txt"],
  ["fail.fspl", "fail.info.txt"],
  ["cmd-empty-payload.fspl", "cmd-empty-payload.info.txt"],
  ["cmd-200k-payload.fspl", "cmd-200k-payload.info.txt"],
  ["cmd-gzip.fspl.gz", "cmd-gzip.info.txt"],
  ["queue-gap/fspl-a-seq5.fspl", "queue-gap.fspl-a-seq5.info.txt"],
  ["queue-gap/fspl-b-seq3.fspl", "queue-gap.fspl-b-seq3.info.txt"],
  ["queue-gap/fspl-c-seq2.fspl", "queue-gap.fspl-c-seq2.info.txt"],
  ["queue-gap/fspl-d-seq1.fspl", "queue-gap.fspl-d-seq1.info.txt"],
];
const GAP = ["fspl-a-seq5.fspl", "fspl-b-seq3.fspl", "fspl-c-seq2.fspl", "fspl-d-seq1.fspl"];

Deno.test("queue stdin-info prints exactly what fspl printed for every vector (TZ=UTC)", async () => {
  for (const [file, expected] of INFO_VECTORS) {
    const got = await ferry(["queue", "stdin-info"], { stdin: await readVector(file) });
    assertEquals(got.code, 0, got.stderr);
    assertEquals(hex(got.stdout), hex(await Deno.readFile(vector(`expected/${expected}`))), file);
  }
});

Deno.test("queue stdin-info rejects the invalid vectors with fspl's reason and exit 1", async () => {
  const listed = (await Deno.readTextFile(vector("expected/invalid.errors.txt"))).trim().split(
    "\n",
  );
  for (const line of listed) {
    const [file, error] = line.split("\t") as [string, string];
    const got = await ferry(["queue", "stdin-info"], {
      stdin: await Deno.readFile(vector(`invalid/${file}`)),
    });
    assertEquals(got.code, 1, file);
    assertEquals(got.out, "");
    assert(
      got.stderr.startsWith(`ferry: ${error.replace(/^Error: /, "")}`),
      `${file}: ${got.stderr}`,
    );
  }
});

async function gapQueue(dir: string, name: string): Promise<void> {
  const init = await ferry(["queue", "init", "-q", name], { cwd: dir });
  assertEquals(init.code, 0, init.stderr);
  for (const f of GAP) await Deno.copyFile(vector(`queue-gap/${f}`), `${dir}/${name}/jobs/${f}`);
}

Deno.test("queue ls and queue info match fspl's expected output byte for byte", async () => {
  await withTempDir(async (dir) => {
    await gapQueue(dir, "qgap");
    const ls = await ferry(["queue", "ls", "-q", "qgap"], { cwd: dir });
    assertEquals(ls.out, await Deno.readTextFile(vector("expected/queue-gap.queue-ls.txt")));
    await gapQueue(dir, "q");
    const info = await ferry(["queue", "info", "-q", "q", "-j", "5"], { cwd: dir });
    assertEquals(info.out, await Deno.readTextFile(vector("expected/queue-gap.queue-info-j5.txt")));
    const missing = await ferry(["queue", "info", "-q", "q", "-j", "4"], { cwd: dir });
    assertEquals([missing.code, missing.stderr.trim()], [
      1,
      'ferry: Job 4 not found in directory "q"',
    ]);
  });
});

function odd(seq: bigint, ctimeSecs: bigint, ctimeNanos: number): Uint8Array {
  const m: JobMeta = { seq, ctimeSecs, ctimeNanos, kind: "Command", params: [], env: [] };
  return encodeJobHeader(m);
}

Deno.test("under other time zones, info, stdin-info and ls match the real fspl run live", async () => {
  const extra: Uint8Array[] = [
    odd(7n, 1795612282n, 1_500_000_000), // leap second
    odd(8n, 1782912282n, 0), // northern summer time
    odd(9n, -100000n, 5), // before 1970
    odd(10n, 316516000000n, 0), // year 11999
  ];
  await withTempDir(async (dir) => {
    await gapQueue(dir, "q");
    for (const [i, bytes] of extra.entries()) {
      await Deno.writeFile(`${dir}/q/jobs/fspl-x${i}.fspl`, bytes);
    }
    for (const [i, [file]] of INFO_VECTORS.entries()) {
      const unique = !file.includes("/") && !file.endsWith(".gz") && !file.includes("empty"); // seq 1 is taken
      if (unique) await Deno.copyFile(vector(file), `${dir}/q/jobs/fspl-v${i}.fspl`);
    }
    for (const TZ of ["America/Chicago", "Asia/Kolkata", "Australia/Lord_Howe"]) {
      for (const args of [["ls"], ["info", "-j", "42"], ["info", "-j", "8"]]) {
        const mine = await ferry(["queue", args[0]!, "-q", "q", ...args.slice(1)], {
          cwd: dir,
          env: { TZ },
        });
        const theirs = await fspl([`queue-${args[0]}`, "-q", "q", ...args.slice(1)], {
          cwd: dir,
          env: { TZ },
        });
        assertEquals(theirs.code, 0, theirs.stderr);
        assertEquals(mine.out, theirs.out, `${TZ} ${args.join(" ")}`);
      }
      for (const bytes of [extra[0]!, extra[3]!]) {
        const mine = await ferry(["queue", "stdin-info"], { stdin: bytes, env: { TZ } });
        const theirs = await fspl(["stdin-info"], { stdin: bytes, env: { TZ } });
        assertEquals(hex(mine.stdout), hex(theirs.stdout), `${TZ} stdin-info`);
      }
    }
    const listed = (await ferry(["queue", "ls", "-q", "q"], { cwd: dir })).out.trim().split("\n");
    assertEquals(listed.length, 1 + 4 + 4 + 4, "ls lists every job");
  });
});

Deno.test("queue payload and stdin-payload write exactly the payload bytes", async () => {
  const job = await readVector("cmd-200k-payload.fspl");
  const want = await sha256(job.subarray(110));
  const fromStdin = await ferry(["queue", "stdin-payload"], { stdin: job });
  assertEquals(await sha256(fromStdin.stdout), want);
  await withTempDir(async (dir) => {
    await ferry(["queue", "init", "-q", `${dir}/q`]);
    await Deno.writeFile(`${dir}/q/jobs/fspl-big.fspl`, job);
    const fromQueue = await ferry(["queue", "payload", "-q", `${dir}/q`, "-j", "5000000000"]);
    assertEquals([fromQueue.code, await sha256(fromQueue.stdout)], [0, want]);
    const gz = await Deno.readFile(vector("cmd-gzip.fspl.gz"));
    await Deno.writeFile(`${dir}/q/jobs/fspl-gz.fspl`, gz);
    const viaDecoder = await ferry(["queue", "payload", "-q", `${dir}/q`, "-j", "1", "-d", "zcat"]);
    assertEquals([viaDecoder.code, viaDecoder.out], [0, "compressed payload\n"]);
  });
});

const SUBCOMMANDS = [
  "prepare",
  "prepare-nop",
  "prepare-fail",
  "prepare-get-next",
  "prepare-set-next",
  "init",
  "get-next",
  "set-next",
  "write",
  "ls",
  "info",
  "payload",
  "stdin-info",
  "stdin-payload",
  "process",
];

Deno.test("every queue subcommand has --help with an example", async () => {
  for (const name of [undefined, ...SUBCOMMANDS]) {
    let text = "";
    const program = buildProgram({
      configPath: () => "unused",
      out: (t) => void (text += t),
      log: silentLogger,
    }, await loadCommands());
    const args = name === undefined ? ["queue", "--help"] : ["queue", name, "--help"];
    let exitCode = -1;
    try {
      await program.parseAsync(args, { from: "user" });
    } catch (err) {
      if (!(err instanceof ArgsError)) throw err;
      exitCode = err.exitCode;
    }
    assertEquals(exitCode, 0, `${name} --help`);
    assert(text.includes("Example:\n  ") && text.includes("ferry queue"), `${name}: ${text}`);
  }
});

Deno.test("bad queue command lines exit 2 with a message", async () => {
  for (
    const args of [["process", "true"], ["process", "-q", "q", "--on-error", "Sometimes", "true"], [
      "info",
      "-q",
      "q",
      "-j",
      "x",
    ]]
  ) {
    const got = await ferry(["queue", ...args]);
    assertEquals(got.code, 2, `${args.join(" ")}: ${got.stderr}`);
    assert(got.stderr.length > 0);
  }
});
