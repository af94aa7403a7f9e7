/**
 * Bench section `queue`: `ferry queue process` against `fspl queue-process`
 * on identical queues (same job files, copied before each run): many NOP
 * jobs, many tiny command jobs, and a few jobs with large payloads read by
 * the command. Reports wall time, the ratio, and peak RSS of each.
 * @module
 */

import { type BenchContext, type BenchTable, measure, mib } from "./_harness.ts";
import { encodeJobHeader, initQueue, makeJobMeta } from "../../src/queue/mod.ts";

interface Workload {
  title: string;
  jobs: number;
  kind: "NOP" | "Command";
  payloadBytes: number;
  /** The command and its arguments, as given to both programs. */
  command: string[];
}

function workloads(quick: boolean): Workload[] {
  const scale = quick ? 10 : 1;
  return [
    {
      title: `${10000 / scale} NOP jobs`,
      jobs: 10000 / scale,
      kind: "NOP",
      payloadBytes: 0,
      command: ["true"],
    },
    {
      title: `${1000 / scale} command jobs (\`true\`)`,
      jobs: 1000 / scale,
      kind: "Command",
      payloadBytes: 0,
      command: ["true"],
    },
    {
      title: `${100 / scale} jobs with 10 MiB payloads (\`cat > /dev/null\`)`,
      jobs: 100 / scale,
      kind: "Command",
      payloadBytes: 10 * 1024 * 1024,
      command: ["sh", "-c", "cat > /dev/null"],
    },
  ];
}

/** Builds a queue with the workload's jobs under random names (so directory order is not seq order). */
async function buildQueue(dir: string, w: Workload): Promise<void> {
  initQueue(dir, { appendOnly: false });
  const payload = new Uint8Array(w.payloadBytes).map((_, i) => (i * 2654435761) >>> 24);
  for (let seq = 1; seq <= w.jobs; seq++) {
    const header = encodeJobHeader(makeJobMeta({ seq: BigInt(seq), kind: w.kind, params: [] }));
    const file = await Deno.open(`${dir}/jobs/fspl-${crypto.randomUUID()}.fspl`, {
      write: true,
      createNew: true,
    });
    try {
      await file.write(header);
      for (let off = 0; off < payload.length;) off += await file.write(payload.subarray(off));
    } finally {
      file.close();
    }
  }
}

async function copyQueue(from: string, to: string): Promise<void> {
  const cp = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  if (cp.code !== 0) throw new Error(`cp -a ${from} ${to} failed`);
}

async function checkDone(dir: string, w: Workload, who: string): Promise<void> {
  const next = (await Deno.readTextFile(`${dir}/nextseq`)).trim();
  const left = [...Deno.readDirSync(`${dir}/jobs`)].length;
  if (next !== String(w.jobs + 1) || left !== 0) {
    throw new Error(`${who} did not finish "${w.title}": nextseq ${next}, ${left} files left`);
  }
}

/** Runs the section. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const rows: (string | number)[][] = [];
  const ferryArgs = ["run", "-A", `${ctx.root}/main.ts`, "queue", "process"];
  for (const w of workloads(ctx.quick)) {
    ctx.say(`queue: building "${w.title}"`);
    const base = `${ctx.dir}/queue-base`;
    await buildQueue(base, w);
    await copyQueue(base, `${ctx.dir}/queue-fspl`);
    await copyQueue(base, `${ctx.dir}/queue-ferry`);
    await Deno.remove(base, { recursive: true });
    const [cmd, ...args] = w.command;
    const tail = args.length === 0 ? [cmd!] : [cmd!, "--", ...args];
    ctx.say(`queue: fspl queue-process, ${w.title}`);
    const fspl = await measure("fspl", ["queue-process", "-q", `${ctx.dir}/queue-fspl`, ...tail]);
    await checkDone(`${ctx.dir}/queue-fspl`, w, "fspl");
    ctx.say(`queue: ferry queue process, ${w.title}`);
    const ferry = await measure(ctx.deno, [...ferryArgs, "-q", `${ctx.dir}/queue-ferry`, ...tail]);
    await checkDone(`${ctx.dir}/queue-ferry`, w, "ferry");
    rows.push([
      w.title,
      fspl.seconds.toFixed(2),
      ferry.seconds.toFixed(2),
      (ferry.seconds / fspl.seconds).toFixed(2),
      mib(fspl.maxRssKiB),
      mib(ferry.maxRssKiB),
    ]);
    await Deno.remove(`${ctx.dir}/queue-fspl`, { recursive: true });
    await Deno.remove(`${ctx.dir}/queue-ferry`, { recursive: true });
  }
  const startup = await measure(ctx.deno, [
    "run",
    "-A",
    `${ctx.root}/main.ts`,
    "queue",
    "prepare-get-next",
    "-s",
    "-",
  ]);
  return [{
    title: "queue: `ferry queue process` vs `fspl queue-process` on identical queues",
    columns: [
      "workload",
      "fspl s",
      "ferry s",
      "ferry/fspl",
      "fspl peak RSS MiB",
      "ferry peak RSS MiB",
    ],
    rows,
    notes: [
      `Times include process start-up: a trivial ferry command takes ${
        startup.seconds.toFixed(2)
      } s ` +
      `and ${mib(startup.maxRssKiB)} MiB here (Deno), fspl a few milliseconds.`,
      "Both fsync nextseq after every command job; ferry also fsyncs the queue folder before deleting the " +
      "job file (so a power cut cannot lose the update and stall the queue), one more fsync per job. " +
      "NOP jobs spawn nothing, so ferry commits a run of them with one nextseq write (fspl writes one per job).",
    ],
  }];
}
