/**
 * `ferry queue ...`: Filespooler-compatible ordered job queues, with fspl
 * 1.2.2's `queue-*`, `prepare*` and `stdin-*` commands, options and output.
 * Jobs made by `fspl prepare` run under `ferry queue process` and the other
 * way round. These commands need no ferry configuration.
 *
 * Where fspl is silently unsafe, ferry is safe; {@linkcode SAFER} (shown in
 * `ferry queue --help`) lists how.
 * @module
 */

import { type Command, Option } from "../args/mod.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import type { RegisterCommand } from "./index.ts";
import {
  copyPayload,
  enqueueJob,
  findJob,
  formatListing,
  formatVariables,
  fsplSetVariables,
  initQueue,
  type JobKind,
  jobStream,
  jobVariables,
  limits,
  lockSeqfile,
  type OnError,
  type OrderBy,
  type OutputTo,
  parseSeq,
  processQueue,
  queuePaths,
  readJobHeader,
  readNextSeq,
  scanJobs,
  senderNextSeq,
  setSenderNextSeq,
  takeSenderSeq,
  writeSeqfile,
} from "../../queue/mod.ts";

/** How ferry is stricter than fspl (printed by `ferry queue --help`). */
export const SAFER = `
ferry is stricter than fspl where fspl is silently unsafe:
  - a decoder (-d) that exits non-zero fails the job: the decoded job is spooled
    (up to --decoded-max-bytes) and checked before the command starts
  - job files that cannot be parsed are named in a warning with the reason;
    they do not block the other jobs
  - a duplicate sequence number names both files and says how to fix it
  - a NUL byte in a param or FSPL_SET_ variable fails that job, saying which
  - "write" checks that a job parses before it appears in jobs/ (--no-verify: as fspl)
  - "prepare" opens its input before taking a sequence number: no gap if it is missing
Delivery is at least once: a job interrupted by a crash or power cut runs again
from the start on the next "process" (fspl does the same).`;

function writeStdout(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}

function seqArg(value: string): bigint {
  try {
    return parseSeq(value, "sequence number");
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function choice<T extends string>(values: readonly T[], what: string): (v: string) => T {
  return (v) => {
    const found = values.find((x) => x.toLowerCase() === v.toLowerCase());
    if (found === undefined) {
      throw new UsageError(`${what}: "${v}" is not one of ${values.join(", ")}`);
    }
    return found;
  };
}

function whole(what: string): (v: string) => number {
  return (v) => {
    if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v))) {
      throw new UsageError(`${what}: "${v}" is not a whole number`);
    }
    return Number(v);
  };
}

const queueOpt = () => new Option("-q, --queuedir <dir>", "queue directory").makeOptionMandatory();
const decoderOpt = () => new Option("-d, --decoder <cmd>", "decoder command, run with $SHELL -c");
const jobOpt = () =>
  new Option("-j, --job <n>", "job (sequence) number").argParser(seqArg).makeOptionMandatory();
const seqfileOpt = () =>
  new Option("-s, --seqfile <file>", 'sender sequence file ("-": none, seq is always 1)')
    .makeOptionMandatory();

function example(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText("after", `\nExample:\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
}

function warnInvalid(
  ctx: CliContext,
  dir: string,
  invalid: { fileName: string; reason: string }[],
): void {
  const jobs = queuePaths(dir).jobs;
  for (const bad of invalid) {
    ctx.log.warn("queue-job-invalid", { file: `${jobs}/${bad.fileName}`, reason: bad.reason });
  }
}

function withQueueLock<T>(dir: string, fn: (nextseq: string) => T): T {
  const nextseq = queuePaths(dir).nextseq;
  const lock = lockSeqfile(nextseq, { create: false, label: `queue ${dir}` });
  try {
    return fn(nextseq);
  } finally {
    lock.release();
  }
}

interface QueueOpts {
  queuedir: string;
  decoder?: string;
}

function registerInspect(queue: Command, ctx: CliContext): void {
  example(
    queue.command("ls").description("list the jobs by sequence number (takes no lock)")
      .addOption(queueOpt()).addOption(decoderOpt())
      .action(async (o: QueueOpts) => {
        const scan = await scanJobs(o.queuedir, { decoder: o.decoder });
        warnInvalid(ctx, o.queuedir, scan.invalid);
        ctx.out(formatListing(scan.jobs));
      }),
    "ferry queue ls -q /srv/q -d zcat",
  );
  example(
    queue.command("info").description("print the FSPL_* variables job N runs with")
      .addOption(queueOpt()).addOption(decoderOpt()).addOption(jobOpt())
      .action(async (o: QueueOpts & { job: bigint }) => {
        const found = await findJob(o.queuedir, o.job, o.decoder);
        warnInvalid(ctx, o.queuedir, found.invalid);
        const where = { queueDir: o.queuedir, fileName: found.job.fileName };
        writeStdout(formatVariables(jobVariables(found.header.meta, where)));
      }),
    "ferry queue info -q /srv/q -j 45",
  );
  example(
    queue.command("payload").description("write job N's payload to standard output")
      .addOption(queueOpt()).addOption(decoderOpt()).addOption(jobOpt())
      .action(async (o: QueueOpts & { job: bigint }) => {
        const found = await findJob(o.queuedir, o.job, o.decoder);
        await copyPayload(
          `${queuePaths(o.queuedir).jobs}/${found.job.fileName}`,
          o.decoder,
          Deno.stdout.writable,
        );
      }),
    "ferry queue payload -q /srv/q -j 45 > job45.tar",
  );
  example(
    queue.command("stdin-info").description(
      "print the FSPL_* variables of the job on standard input",
    )
      .action(async () =>
        writeStdout(formatVariables(jobVariables((await readJobHeader(Deno.stdin)).meta)))
      ),
    "ferry queue stdin-info < fspl-1234.fspl",
  );
  example(
    queue.command("stdin-payload").description("write the payload of the job on standard input")
      .action(async () => {
        await readJobHeader(Deno.stdin);
        await Deno.stdin.readable.pipeTo(Deno.stdout.writable, { preventClose: true });
      }),
    "zcat job.fspl.gz | ferry queue stdin-payload > payload.bin",
  );
}

function registerState(queue: Command, ctx: CliContext): void {
  example(
    queue.command("init").description("create a queue directory (its parent must exist)")
      .addOption(queueOpt())
      .option(
        "--append-only",
        "only jobs/ (a sending side that syncs jobs/ elsewhere; cannot be processed)",
      )
      .action((o: { queuedir: string; appendOnly?: boolean }) =>
        initQueue(o.queuedir, { appendOnly: o.appendOnly === true })
      ),
    "ferry queue init -q /srv/q",
  );
  example(
    queue.command("get-next").description(
      "print the sequence number the queue runs next (takes the lock)",
    )
      .addOption(queueOpt())
      .action((o: QueueOpts) => ctx.out(`${withQueueLock(o.queuedir, readNextSeq)}\n`)),
    "ferry queue get-next -q /srv/q",
  );
  example(
    queue.command("set-next").description(
      "set the sequence number the queue runs next (takes the lock)",
    )
      .addOption(queueOpt()).argument("<n>", "the sequence number", seqArg)
      .action((n: bigint, o: QueueOpts) =>
        withQueueLock(o.queuedir, (path) => writeSeqfile(path, n))
      ),
    "ferry queue set-next -q /srv/q 8    # skip a failed job 7",
  );
  example(
    queue.command("write").description(
      "add the job file on standard input to the queue (atomic, verified)",
    )
      .addOption(queueOpt()).addOption(decoderOpt())
      .option("--no-verify", "queue whatever arrives, unchecked (what fspl queue-write does)")
      .option(
        "--content-name",
        "name the job after its SHA-256, so writing the same job twice queues it once (use this as an NNCP exec handler)",
      )
      .action(async (o: QueueOpts & { verify: boolean; contentName?: boolean }) => {
        const done = await enqueueJob(o.queuedir, Deno.stdin.readable, {
          verify: o.verify,
          decoder: o.decoder,
          ...(o.contentName ? { contentNamed: true } : {}),
        });
        ctx.log.debug("queue-job-written", {
          file: done.fileName,
          bytes: done.bytes,
          duplicate: done.duplicate,
        });
      }),
    "ferry queue prepare -s ~/q.seq -i report.pdf | ferry queue write -q /srv/q\n" +
      "  # as an exec handler in the sender's neigh stanza, so NNCP exec runs in strict order:\n" +
      '  #   exec: { jobs: ["/usr/local/bin/ferry", "queue", "write", "--content-name", "-q", "/srv/q"] }\n' +
      "  # and on the sender: ferry queue prepare -s jobs.seq -i - -- ARGS < body | ferry exec shed jobs",
  );
}

interface ProcessCliOpts extends QueueOpts {
  maxjobs?: number;
  onError: OnError;
  orderBy: OrderBy;
  neverDelete?: boolean;
  timeout?: number;
  allowJobParams?: boolean;
  ignorePayload?: boolean;
  outputTo: OutputTo;
  decodedMaxBytes: number;
}

function registerProcess(queue: Command, ctx: CliContext): void {
  const cmd = queue.command("process")
    .description("run the queue's jobs in sequence order (takes the lock)")
    .addOption(queueOpt()).addOption(decoderOpt())
    .option(
      "-n, --maxjobs <n>",
      "stop after this many jobs (NOP and Fail count)",
      whole("--maxjobs"),
    )
    .addOption(
      new Option(
        "--on-error <how>",
        "Retry (stop, keep the job), Delete, or Leave (keep it, move on)",
      )
        .argParser(choice(["Retry", "Delete", "Leave"] as const, "--on-error")).default("Retry"),
    )
    .addOption(
      new Option("--order-by <order>", "Sequence, or Timestamp (creation time; nextseq unused)")
        .argParser(choice(["Sequence", "Timestamp"] as const, "--order-by")).default("Sequence"),
    )
    .option("--never-delete", "never delete a job file")
    .option(
      "--timeout <seconds>",
      "SIGKILL the command after this long; the job fails",
      whole("--timeout"),
    )
    .option("--allow-job-params", "append the job's params to the command line")
    .option("--ignore-payload", "do not give the payload as stdin (the command inherits ferry's)")
    .addOption(
      new Option("--output-to <dest>", "PassBoth, or SaveBoth (jobs/<file>.out)")
        .argParser(choice(["PassBoth", "SaveBoth"] as const, "--output-to")).default("PassBoth"),
    )
    .option(
      "--decoded-max-bytes <n>",
      "largest decoded job spooled before it runs",
      whole("--decoded-max-bytes"),
      limits.decodedBytesMaxDefault,
    )
    .argument("<command>", "program to run for each job (no shell; PATH lookup)")
    .argument("[args...]", "arguments for it (after --)")
    .action(async (command: string, args: string[], o: ProcessCliOpts) => {
      const summary = await processQueue(o.queuedir, {
        command,
        args,
        allowJobParams: o.allowJobParams === true,
        ignorePayload: o.ignorePayload === true,
        timeoutSecs: o.timeout,
        outputTo: o.outputTo,
        decoder: o.decoder,
        decodedBytesMax: o.decodedMaxBytes,
        log: ctx.log,
        onError: o.onError,
        orderBy: o.orderBy,
        maxJobs: o.maxjobs,
        neverDelete: o.neverDelete === true,
      });
      const { attempted, succeeded, failed, stop, nextSeq, failure } = summary;
      ctx.log.debug("queue-processed", {
        attempted,
        succeeded,
        failed,
        stop,
        nextseq: nextSeq ?? undefined,
      });
      if (failure !== undefined) {
        throw new CliError(
          `Aborting processing: job ${failure.seq} (${
            queuePaths(o.queuedir).jobs
          }/${failure.fileName}) failed: ` +
            `${failure.reason}. It stays in the queue and is retried next time; to skip it: ` +
            `ferry queue set-next -q ${o.queuedir} ${failure.seq + 1n}`,
        );
      }
    });
  cmd.addHelpText(
    "after",
    "\nA decoder that exits non-zero fails the job (handled by --on-error) instead of running\n" +
      "it with truncated input; a job over --decoded-max-bytes, a command that cannot start,\n" +
      "a duplicate seq or an I/O error stop the run and consume nothing, whatever --on-error says.\n" +
      "Unreadable job files are named in a warning and skipped. A job interrupted by a crash\n" +
      "runs again from the start next time (at least once, as in fspl).",
  );
  example(
    cmd,
    "ferry queue process -q /srv/q --allow-job-params -- rsync-job.sh",
    "ferry queue process -q /srv/q -d zcat --on-error Leave sh -- -c 'tar xf - -C /srv/restore'",
  );
}

function checkParams(params: string[]): void {
  params.forEach((p, i) => {
    if (p.includes("\uFFFD")) {
      throw new UsageError(
        `param ${i + 1} is not valid UTF-8 (or contains U+FFFD); fspl refuses such params too`,
      );
    }
  });
}

async function openInput(input: string | undefined): Promise<ReadableStream<Uint8Array> | null> {
  if (input === undefined) return null;
  if (input === "-") return Deno.stdin.readable;
  try {
    return (await Deno.open(input, { read: true })).readable;
  } catch (err) {
    throw new CliError(
      `cannot open input ${input}: ${(err as Error).message} (no sequence number was used)`,
    );
  }
}

async function emit(
  seqfile: string,
  kind: JobKind,
  input?: string,
  params: string[] = [],
): Promise<void> {
  const payload = await openInput(input);
  const seq = takeSenderSeq(seqfile);
  const env = kind === "Command" ? fsplSetVariables() : [];
  await jobStream({ seq, kind, params, env }, payload).pipeTo(Deno.stdout.writable, {
    preventClose: true,
  });
}

function registerSender(queue: Command, ctx: CliContext): void {
  example(
    queue.command("prepare").description(
      "write a new job to standard output (FSPL_SET_* variables are stored)",
    )
      .addOption(seqfileOpt())
      .option("-i, --input <file>", 'payload file ("-": standard input); default none')
      .argument("[params...]", "params stored in the job (after --)")
      .action(async (params: string[], o: { seqfile: string; input?: string }) => {
        checkParams(params);
        await emit(o.seqfile, "Command", o.input, params);
      }),
    "tar cf - /etc | FSPL_SET_HOST=shed ferry queue prepare -s ~/etc.seq -i - -- etc > job.fspl",
  );
  for (const kind of ["NOP", "Fail"] as const) {
    const name = `prepare-${kind.toLowerCase()}`;
    const what = kind === "NOP" ? "always succeeds" : "always fails (a barrier)";
    example(
      queue.command(name).description(`write a ${kind} job, which ${what}, to standard output`)
        .addOption(seqfileOpt()).action((o: { seqfile: string }) => emit(o.seqfile, kind)),
      `ferry queue ${name} -s ~/etc.seq | ferry queue write -q /srv/q`,
    );
  }
  example(
    queue.command("prepare-get-next").description("print the number the next prepared job gets")
      .addOption(seqfileOpt()).action((o: { seqfile: string }) =>
        ctx.out(`${senderNextSeq(o.seqfile)}\n`)
      ),
    "ferry queue prepare-get-next -s ~/etc.seq",
  );
  example(
    queue.command("prepare-set-next").description("set the number the next prepared job gets")
      .addOption(seqfileOpt()).argument("<n>", "the sequence number", seqArg)
      .action((n: bigint, o: { seqfile: string }) => setSenderNextSeq(o.seqfile, n)),
    "ferry queue prepare-set-next -s ~/etc.seq 100",
  );
}

/** Adds `ferry queue` and its subcommands. */
export const registerQueue: RegisterCommand = (program, ctx) => {
  const queue = program.command("queue")
    .description("Filespooler-compatible ordered job queues (fspl 1.2.2 job files and queues)")
    .addHelpText(
      "after",
      `${SAFER}\n\nExample:\n` +
        "  tar cf - /etc | ferry queue prepare -s ~/etc.seq -i - | ferry queue write -q /srv/q\n" +
        "  ferry queue process -q /srv/q tar -- xf - -C /srv/restore\n",
    );
  registerSender(queue, ctx);
  registerState(queue, ctx);
  registerInspect(queue, ctx);
  registerProcess(queue, ctx);
};
