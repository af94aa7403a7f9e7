/**
 * The demo behind the README's first command: ferry's story on this one
 * machine. Three nodes:
 *
 * - the **house** (ferry, with internet in real life),
 * - the **shed** (ferry agent, no network: a Pi with a LoRa radio),
 * - the **phone** (stock NNCP tools), which carries a USB stick between them.
 *
 * A radio link between house and shed runs over a real serial pty pair
 * (socat) through a relay that loses and corrupts frames, with LoRa SF7
 * airtime and a 10 % duty cycle. The house sends an urgent message by
 * radio, three ordered jobs for the shed's queue (job 2 travels by stick, so
 * the shed waits for it), and a big file that the phone relays on a USB
 * stick (a real tmpfs mount when run as root, a folder otherwise). The shed
 * agent imports the stick on its own, tosses, runs the jobs in order, and
 * says "safe to remove". Every delivery is verified at the end.
 *
 * Every command the demo runs is printed (`$ ferry ...`, with `ferry` meaning
 * `deno run -A main.ts`, and what it reads from standard input saved to a
 * file beside it), so a person can repeat any step. `--keep` keeps the
 * working folder (configurations, spools, logs) at the end; it is also kept
 * when something fails.
 * @module
 */

import { startSocatPtyPair } from "../hw/mock/mod.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const usage = "usage: bash scripts/demo.sh [--keep]   (--keep: keep the working folder at the end)";
if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
  console.log(usage);
  Deno.exit(0);
}
const unknown = Deno.args.filter((a) => a !== "--keep");
if (unknown.length > 0) {
  console.error(`demo: unknown argument ${unknown[0]}\n${usage}`);
  Deno.exit(2);
}
const keep = Deno.args.includes("--keep");
const dir = await Deno.makeTempDir({ prefix: "ferry-demo-" });
const dec = new TextDecoder();
const isRoot = Deno.uid() === 0;
const started = Date.now();
const children: Deno.ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

const bold = (s: string) => Deno.stdout.isTerminal() ? `\x1b[1m${s}\x1b[0m` : s;
function say(text: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`${t}s ${bold("==>")} ${text}`);
}
function detail(text: string): void {
  console.log(`         ${text}`);
}

/** Quotes an argument for a POSIX shell when it needs it. */
function shq(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
let stdinFiles = 0;
/** Prints the command line a person would type (`ferry` for `deno run -A main.ts`). */
function show(cmd: string, args: string[], stdin?: Uint8Array, background = false): void {
  const prefix = ferryArgs([]);
  const isFerry = cmd === Deno.execPath() && prefix.every((a, i) => args[i] === a);
  const words = isFerry
    ? ["ferry", ...args.slice(prefix.length)]
    : [cmd === Deno.execPath() ? "deno" : cmd, ...args];
  let line = words.map(shq).join(" ");
  if (stdin) {
    const text = dec.decode(stdin);
    if (stdin.length <= 80 && /^[\x20-\x7e]*\n$/.test(text)) {
      line = `echo ${shq(text.slice(0, -1))} | ${line}`;
    } else if (stdin.length <= 80 && /^[\x20-\x7e]*$/.test(text)) {
      line = `printf '%s' ${shq(text)} | ${line}`;
    } else {
      const file = `${dir}/stdin-${++stdinFiles}.bin`;
      Deno.writeFileSync(file, stdin);
      line += ` < ${file}`;
    }
  }
  console.log(`         $ ${line}${background ? " &" : ""}`);
}

async function run(cmd: string, args: string[], stdin?: Uint8Array): Promise<string> {
  show(cmd, args, stdin);
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  if (out.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${dec.decode(out.stderr)}`);
  }
  return dec.decode(out.stdout);
}
const ferryArgs = (args: string[]) => ["run", "-A", "--quiet", `${root}/main.ts`, ...args];
const ferry = (args: string[], stdin?: Uint8Array) => run(Deno.execPath(), ferryArgs(args), stdin);
const ferryAt = (node: string, args: string[], stdin?: Uint8Array) =>
  ferry(["--config", `${dir}/${node}.hjson`, ...args], stdin);

function spawn(cmd: string, args: string[], logFile: string): Deno.ChildProcess {
  show(cmd, args, undefined, true);
  console.log(`           (its output goes to ${logFile})`);
  const log = Deno.openSync(logFile, { write: true, create: true, append: true });
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).spawn();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) log.writeSync(c);
  };
  Promise.all([pump(child.stdout), pump(child.stderr)]).finally(() => log.close());
  children.push(child);
  return child;
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}
const exists = (p: string) => Deno.stat(p).then(() => true, () => false);
const readOr = (p: string) => Deno.readTextFile(p).catch(() => "");

async function sha256(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) =>
    b.toString(16).padStart(2, "0")
  ).join("");
}

/** Adds a neighbour stanza (`name: {...}`) into the `neigh` section of a config file. */
async function addNeigh(file: string, stanza: string): Promise<void> {
  console.log(`         (an editor: add to neigh in ${file})`);
  console.log(stanza.replace(/^/gm, "           "));
  const text = await Deno.readTextFile(file);
  await Deno.writeTextFile(file, text.replace(/\n {2}neigh: \{\n/, `\n  neigh: {\n${stanza}\n`), {
    mode: 0o600,
  });
}

/** The public stanza of an NNCP config (its `neigh.self` keys under another name). */
function stanzaOf(name: string, text: string, extra = ""): string {
  const key = (k: string) => new RegExp(`\\b${k}: ([A-Z2-7]{52})`).exec(text)![1];
  return `${name}: {\n  id: ${key("id")}\n  exchpub: ${key("exchpub")}\n  signpub: ${
    key("signpub")
  }\n  noisepub: ${key("noisepub")}\n${extra}}`;
}

try {
  console.log(bold("ferry demo: the house, the shed and the phone"));
  detail(`working in ${dir}${isRoot ? "" : " (not root: the USB stick is a plain folder)"}`);

  say("Making three nodes: house and shed with `ferry init`, the phone with stock `nncp-cfgnew`");
  for (const n of ["house", "shed", "phone"]) {
    for (const sub of ["spool", "in"]) await Deno.mkdir(`${dir}/${n}/${sub}`, { recursive: true });
  }
  for (const n of ["house", "shed"]) {
    await ferry([
      "init",
      "--name",
      n,
      "--spool",
      `${dir}/${n}/spool`,
      "--log",
      `${dir}/${n}/log`,
      "--output",
      `${dir}/${n}.hjson`,
    ]);
  }
  const phoneCfg = (await run("nncp-cfgnew", ["-nocomments"]))
    .replace(/spool: .*/, `spool: ${dir}/phone/spool`)
    .replace(/log: .*/, `log: ${dir}/phone/log`);
  await Deno.writeTextFile(`${dir}/phone.hjson`, phoneCfg, { mode: 0o600 });
  detail(`  (saved as ${dir}/phone.hjson with spool ${dir}/phone/spool and log ${dir}/phone/log)`);
  const houseText = await Deno.readTextFile(`${dir}/house.hjson`);
  const shedText = await Deno.readTextFile(`${dir}/shed.hjson`);
  const jobs = `${dir}/shed/jobs`;
  const handler = JSON.stringify([
    Deno.execPath(),
    ...ferryArgs(["queue", "write", "--content-name", "-q", jobs]),
  ]);
  await addNeigh(
    `${dir}/house.hjson`,
    stanzaOf("shed", shedText, `  incoming: "${dir}/house/in"\n`),
  );
  await addNeigh(`${dir}/house.hjson`, stanzaOf("phone", phoneCfg));
  await addNeigh(
    `${dir}/shed.hjson`,
    stanzaOf("house", houseText, `  incoming: "${dir}/shed/in"\n  exec: { jobs: ${handler} }\n`),
  );
  await addNeigh(`${dir}/shed.hjson`, stanzaOf("phone", phoneCfg));
  await addNeigh(`${dir}/phone.hjson`, stanzaOf("house", houseText));
  await addNeigh(`${dir}/phone.hjson`, stanzaOf("shed", shedText));
  for (const n of ["house", "shed", "phone"]) {
    const id = /\bid: ([A-Z2-7]{52})/.exec(await Deno.readTextFile(`${dir}/${n}.hjson`))![1];
    detail(`${n.padEnd(5)} ${id}`);
  }

  say(
    "Wiring a radio: two serial pty pairs (socat) with a relay that drops 10 % of the frames and corrupts 2 %",
  );
  const left = await startSocatPtyPair();
  const right = await startSocatPtyPair();
  detail(`$ socat -d -d pty,raw,echo=0 pty,raw,echo=0 &   # twice: ${left.paths.join(" ")}`);
  detail(`                                                  # and ${right.paths.join(" ")}`);
  cleanups.push(() => left.stop(), () => right.stop());
  const relay = spawn(Deno.execPath(), [
    "run",
    "-A",
    "--quiet",
    `${root}/scripts/lossy_relay.ts`,
    left.paths[1],
    right.paths[0],
    "0.10",
    "0.02",
    "42",
  ], `${dir}/relay.log`);
  cleanups.push(() => {
    try {
      relay.kill("SIGTERM");
    } catch { /* gone */ }
    return Promise.resolve();
  });
  detail(
    `house ${left.paths[0]} <-> relay <-> ${
      right.paths[1]
    } shed; LoRa SF7 airtime, 10 % duty cycle each way`,
  );

  const stickMount = `${dir}/media/ferry-stick`;
  await Deno.mkdir(stickMount, { recursive: true });
  const applyJob = `${dir}/shed/apply-job.sh`;
  await Deno.writeTextFile(
    applyJob,
    `#!/bin/sh\nprintf 'job %s: %s\\n' "$FSPL_SEQ" "$(cat)" >> ${dir}/shed/jobs-done.txt\n`,
    { mode: 0o755 },
  );
  await ferry(["queue", "init", "-q", jobs]);
  const radio = (port: string, peer: string) => ({
    node: peer,
    port,
    modem: "cable",
    baud: 9600,
    lora: { sf: 7, "bw-khz": 125, cr: 1, preamble: 8 },
    "duty-cycle": 10,
  });
  const ferrySection = (name: string, extra: Record<string, unknown>) =>
    `  ferry: ${
      JSON.stringify({ name, "log-level": "info", toss: { "cycle-sec": 2, seen: true }, ...extra })
    }\n}\n`;
  for (
    const [n, extra] of [
      ["shed", {
        links: [radio(right.paths[1], "house")],
        media: { mounts: [`${dir}/media/ferry-*`], "status-file": true },
        queues: [{ dir: jobs, command: [applyJob] }],
      }],
      ["house", { links: [radio(left.paths[0], "shed")] }],
    ] as const
  ) {
    const text = await Deno.readTextFile(`${dir}/${n}.hjson`);
    await Deno.writeTextFile(
      `${dir}/${n}.hjson`,
      text.replace(/\n {2}# ferry's own settings[\s\S]*$/, "\n" + ferrySection(n, extra)),
      { mode: 0o600 },
    );
  }

  say(
    "Starting `ferry agent` at the shed (it watches for media, keeps the radio, tosses, runs its job queue) and at the house",
  );
  spawn(
    Deno.execPath(),
    ferryArgs(["--config", `${dir}/shed.hjson`, "agent"]),
    `${dir}/shed/agent.log`,
  );
  spawn(
    Deno.execPath(),
    ferryArgs(["--config", `${dir}/house.hjson`, "agent"]),
    `${dir}/house/agent.log`,
  );
  await waitFor(
    "both agents to be ready",
    async () =>
      (await readOr(`${dir}/shed/agent.log`)).includes("agent-ready") &&
      (await readOr(`${dir}/house/agent.log`)).includes("agent-ready"),
    30_000,
  );

  say("House: an urgent message for the shed goes by radio (niceness F)");
  await ferryAt(
    "house",
    ["file", "--nice", "F", "-", "shed:frost-warning.txt"],
    new TextEncoder().encode("Frost tonight: close the greenhouse.\n"),
  );
  await waitFor(
    "the frost warning at the shed",
    () => exists(`${dir}/shed/in/frost-warning.txt`),
    60_000,
  );
  detail(`shed received: ${(await readOr(`${dir}/shed/in/frost-warning.txt`)).trim()}`);

  say(
    "House: three ordered jobs for the shed's queue; jobs 1 and 3 by radio, job 2 with the phone",
  );
  const bodies: Uint8Array[] = [];
  for (let seq = 1; seq <= 3; seq++) {
    const prepareArgs = ferryArgs(["queue", "prepare", "-s", `${dir}/house/jobs.seq`, "-i", "-"]);
    show(Deno.execPath(), prepareArgs, new TextEncoder().encode(`water bed ${seq}`));
    console.log(`           (its standard output is the job, given to ferry exec below)`);
    const out = await new Deno.Command(Deno.execPath(), {
      args: prepareArgs,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = out.stdin.getWriter();
    await w.write(new TextEncoder().encode(`water bed ${seq}`));
    await w.close();
    bodies.push((await out.output()).stdout);
  }
  await ferryAt("house", ["exec", "shed", "jobs"], bodies[0]);
  await ferryAt("house", ["exec", "--via", "phone", "shed", "jobs"], bodies[1]);
  await ferryAt("house", ["exec", "shed", "jobs"], bodies[2]);

  say("House: a 3 MiB map for the shed goes with the phone (relayed by stock NNCP)");
  const map = `${dir}/house/map.bin`;
  const mapBytes = new Uint8Array(3 * 1024 * 1024);
  for (let off = 0; off < mapBytes.length; off += 65536) {
    crypto.getRandomValues(mapBytes.subarray(off, off + 65536));
  }
  await Deno.writeFile(map, mapBytes);
  await ferryAt("house", ["file", "--via", "phone", map, "shed:"]);

  await waitFor("jobs 1 and 3 to reach the shed's queue by radio", async () => {
    const waiting = [...Deno.readDirSync(`${jobs}/jobs`)].filter((e) =>
      e.name.endsWith(".fspl")
    ).length;
    return waiting >= 1 && (await readOr(`${dir}/shed/jobs-done.txt`)).includes("job 1:");
  }, 60_000);
  detail(
    `shed queue ran: ${
      (await readOr(`${dir}/shed/jobs-done.txt`)).trim()
    }; job 3 is there and waits for job 2`,
  );

  say(
    "The phone visits the house: nncp-xfer from the house's folder, nncp-toss relays the packets for the shed",
  );
  const phoneDrop = `${dir}/phone/from-house`;
  await Deno.mkdir(phoneDrop);
  await ferryAt("house", ["xfer", "--tx", "--mkdir", "--node", "phone", phoneDrop]);
  await run("nncp-xfer", ["-cfg", `${dir}/phone.hjson`, "-quiet", "-rx", phoneDrop]);
  await run("nncp-toss", ["-cfg", `${dir}/phone.hjson`, "-quiet"]);

  say(
    `The phone walks to the shed and plugs in a USB stick${
      isRoot ? " (a real tmpfs mount)" : " (a folder)"
    }`,
  );
  const stickStaging = isRoot ? stickMount : `${dir}/stick`;
  if (isRoot) {
    // Write the stick first, then mount it where the shed watches: mount a tmpfs
    // elsewhere, fill it, and move it into place (a real mount event at the shed).
    const scratch = `${dir}/phone/stick`;
    await Deno.mkdir(scratch, { recursive: true });
    await run("mount", ["-t", "tmpfs", "-o", "size=16m", "ferry-stick", scratch]);
    cleanups.push(async () => void await run("umount", ["-l", scratch]).catch(() => {}));
    await run("nncp-xfer", [
      "-cfg",
      `${dir}/phone.hjson`,
      "-quiet",
      "-mkdir",
      "-tx",
      "-node",
      "shed",
      scratch,
    ]);
    await run("mount", ["--move", scratch, stickMount]);
    cleanups.push(async () => void await run("umount", ["-l", stickMount]).catch(() => {}));
    await waitFor(
      "the shed to say the stick is safe to remove",
      async () => (await readOr(`${dir}/shed/agent.log`)).includes("medium-safe-to-remove"),
      60_000,
    );
  } else {
    await Deno.mkdir(stickStaging, { recursive: true });
    await run("nncp-xfer", [
      "-cfg",
      `${dir}/phone.hjson`,
      "-quiet",
      "-mkdir",
      "-tx",
      "-node",
      "shed",
      stickStaging,
    ]);
    await ferryAt("shed", ["media", stickStaging]);
  }
  const status = await readOr(`${stickStaging}/FERRY-STATUS.txt`);
  detail(
    `FERRY-STATUS.txt on the stick: ${status.trim().split("\n").slice(2, 4).join(", ")}; ${
      status.includes("SAFE TO REMOVE") ? "SAFE TO REMOVE" : "not safe"
    }`,
  );

  await waitFor(
    "the map and all three jobs at the shed",
    async () =>
      (await exists(`${dir}/shed/in/map.bin`)) &&
      (await readOr(`${dir}/shed/jobs-done.txt`)).split("\n").filter((l) => l).length >= 3,
    60_000,
  );
  detail(
    `shed ran its jobs in order: ${
      (await readOr(`${dir}/shed/jobs-done.txt`)).trim().replace(/\n/g, "; ")
    }`,
  );

  say("Shed: a reply by radio, and its status at a glance");
  await ferryAt(
    "shed",
    ["file", "--nice", "P", "-", "house:eggs.txt"],
    new TextEncoder().encode("12 eggs today\n"),
  );
  await waitFor("the reply at the house", () => exists(`${dir}/house/in/eggs.txt`), 60_000);
  console.log((await ferryAt("shed", ["status"])).replace(/^/gm, "         "));

  say("Verifying every delivery");
  const checks: [string, boolean][] = [
    [
      "frost warning delivered by radio",
      (await readOr(`${dir}/shed/in/frost-warning.txt`)) ===
        "Frost tonight: close the greenhouse.\n",
    ],
    [
      "3 MiB map delivered intact via the phone (sha256)",
      (await sha256(`${dir}/shed/in/map.bin`)) === (await sha256(map)),
    ],
    [
      "jobs ran once each, in order 1, 2, 3",
      (await readOr(`${dir}/shed/jobs-done.txt`)) ===
        "job 1: water bed 1\njob 2: water bed 2\njob 3: water bed 3\n",
    ],
    ["the stick says SAFE TO REMOVE", status.includes("SAFE TO REMOVE")],
    [
      "reply delivered to the house by radio",
      (await readOr(`${dir}/house/in/eggs.txt`)) === "12 eggs today\n",
    ],
  ];
  let ok = true;
  for (const [what, good] of checks) {
    detail(`${good ? "ok  " : "FAIL"} ${what}`);
    ok &&= good;
  }
  say(
    ok
      ? `All deliveries verified in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        "(the demo itself, from its first line; starting Deno, and installing Deno and the " +
        "Debian packages on a first run, come on top)"
      : "Some deliveries FAILED; logs are in " + dir,
  );
  if (!ok) Deno.exitCode = 1;
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
  for (const log of ["shed/agent.log", "house/agent.log"]) {
    const text = await readOr(`${dir}/${log}`);
    if (text) console.error(`--- last lines of ${log}:\n${text.split("\n").slice(-25).join("\n")}`);
  }
  Deno.exitCode = 1;
} finally {
  for (const child of children) {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
  }
  await Promise.allSettled(children.map((c) => c.status));
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
  if (keep || (Deno.exitCode !== 0 && Deno.exitCode !== undefined)) {
    console.log(
      `kept ${dir}: house.hjson, shed.hjson, phone.hjson, the spools and the logs ` +
        `(try: ferry --config ${dir}/shed.hjson status)`,
    );
  } else {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
