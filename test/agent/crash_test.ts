/**
 * The agent killed at random moments still delivers everything exactly once.
 *
 * bob runs `ferry agent` as a real process; alice sends him files and jobs,
 * some by radio (a socat pty pair, alice running `ferry link --stay`) and
 * some on two USB sticks (real tmpfs mounts moved into bob's watched mount
 * pattern). The jobs are exec packets whose handler is
 * `ferry queue write --content-name`, feeding an ordered queue that bob's
 * agent runs (`ferry.queues`). Meanwhile bob's agent is SIGKILLed several
 * times and restarted each time: each life is armed with the crash points of
 * the phases not hit yet (radio receive, stick import, toss, job run; see
 * src/fsutil/crash_point.ts), so it dies inside one of them, or is killed at
 * a seeded random moment when none comes; the test fails unless every phase
 * was hit. (Stick export is aimed at in test/crash/: here bob has nothing to
 * send back.)
 *
 * What ferry promises, and what is checked:
 * - files: exactly once. Every file arrives once with the right bytes; no
 *   `name.0` duplicates, no temporary files anywhere (incoming, spool, stick).
 * - exec handlers: at least once. A handler interrupted (or finished but not
 *   yet recorded) runs again after a restart; `--content-name` makes the
 *   second enqueue of the same job a no-op, so each job is queued once.
 * - queue jobs: at least once, in order. A job interrupted by a kill runs
 *   again from the start on the next pass, before any later job (fspl
 *   semantics). So the job log, with adjacent repeats collapsed, is exactly
 *   1..N in order, and a job runs more than once only when a kill happened
 *   while it ran (at most one rerun per kill).
 * @module
 */

import { assert, assertEquals } from "../assert.ts";
import { ferry, REPO_ROOT } from "../helpers.ts";
import { IDS, setupNodes } from "../nodes.ts";
import { randomInt, seededRandom, startSocatPtyPair } from "../../hw/mock/mod.ts";
import {
  delay,
  FerryProcess,
  isRoot,
  mountTmpfs,
  moveMount,
  readOr,
  unmountQuietly,
  waitFor,
  walkFiles,
} from "./_fixture.ts";

const seed = Number(Deno.env.get("FERRY_CRASH_SEED") ?? 20261125);
/** Agent kills during the run (at least; more while a phase is still to be hit). */
const killsCount = 6;
/** Agent kills at most, waiting for the phases to be hit. */
const killsMax = 14;
/** The crash point that stands for each phase of the agent's work. */
const phases = {
  "radio receive": "store.persisted",
  "stick import": "xfer-rx.copied",
  "toss": "toss.delivered",
  "job run": "queue.job-done",
} as const;
/** Bounds of the agent's life between kills, ms. */
const lifeMsMin = 800;
const lifeMsMax = 3_500;
/** Jobs sent; odd ones by radio, even ones on the sticks. */
const jobsCount = 8;

function randomBytes(n: number, random: () => number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = Math.floor(random() * 2 ** 32);
    out[i] = v & 0xff;
    out[i + 1] = (v >>> 8) & 0xff;
    out[i + 2] = (v >>> 16) & 0xff;
    out[i + 3] = v >>> 24;
  }
  return out;
}

async function okFerry(args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
  const r = await ferry(args, stdin ? { stdin } : {});
  assertEquals(r.code, 0, `ferry ${args.join(" ")}: ${r.stderr}`);
  return r.stdoutBytes;
}

Deno.test({
  name:
    `the agent SIGKILLed ${killsCount} times (seed ${seed}) delivers files by radio and stick exactly once and runs every job in order`,
  ignore: !isRoot,
  fn: async () => {
    const random = seededRandom(seed);
    const root = await Deno.makeTempDir({ prefix: "ferry-crash-" });
    const mounted: string[] = [];
    const running: FerryProcess[] = [];
    const pty = await startSocatPtyPair();
    try {
      const jobs = `${root}/jobs`;
      const jobLog = `${root}/job-log.txt`;
      const jobOut = `${root}/job-out`;
      const jobScript = `${root}/apply-job.sh`;
      await Deno.mkdir(jobOut);
      // Logs its start, keeps the payload, takes a while (so kills land mid-job), logs its end.
      await Deno.writeTextFile(
        jobScript,
        `#!/bin/sh\necho "start $FSPL_SEQ" >> ${jobLog}\ncat > ${jobOut}/job-$FSPL_SEQ\n` +
          `sleep 0.5\necho "done $FSPL_SEQ" >> ${jobLog}\n`,
        { mode: 0o755 },
      );
      const nodes = await setupNodes(root, ["alice", "bob"], (name, cfg) => {
        if (name !== "bob") return;
        // deno-lint-ignore no-explicit-any
        const neigh = cfg.neigh as any;
        neigh.alice.exec.jobs = [
          Deno.execPath(),
          "run",
          "-A",
          "--quiet",
          `${REPO_ROOT}/main.ts`,
          "queue",
          "write",
          "--content-name",
          "-q",
          jobs,
        ];
        cfg.ferry = {
          name: "bob",
          toss: { "cycle-sec": 1, seen: true },
          media: { mounts: [`${root}/media/stick-*`], "status-file": true },
          links: [{ node: "alice", port: pty.paths[1], modem: "cable", baud: 115200 }],
          queues: [{ dir: jobs, command: [jobScript] }],
        };
      });
      const alice = nodes.alice!, bob = nodes.bob!;
      await okFerry(["queue", "init", "-q", jobs]);

      // What alice sends: files by radio and on two sticks, and jobs both ways.
      const expected = new Map<string, Uint8Array>();
      const sendFile = async (name: string, bytes: Uint8Array) => {
        expected.set(name, bytes);
        await Deno.writeFile(`${root}/${name}`, bytes);
        await okFerry(["--config", alice.cfg, "file", `${root}/${name}`, `bob:${name}`]);
      };
      const payloads: string[] = [];
      const jobFiles: Uint8Array[] = [];
      for (let seq = 1; seq <= jobsCount; seq++) {
        payloads.push(`payload of job ${seq}: ${"x".repeat(randomInt(random, 1, 400))}\n`);
        await Deno.writeTextFile(`${root}/payload-${seq}`, payloads[seq - 1]!);
        jobFiles.push(
          await okFerry([
            "queue",
            "prepare",
            "-s",
            `${root}/alice-jobs.seq`,
            "-i",
            `${root}/payload-${seq}`,
          ]),
        );
      }
      const sendJob = (seq: number) =>
        okFerry(["--config", alice.cfg, "exec", "bob", "jobs"], jobFiles[seq - 1]);
      const aliceToBob = `${alice.spool}/${IDS.bob}/tx`;

      // Two sticks, filled by alice (ferry xfer takes the packets out of her spool).
      await Deno.mkdir(`${root}/media`);
      const sticks: string[] = [];
      for (let s = 0; s < 2; s++) {
        const staging = `${root}/staging-${s}`;
        await Deno.mkdir(staging);
        await mountTmpfs(staging, 48);
        mounted.push(staging);
        await sendFile(`stick${s}-big.bin`, randomBytes((12 + 8 * s) << 20, random));
        await sendFile(`stick${s}-small.txt`, new TextEncoder().encode(`stick ${s}\n`));
        for (let seq = 2 + 4 * s; seq <= jobsCount && seq <= 4 + 4 * s; seq += 2) {
          await sendJob(seq);
        }
        await okFerry(["--config", alice.cfg, "xfer", "--tx", "--mkdir", "--node", "bob", staging]);
        assertEquals(await walkFiles(aliceToBob), [], "the stick took every queued packet");
        sticks.push(staging);
      }
      // The rest goes by radio.
      for (let i = 0; i < 4; i++) {
        await sendFile(`radio-${i}.bin`, randomBytes(randomInt(random, 1, 48 * 1024), random));
      }
      for (let seq = 1; seq <= jobsCount; seq += 2) await sendJob(seq);

      const agentLog = `${root}/bob-agent.log`;
      const unhit = new Set(Object.keys(phases) as (keyof typeof phases)[]);
      const hitAt: string[] = [];
      let life = 0;
      let tracePath = "";
      const startAgent = (armed: boolean) => {
        tracePath = `${root}/trace-${life++}.txt`;
        const env: Record<string, string> = armed && unhit.size > 0
          ? {
            FERRY_CRASH_AT: [...unhit].map((p) => phases[p]).join(","),
            FERRY_CRASH_TRACE: tracePath,
          }
          : {};
        const p = FerryProcess.start(["--config", bob.cfg, "agent"], agentLog, env);
        running.push(p);
        return p;
      };
      // alice stays on the radio; a session that ends (peer lost) is started again.
      let radioDone = false;
      const radio = (async () => {
        while (!radioDone) {
          const link = FerryProcess.start([
            "--config",
            alice.cfg,
            "link",
            "--node",
            "bob",
            "--port",
            pty.paths[0],
            "--modem",
            "cable",
            "--baud",
            "115200",
            "--stay",
            "--status-sec",
            "5",
          ], `${root}/alice-link.log`);
          running.push(link);
          await link.finished();
        }
      })();

      const jobsDone = async () =>
        (await readOr(jobLog)).split("\n").filter((l) => l.startsWith("done ")).map((l) =>
          Number(l.slice(5))
        );
      const delivered = async () => {
        const names = (await walkFiles(bob.incoming)).filter((n) => expected.has(n));
        return names.length === expected.size;
      };

      // Sticks go in while the agent lives through its kills.
      let agent = startAgent(true);
      const stickTimes = [randomInt(random, 500, 2000), randomInt(random, 4000, 6000)];
      const started = Date.now();
      const stickLeft: string[] = [];
      const stickRuns = (async () => {
        for (const [s, staging] of sticks.entries()) {
          await delay(Math.max(0, started + stickTimes[s]! - Date.now()));
          const at = `${root}/media/stick-${s}`;
          await Deno.mkdir(at);
          await moveMount(staging, at);
          mounted[mounted.indexOf(staging)] = at;
          await waitFor(
            `stick ${s} to be imported and marked safe`,
            async () =>
              (await walkFiles(`${at}/${IDS.bob}`)).length === 0 &&
              (await readOr(`${at}/FERRY-STATUS.txt`)).includes("SAFE TO REMOVE"),
          );
          stickLeft.push(...(await walkFiles(at)).map((f) => `stick-${s}/${f}`));
          await unmountQuietly(at);
          mounted.splice(mounted.indexOf(at), 1);
        }
      })();
      const kills: number[] = [];
      for (let k = 0; k < killsCount || (unhit.size > 0 && k < killsMax); k++) {
        const lifeMs = randomInt(random, lifeMsMin, lifeMsMax);
        const died = await Promise.race([
          agent.finished().then((s) => s),
          delay(lifeMs).then(() => null),
        ]);
        if (died !== null) {
          assertEquals(died.signal, "SIGKILL", "an agent ends only at a crash point");
          const point = (await readOr(tracePath)).trim().split("\n").at(-1) ?? "";
          const phase = [...unhit].find((p) => phases[p] === point);
          assert(phase !== undefined, `the agent died at ${point}, which was not armed`);
          unhit.delete(phase);
          hitAt.push(`${phase} (${point})`);
        } else {
          await agent.kill();
        }
        kills.push(Date.now() - started);
        await delay(randomInt(random, 0, 300));
        agent = startAgent(true);
      }
      assertEquals([...unhit], [], `phases never hit; hit: ${hitAt.join(", ")}`);
      await stickRuns;
      await waitFor(
        "every file and job at bob",
        async () => (await delivered()) && (await jobsDone()).includes(jobsCount),
      );
      await waitFor("the last agent to be up", async () => {
        const text = await readOr(`${bob.spool}/.ferry/agent-status.json`);
        return text.includes(`"pid": ${agent.pid},`);
      });
      agent.signal("SIGTERM");
      const stopped = await agent.finished();
      radioDone = true;
      for (const p of running) p.signal("SIGTERM");
      await radio;
      assertEquals(stopped.code, 0, "the last agent stopped cleanly on SIGTERM");

      // Files: exactly once, intact, nothing else in incoming.
      assertEquals(await walkFiles(bob.incoming), [...expected.keys()].sort());
      for (const [name, bytes] of expected) {
        assertEquals(await Deno.readFile(`${bob.incoming}/${name}`), bytes, name);
      }
      // Jobs: in order, each at least once, a rerun only right after itself.
      const log = (await readOr(jobLog)).trim().split("\n");
      const starts = log.filter((l) => l.startsWith("start ")).map((l) => Number(l.slice(6)));
      const collapse = (xs: number[]) => xs.filter((x, i) => i === 0 || xs[i - 1] !== x);
      const inOrder = Array.from({ length: jobsCount }, (_, i) => i + 1);
      assertEquals(collapse(starts), inOrder, `job log:\n${log.join("\n")}`);
      assertEquals(collapse(await jobsDone()), inOrder, `job log:\n${log.join("\n")}`);
      const reruns = starts.length - jobsCount;
      assert(reruns <= kills.length, `${reruns} reruns for ${kills.length} kills`);
      for (let seq = 1; seq <= jobsCount; seq++) {
        assertEquals(
          await Deno.readTextFile(`${jobOut}/job-${seq}`),
          payloads[seq - 1],
          `job ${seq}`,
        );
      }
      // Nothing left behind: no packets, partials or temp files in either spool, no job files.
      const leftovers = (await walkFiles(bob.spool)).filter((p) =>
        !/^[A-Z2-7]{52}\/rx\/seen\/[A-Z2-7]{52}$/.test(p) && !/\.lock$/.test(p) &&
        p !== ".ferry/agent-status.json"
      );
      assertEquals(leftovers, [], "bob's spool holds only seen markers, locks and the status");
      assertEquals(await walkFiles(aliceToBob), [], "alice has nothing left to send");
      assertEquals(stickLeft, ["stick-0/FERRY-STATUS.txt", "stick-1/FERRY-STATUS.txt"]);
      assertEquals(
        (await walkFiles(`${jobs}/jobs`)).filter((n) => !n.endsWith(".out")),
        [],
        "the queue is empty",
      );
      // What ferry status says afterwards: the last agent stopped cleanly and saw the second stick.
      const report = JSON.parse(new TextDecoder().decode(
        await okFerry(["--config", bob.cfg, "status", "--json"]),
      ));
      assertEquals([report.agent.state, report.agent.pid], ["stopped", agent.pid]);
      assertEquals(report.links.map((l: { state: string }) => l.state), ["stopped"]);
      const queue = report.queues[0];
      assertEquals([queue.nextSeq, queue.waitingFor, queue.failure], [
        String(jobsCount + 1),
        null,
        null,
      ]);
      assertEquals(
        report.neighbours.map((n: { received: { packets: number } }) => n.received.packets),
        [0, 0],
      );
      // How the kills landed, for the record (the seed decides).
      const bobLog = await readOr(agentLog);
      const hits = {
        tempsSwept: bobLog.split("temp-removed").length - 1,
        filesFinishedAfterKill: bobLog.split("was delivered before the last interruption").length -
          1,
        transfersResumed: (bobLog.match(/link-receive-start .* offset=[1-9]/g) ?? []).length,
        sticksReread: bobLog.split("medium-start").length - 1 - sticks.length,
        jobReruns: reruns,
        phasesHit: hitAt,
      };
      console.log(
        `kills at ${kills.map((t) => (t / 1000).toFixed(1)).join(", ")} s; ${JSON.stringify(hits)}`,
      );
    } catch (err) {
      for (const log of ["bob-agent.log", "alice-link.log"]) {
        const text = await readOr(`${root}/${log}`);
        console.error(`--- last lines of ${log}:\n${text.split("\n").slice(-60).join("\n")}`);
      }
      throw err;
    } finally {
      for (const p of running) p.signal("SIGKILL");
      await Promise.allSettled(running.map((p) => p.finished()));
      await pty.stop();
      for (const dir of mounted.reverse()) await unmountQuietly(dir);
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});
